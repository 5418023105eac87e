"""Open311 under crafted input (docs/security.md, findings 3 and 4): arguments out of any
sensible range are a 400 with the spec's error list; control characters never reach the
XML feed, whether sent now or stored before."""

import json
from xml.etree import ElementTree

import pytest
from django.test import Client

from cases import workflow
from cases.models import Case
from cases.workflow import Actor
from integrations import keys
from tests import factories

BASE = "/open311/v2"
CONTROL = "a\x0b\x01b\x1f"


@pytest.fixture
def client():
    return Client(headers={"Accept-Language": "en"})


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": "100000000000000000000"}, "page must be a whole number from 1 to 100000."),
        ({"page": "100001"}, "page must be a whole number from 1 to 100000."),
        ({"start_date": "9999-12-31"}, "start_date must lie between 2000-01-01 and 2099-12-31."),
        ({"end_date": "0001-01-01"}, "end_date must lie between 2000-01-01 and 2099-12-31."),
        ({"start_date": "0001-01-01"}, "start_date must lie between 2000-01-01 and 2099-12-31."),
        (
            {"end_date": "9999-12-31T23:59:59-12:00"},
            "end_date must lie between 2000-01-01 and 2099-12-31.",
        ),
    ],
    ids=str,
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_arguments_out_of_range_are_a_400_with_the_error_list(client, street, params, message, fmt):
    response = client.get(f"{BASE}/requests.{fmt}", params)
    assert response.status_code == 400, response.content
    if fmt == "json":
        assert json.loads(response.content) == [{"code": 400, "description": message}]
    else:
        assert "<code>400</code>" in response.content.decode()
        assert f"<description>{message}</description>" in response.content.decode()


def test_the_last_page_within_range_is_an_empty_list(client, street):
    response = client.get(f"{BASE}/requests.json", {"page": "100000"})
    assert response.status_code == 200
    assert json.loads(response.content) == []


def test_control_characters_sent_by_a_client_are_dropped(client, street):
    response = client.post(
        f"{BASE}/requests.json",
        {
            "api_key": "hongmei-demo-key",
            "service_code": "litter",
            "address_string": "虹梅路\x01\x02 1号",
            "description": "第一行\x0b\n第二行\x01",
            "first_name": "小\x07明",
        },
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert case.address == "虹梅路 1号"
    assert case.description == "第一行\n第二行"
    assert case.reporter.name == "小明"


def test_a_stored_description_with_control_characters_leaves_the_xml_well_formed(client, street):
    workflow.file_case(
        actor=Actor.anonymous_reporter(),
        category=street.categories["litter"],
        description=CONTROL,
        address="虹梅路\x0c",
        channel=Case.Channel.WEB,
        lat=factories.HANGTIAN_POINT[0],
        lng=factories.HANGTIAN_POINT[1],
    )
    response = client.get(f"{BASE}/requests.xml")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<description>ab</description>" in body
    assert "<address>虹梅路</address>" in body
    ElementTree.fromstring(response.content)  # noqa: S314 - our own answer


def test_the_range_error_speaks_chinese_by_default(street):
    response = Client().get(f"{BASE}/requests.json", {"start_date": "9999-12-31"})
    assert json.loads(response.content) == [
        {"code": 400, "description": "start_date 必须在 2000-01-01 到 2099-12-31 之间。"}
    ]


@pytest.mark.parametrize("name", ["service_code", "service_request_id", "status"])
def test_control_characters_in_list_arguments_are_dropped(client, street, name):
    case = factories.new_case(street)
    value = {"service_code": "lit\x00ter", "service_request_id": f"\x00{case.number}"}.get(
        name, "op\x00en"
    )
    body = json.loads(client.get(f"{BASE}/requests.json", {name: value}).content)
    assert [request["service_request_id"] for request in body] == [case.number]


@pytest.mark.parametrize(
    "field",
    ["description", "address_string", "first_name", "last_name", "attribute[shop_name]"],
)
def test_markup_is_refused_in_every_text_argument_of_a_post(client, street, field):
    data = {
        "api_key": "hongmei-demo-key",
        "service_code": "signboard",
        "address_string": "虹梅路 1号",
        "attribute[shop_name]": "川味小厨",
    }
    data[field] = "<img src=x onerror=alert(1)>"
    response = client.post(f"{BASE}/requests.json", data)
    assert response.status_code == 400
    assert {"code": 400, "description": f"{field} must be plain text, without HTML or code."} in (
        json.loads(response.content)
    )
    assert not Case.objects.exists()


def test_a_key_over_its_limit_gets_a_429_with_retry_after(client, street):
    key, secret = keys.create_key(name="Busy", channel=Case.Channel.OPEN311, requests_per_minute=1)
    data = {"api_key": secret, "service_code": "litter", "address_string": "虹梅路 1号"}
    assert client.post(f"{BASE}/requests.json", data).status_code == 201
    refused = client.post(f"{BASE}/requests.xml", data)
    assert refused.status_code == 429
    assert b"<code>429</code>" in refused.content
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert Case.objects.filter(api_key=key).count() == 1
