"""Open311 GeoReport v2 at /open311/v2/, checked against the specification's fields, types
and rules (wiki.open311.org/GeoReport_v2), in JSON and in XML."""

import json
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.utils import timezone

from cases.models import ApiKey, Case, Category, Event, Reporter, State
from integrations import keys
from tests import factories

BASE = "/open311/v2"
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "detailed_status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
SERVICE_FIELDS = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}
W3 = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$"


@pytest.fixture
def client():
    """A client whose Accept-Language asks for English, the language the messages are
    written in (Chinese, the default, is checked by tests/test_i18n.py)."""
    return Client(headers={"Accept-Language": "en"})


def parse_xml(content):
    return ElementTree.fromstring(content)  # noqa: S314 - our own server's answer


def get_json(client, path, expect=200, **params):
    response = client.get(f"{BASE}/{path}.json", params)
    assert response.status_code == expect, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content)


def get_xml(client, path, expect=200, **params):
    response = client.get(f"{BASE}/{path}.xml", params)
    assert response.status_code == expect, response.content
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return parse_xml(response.content)


def post(client, fmt="json", **data):
    data.setdefault("api_key", "hongmei-demo-key")
    return client.post(f"{BASE}/requests.{fmt}", data)


def children(element):
    return {child.tag: child.text for child in element}


# ---------------------------------------------------------------------------- discovery


def test_discovery_lists_the_georeport_v2_endpoint_in_both_formats(client, street):
    data = get_json(client, "discovery")
    assert set(data) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = data["endpoints"]
    assert endpoint == {
        "specification": "http://wiki.open311.org/GeoReport_v2",
        "url": "http://testserver/open311/v2",
        "changeset": data["changeset"],
        "type": "production",
        "formats": ["text/xml", "application/json"],
    }
    root = get_xml(client, "discovery")
    assert root.tag == "discovery"
    formats = root.find("endpoints/endpoint/formats")
    assert [f.tag for f in formats] == ["format", "format"]
    assert [f.text for f in formats] == ["text/xml", "application/json"]
    assert root.findtext("endpoints/endpoint/specification") == endpoint["specification"]


# ---------------------------------------------------------------------------- services


def test_services_are_the_active_sub_categories_with_string_codes(client, street):
    data = get_json(client, "services")
    codes = [s["service_code"] for s in data]
    leaves = {c.code for c in street.categories.values() if c.parent_id}
    assert set(codes) == leaves and len(codes) == len(leaves)
    for service in data:
        assert set(service) == SERVICE_FIELDS
        assert isinstance(service["service_code"], str)
        assert isinstance(service["metadata"], bool)
        assert service["type"] == "realtime"
    signboard = next(s for s in data if s["service_code"] == "signboard")
    assert signboard["service_name"] == "Shop signboard"
    assert signboard["group"] == "Advertising and signs"
    assert signboard["metadata"] is True
    litter = next(s for s in data if s["service_code"] == "litter")
    assert litter["metadata"] is False


def test_open311_speaks_chinese_by_default(street):
    response = Client().get(f"{BASE}/services.json")
    signboard = next(s for s in json.loads(response.content) if s["service_code"] == "signboard")
    assert signboard["service_name"] == "店招店牌"
    assert signboard["group"] == "宣传广告"
    definition = json.loads(Client().get(f"{BASE}/services/cooking-fumes.json").content)
    assert definition["attributes"][0]["description"] == "店铺名称"
    error = json.loads(Client().get(f"{BASE}/services/x.json").content)
    assert error == [{"code": 404, "description": "没有编码为“x”的服务。"}]


def test_services_xml_repeats_service_elements_with_true_false(client, street):
    root = get_xml(client, "services")
    assert root.tag == "services"
    assert {child.tag for child in root} == {"service"}
    first = children(root[0])
    assert set(first) == SERVICE_FIELDS
    assert first["metadata"] in ("true", "false")


def test_an_inactive_category_is_not_a_service(client, street):
    Category.objects.filter(code="noise").update(is_active=False)
    codes = [s["service_code"] for s in get_json(client, "services")]
    assert "noise" not in codes
    get_json(client, "services/noise", expect=404)


def test_service_definition_maps_questions_to_attributes(client, street):
    data = get_json(client, "services/cooking-fumes")
    assert data["service_code"] == "cooking-fumes"
    shop, time_of_day = data["attributes"]
    assert shop == {
        "variable": True,
        "code": "shop_name",
        "datatype": "string",
        "required": False,  # it names a third party: people often do not know it
        "datatype_description": None,
        "order": 1,
        "description": "Shop name",
    }
    assert time_of_day["datatype"] == "singlevaluelist"
    assert time_of_day["required"] is False
    assert time_of_day["order"] == 2
    assert time_of_day["values"][0] == {"key": "morning", "name": "Morning"}


def test_service_definition_xml_nests_attributes_and_values(client, street):
    root = get_xml(client, "services/bike-parking")
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "bike-parking"
    (attribute,) = root.find("attributes")
    assert attribute.tag == "attribute"
    assert attribute.findtext("datatype") == "multivaluelist"
    assert attribute.findtext("variable") == "true"
    assert attribute.findtext("required") == "false"
    assert [v.findtext("key") for v in attribute.find("values")] == ["shared", "ebike", "private"]
    assert [v.tag for v in attribute.find("values")] == ["value"] * 3


def test_unknown_service_definition_is_a_404_in_the_spec_error_format(client, street):
    assert get_json(client, "services/pothole", expect=404) == [
        {"code": 404, "description": "No service has the code “pothole”."}
    ]
    root = get_xml(client, "services/pothole", expect=404)
    assert root.tag == "errors"
    assert children(root[0]) == {"code": "404", "description": "No service has the code “pothole”."}


# ---------------------------------------------------------------------------- GET requests


def test_requests_list_cases_with_the_spec_fields_and_no_personal_data(client, street):
    case = factories.case_in(
        street, State.IN_PROGRESS, description="垃圾很多，请联系13812345678或me@example.com"
    )
    (data,) = get_json(client, "requests")
    assert set(data) == REQUEST_FIELDS
    assert data["service_request_id"] == case.number
    assert data["status"] == "open"
    assert data["detailed_status"] == "in_progress"
    assert data["service_code"] == "litter"
    assert data["agency_responsible"] == "Hangtian Xinyuan Residents' Committee"
    assert data["description"] == "垃圾很多，请联系138****5678或***@***"
    assert data["lat"] == pytest.approx(31.1785) and data["long"] == pytest.approx(121.3955)
    assert data["address_id"] == "compound-hangtian-2"
    assert data["requested_datetime"] == timezone.localtime(case.created_at).isoformat(
        timespec="seconds"
    )
    assert data["requested_datetime"].endswith("+08:00")
    assert data["expected_datetime"] == timezone.localtime(case.resolve_due).isoformat(
        timespec="seconds"
    )
    text = json.dumps(data, ensure_ascii=False)
    for private in ("13800138000", "r@example.com", case.token):
        assert private not in text


def test_requests_never_show_staff_notes(client, street):
    case = factories.case_in(street, State.IN_PROGRESS)
    factories.act(street, case, "note", "hangtian", note="内部备注：房东姓王")
    data = get_json(client, f"requests/{case.number}")
    assert "房东" not in json.dumps(data, ensure_ascii=False)


def test_sensitive_categories_stay_out_of_public_requests(client, street):
    renting = factories.case_in(street, State.DISPATCHED, category="group-renting")
    litter = factories.case_in(street, State.DISPATCHED)
    listed = {r["service_request_id"] for r in get_json(client, "requests")}
    assert litter.number in listed and renting.number not in listed
    get_json(client, f"requests/{renting.number}", expect=404)


def test_closed_and_rejected_cases_are_closed_with_our_state_in_detailed_status(client, street):
    closed = factories.case_in(street, State.CLOSED)
    rejected = factories.case_in(street, State.REJECTED)
    data = {r["service_request_id"]: r for r in get_json(client, "requests")}
    assert data[closed.number]["status"] == "closed"
    assert data[closed.number]["detailed_status"] == "closed"
    assert data[closed.number]["updated_datetime"] == timezone.localtime(
        closed.closed_at
    ).isoformat(timespec="seconds")
    assert data[closed.number]["expected_datetime"] is None
    assert data[rejected.number]["status"] == "closed"
    assert data[rejected.number]["detailed_status"] == "rejected"


def test_requests_filter_by_status_service_code_and_ids(client, street):
    open_case = factories.case_in(street, State.DISPATCHED)
    closed = factories.case_in(street, State.CLOSED)
    noise = factories.new_case(street, "noise")

    def ids(**params):
        return [r["service_request_id"] for r in get_json(client, "requests", **params)]

    assert ids(status="closed") == [closed.number]
    assert set(ids(status="open")) == {open_case.number, noise.number}
    assert set(ids(status="open,closed")) == {open_case.number, closed.number, noise.number}
    assert ids(service_code="noise") == [noise.number]
    assert set(ids(service_code="noise,litter")) == {open_case.number, closed.number, noise.number}
    # Several ids override every other argument.
    assert set(ids(service_request_id=f"{noise.number},{closed.number}", status="open")) == {
        noise.number,
        closed.number,
    }


def test_requests_default_to_the_last_90_days_newest_first(client, street):
    now = timezone.now()
    old = factories.new_case(street, at=now - timedelta(days=91))
    recent = factories.new_case(street, at=now - timedelta(days=2))
    newest = factories.new_case(street, at=now - timedelta(hours=1))
    ids = [r["service_request_id"] for r in get_json(client, "requests")]
    assert ids == [newest.number, recent.number]
    found = get_json(
        client,
        "requests",
        start_date=(now - timedelta(days=100)).isoformat(),
        end_date=(now - timedelta(days=20)).isoformat(),
    )
    assert [r["service_request_id"] for r in found] == [old.number]


def test_requests_accept_an_unencoded_plus_in_dates_and_a_start_date_alone(client, street):
    case = factories.new_case(street, at=factories.aware(2026, 3, 2, 10, 0))
    response = client.get(f"{BASE}/requests.json?start_date=2026-03-01T00:00:00+08:00")
    assert [r["service_request_id"] for r in json.loads(response.content)] == [case.number]


def test_requests_page_with_page_and_page_size(client, street):
    cases = [factories.new_case(street) for _ in range(5)]
    numbers = [c.number for c in reversed(cases)]
    page1 = get_json(client, "requests", page_size=2)
    page3 = get_json(client, "requests", page_size=2, page=3)
    assert [r["service_request_id"] for r in page1] == numbers[:2]
    assert [r["service_request_id"] for r in page3] == numbers[4:]


def test_requests_list_runs_one_query_however_many_cases(client, street, django_assert_num_queries):
    for _ in range(3):
        factories.case_in(street, State.DISPATCHED)
    with django_assert_num_queries(1):
        assert len(get_json(client, "requests")) == 3
    for _ in range(3):
        factories.case_in(street, State.DISPATCHED)
    with django_assert_num_queries(1):
        assert len(get_json(client, "requests")) == 6


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "pending"}, "status must be open or closed."),
        ({"start_date": "yesterday"}, "start_date must be a date and time"),
        ({"end_date": "2026-13-45T00:00:00Z"}, "end_date must be a date and time"),
        (
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
            "may not span more than 90 days",
        ),
        (
            {"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
            "end_date must not be before start_date",
        ),
        ({"page": "0"}, "page must be a whole number from 1"),
        ({"page_size": "1001"}, "page_size must be a whole number from 1 to 1000"),
    ],
)
def test_bad_request_arguments_are_a_400_listing_the_problem(client, street, params, message):
    (error,) = get_json(client, "requests", expect=400, **params)
    assert error["code"] == 400
    assert message in error["description"]
    root = get_xml(client, "requests", expect=400, **params)
    assert message in root.findtext("error/description")


def test_one_request_is_a_list_of_one_and_an_unknown_one_a_404(client, street):
    case = factories.case_in(street, State.RESOLVED)
    (data,) = get_json(client, f"requests/{case.number}")
    assert data["detailed_status"] == "resolved"
    root = get_xml(client, f"requests/{case.number}")
    assert root.tag == "service_requests"
    (request,) = root
    assert request.tag == "request"
    assert set(children(request)) == REQUEST_FIELDS
    assert children(request)["status"] == "open"
    assert get_json(client, "requests/HM-2000-000001", expect=404)[0]["code"] == 404


def test_a_tracking_token_resolves_to_its_request_id(client, street):
    case = factories.new_case(street)
    assert get_json(client, f"tokens/{case.token}") == [
        {"service_request_id": case.number, "token": case.token}
    ]
    root = get_xml(client, f"tokens/{case.token}")
    assert children(root[0]) == {"service_request_id": case.number, "token": case.token}
    get_json(client, "tokens/not-a-token", expect=404)


def test_a_foreign_jurisdiction_is_a_404_and_ours_is_accepted(client, street, settings):
    assert get_json(client, "services", jurisdiction_id=settings.HONGMEI_OPEN311_JURISDICTION)
    (error,) = get_json(client, "services", expect=404, jurisdiction_id="sfgov.org")
    assert error["description"] == "jurisdiction_id was not found."


def test_unknown_resources_and_formats_are_404s_in_xml(client, street):
    for path in ("/open311/v2/widgets.json", "/open311/v2/services.csv", "/open311/v2/"):
        response = client.get(path)
        assert response.status_code == 404
        assert parse_xml(response.content).findtext("error/code") == "404"


def test_a_method_a_resource_does_not_answer_is_a_400(client, street):
    response = client.post(f"{BASE}/services.json")
    assert response.status_code == 400
    assert json.loads(response.content)[0]["code"] == 405


# ---------------------------------------------------------------------------- POST requests


def test_post_files_a_routed_case_with_the_keys_channel(client, street):
    response = post(
        client,
        service_code="cooking-fumes",
        lat="31.1785",
        long="121.3955",
        description="楼下餐馆油烟直排",
        **{"attribute[shop_name]": "川味小厨", "attribute[time_of_day]": "evening"},
        email="resident@example.com",
        first_name="三",
        last_name="张",
        phone="13900000000",
        media_url="https://example.com/photo.jpg",
    )
    assert response.status_code == 201
    (answer,) = json.loads(response.content)
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    case = Case.objects.get(number=answer["service_request_id"])
    key = ApiKey.objects.get(prefix="hongmei-demo")
    assert case.channel == Case.Channel.OPEN311 == key.channel
    assert case.api_key == key
    assert case.answers == {"shop_name": "川味小厨", "time_of_day": "evening"}
    assert case.media_url == "https://example.com/photo.jpg"
    assert case.area == street.areas["compound-hangtian-2"]
    # The demo rule sends cooking fumes to market supervision at once.
    assert case.state == State.DISPATCHED
    assert case.lead_party == street.parties["market"]
    assert answer["service_notice"] == "Sent to Hongmei Market Supervision Office."
    assert (case.reporter.name, case.reporter.phone, case.reporter.email) == (
        "张三",
        "13900000000",
        "resident@example.com",
    )
    filed = case.events.get(kind="file")
    assert filed.cause == "API key Demo mini-program"
    assert "13900000000" not in json.dumps(filed.data) + filed.note


def test_post_in_xml_answers_in_xml(client, street):
    response = post(client, "xml", service_code="other", address_string="虹梅路2000号")
    assert response.status_code == 201
    root = parse_xml(response.content)
    assert root.tag == "service_requests"
    number = root.findtext("request/service_request_id")
    case = Case.objects.get(number=number)
    assert case.address == "虹梅路2000号"
    assert case.state == State.REPORTED
    assert case.description == "其他"
    assert case.reporter is None
    assert root.find("request/account_id").text is None


def test_post_takes_every_value_of_a_multivaluelist(client, street):
    client.post(
        f"{BASE}/requests.json",
        "api_key=hongmei-demo-key&service_code=bike-parking&address_string=x"
        "&attribute[bike_kind][]=shared&attribute[bike_kind][]=ebike",
        content_type="application/x-www-form-urlencoded",
    )
    assert Case.objects.get().answers == {"bike_kind": ["shared", "ebike"]}


def test_post_with_an_area_code_as_address_id(client, street):
    assert post(client, service_code="litter", address_id="community-qinbei").status_code == 201
    assert Case.objects.get().area == street.areas["community-qinbei"]


@pytest.mark.parametrize("api_key", ["", "hongmei-demo-kez", "nonsense", "hm_" + "x" * 43], ids=str)
def test_post_without_a_valid_key_is_a_403_and_files_nothing(client, street, api_key):
    response = post(client, api_key=api_key, service_code="litter", address_string="x")
    assert response.status_code == 403
    assert json.loads(response.content) == [
        {"code": 403, "description": "api_key is missing, wrong or revoked."}
    ]
    assert not Case.objects.exists()


def test_post_with_a_revoked_key_is_a_403(client, street):
    key, secret = keys.create_key(name="Old app", channel=Case.Channel.OPEN311)
    keys.revoke(key)
    response = post(client, "xml", api_key=secret, service_code="litter", address_string="x")
    assert response.status_code == 403
    assert parse_xml(response.content).findtext("error/code") == "403"
    assert not Case.objects.exists()


def test_post_with_an_unknown_service_code_is_a_404_and_without_one_a_400(client, street):
    response = post(client, service_code="pothole", address_string="x")
    assert response.status_code == 404
    response = post(client, address_string="x")
    assert response.status_code == 400
    assert json.loads(response.content)[0]["description"] == "service_code was not provided."
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Give the location: lat and long, address_string or address_id."),
        ({"lat": "31.17"}, "lat and long must both be given"),
        ({"lat": "31.0", "long": "121.0"}, "This location is outside Hongmei Street."),
        ({"lat": "95", "long": "121.0"}, "lat and long are not a point on Earth."),
        ({"address_id": "atlantis"}, "address_id “atlantis” is unknown."),
        ({"address_string": "x", "description": "x" * 4001}, "at most 4000 characters"),
        (
            {"address_string": "x", "description": "<script>alert(1)</script>"},
            "without HTML or code",
        ),
        ({"address_string": "x", "media_url": "ftp://example.com/a"}, "media_url must be"),
        ({"address_string": "x", "email": "not-an-address"}, "email is not an e-mail address."),
        ({"address_string": "x", "phone": "call me"}, "phone is not a phone number."),
        (
            {"address_string": "x", "attribute[colour]": "red"},
            "This service has no attribute “colour”.",
        ),
    ],
)
def test_post_refusals_are_400s_and_create_nothing(client, street, data, message):
    response = post(client, service_code="litter", **data)
    assert response.status_code == 400
    errors = json.loads(response.content)
    assert all(e["code"] == 400 for e in errors)
    assert any(message in e["description"] for e in errors), errors
    assert not Case.objects.exists() and not Reporter.objects.exists()
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("service", "attributes", "message"),
    [
        ("corridor-clutter", {}, "attribute[building] is required."),
        ("noise", {"attribute[time_of_day]": "dawn"}, "attribute[time_of_day] has a value"),
        ("bike-parking", {"attribute[bike_kind][]": "cars"}, "attribute[bike_kind] has a value"),
        ("signboard", {"attribute[shop_name]": "a\nb"}, "attribute[shop_name] has a value"),
    ],
)
def test_post_checks_attributes_against_the_definition(
    client, street, service, attributes, message
):
    corridor = Category.objects.get(code="corridor-clutter")
    corridor.questions = [{**corridor.questions[0], "required": True}]
    corridor.save()
    response = post(client, service_code=service, address_string="x", **attributes)
    assert response.status_code == 400
    assert message in json.loads(response.content)[0]["description"]
    assert not Case.objects.exists()


def test_post_lists_every_problem_at_once(client, street):
    response = post(client, service_code="signboard", email="bad", phone="bad")
    descriptions = [e["description"] for e in json.loads(response.content)]
    assert len(descriptions) == 3  # the shop's name is not among them: it may be left out


def test_a_case_filed_through_open311_is_listed_by_get(client, street):
    number = json.loads(post(client, service_code="litter", address_string="虹梅路").content)[0][
        "service_request_id"
    ]
    root = get_xml(client, "requests")
    assert [r.findtext("service_request_id") for r in root] == [number]
    assert root.findtext("request/address") == "虹梅路"
