"""An independent GeoReport v2 client from PyPI (`georeport`, requests + xmltodict) reads
the services and requests of a live server, in JSON and in XML."""

import pytest
import requests
from georeport import GeoReport

from cases.models import State
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def as_list(value):
    """xmltodict gives one repeated element as a dict, several as a list."""
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_georeport_client_reads_services_and_requests(live_server, fmt):
    street = factories.street()
    dispatched = factories.case_in(street, State.DISPATCHED)
    closed = factories.case_in(street, State.CLOSED)
    client = GeoReport(f"{live_server.url}/open311/v2", output_format=fmt)

    services = as_list(client.get_service_list())
    codes = {s["service_code"] for s in services}
    assert codes == {c.code for c in street.categories.values() if c.parent_id}
    definition = client.get_service_definition("cooking-fumes")
    attributes = definition["attributes"]
    attributes = as_list(attributes["attribute"]) if fmt == "xml" else attributes
    assert [a["code"] for a in attributes] == ["shop_name", "time_of_day"]

    found = as_list(client.get_service_requests())
    assert {r["service_request_id"] for r in found} == {dispatched.number, closed.number}
    open_only = as_list(client.get_service_requests(status="open"))
    assert [r["service_request_id"] for r in open_only] == [dispatched.number]
    one = client.get_service_request(closed.number)
    assert (one["status"], one["detailed_status"]) == ("closed", "closed")
    assert one["agency_responsible"] == "航天新苑居委会"


def test_a_case_posted_over_http_is_read_back_by_the_client(live_server):
    factories.street()
    response = requests.post(
        f"{live_server.url}/open311/v2/requests.json",
        data={
            "api_key": "hongmei-demo-key",
            "service_code": "litter",
            "lat": "31.1785",
            "long": "121.3955",
            "description": "路边有暴露垃圾",
        },
        timeout=10,
    )
    assert response.status_code == 201
    number = response.json()[0]["service_request_id"]
    client = GeoReport(f"{live_server.url}/open311/v2", output_format="xml")
    one = client.get_service_request(number)
    assert one["service_code"] == "litter"
    assert one["description"] == "路边有暴露垃圾"
