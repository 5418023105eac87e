"""Issue 14, finding 10: /api/schema/ describes what the API answers (nullable fields, no
"" where a URI or a choice is promised, the refusals of every operation, a page size that is
one whole number). tests/integrations/test_api_fuzz.py runs schemathesis's every check."""

import pytest
from rest_framework.test import APIClient

from cases.models import State
from tests import factories


@pytest.fixture
def schema(street):
    return APIClient().get("/api/schema/", {"format": "json"}).json()


def prop(schema, component, name):
    return schema["components"]["schemas"][component]["properties"][name]


@pytest.mark.parametrize(
    ("component", "name"),
    [
        ("Area", "parent"),
        ("Area", "boundary"),
        ("Category", "parent"),
        ("Party", "area"),
        ("Case", "lead_party"),
        ("Case", "area"),
        ("CaseDetail", "lead_party"),
        ("CaseDetail", "media_url"),
        ("CaseDetail", "satisfaction"),
        ("Event", "actor"),
        ("Event", "actor_party"),
    ],
)
def test_fields_that_may_be_null_are_typed_nullable(schema, component, name):
    assert prop(schema, component, name).get("nullable") is True


def test_no_media_link_and_no_rating_are_null_not_empty_strings(street, api_as):
    case = factories.case_in(street, State.REPORTED)
    assert case.media_url == "" and case.satisfaction == ""
    body = api_as("dispatcher").get(f"/api/cases/{case.number}/").json()
    assert body["media_url"] is None and body["satisfaction"] is None
    assert body["lead_party"] is None
    case.media_url = "https://example.com/a.jpg"
    case.save(update_fields=["media_url"])
    body = api_as("dispatcher").get(f"/api/cases/{case.number}/").json()
    assert body["media_url"] == "https://example.com/a.jpg"


def test_every_operation_documents_its_refusals_as_json(schema):
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(operations) >= 9
    for path, method, operation in operations:
        expected = {"401", "403", "429"} | ({"404"} if "{" in path else set())
        if path.endswith("/") and "{" not in path:
            expected.add("400")  # lists: filters, cursor, page size
        responses = operation["responses"]
        assert expected <= set(responses), (method, path, sorted(responses))
        for code in expected:
            assert list(responses[code]["content"]) == ["application/json"], (path, code)


@pytest.mark.parametrize(
    "query",
    [
        "page_size=2&page_size=3",  # a list, as form style sends it
        "page_size[a]=1&page_size=x",  # an object
        "page_size=x",
        "page_size=0",
        "page_size=-1",
        "page_size=1.5",
        "page_size=",
        "page_size=%EF%BC%92",  # a full-width digit
    ],
)
@pytest.mark.parametrize("path", ["/api/cases/", "/api/categories/", "/api/areas/"])
def test_a_page_size_that_is_not_one_whole_number_is_refused(street, api_as, path, query):
    response = api_as("dispatcher").get(f"{path}?{query}")
    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]


def test_a_large_page_size_gives_the_largest_page(street, api_as):
    response = api_as("dispatcher").get("/api/categories/?page_size=100000")
    assert response.status_code == 200
    assert len(response.json()["results"]) > 1


def test_an_unknown_area_code_filters_to_nothing_as_category_and_party_do(street, api_as):
    factories.case_in(street, State.REPORTED)
    client = api_as("dispatcher")
    for name in ("area", "category", "party"):
        response = client.get("/api/cases/", {name: "no-such-code"})
        assert response.status_code == 200 and response.json()["results"] == [], name


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_address_under_api_that_no_route_takes_is_a_json_404(street, api_as, method):
    client = api_as("dispatcher")
    for path in ("/api/cases/a%20b/", "/api/cases/X/actions/Dispatch!/", "/api/nothing"):
        response = getattr(client, method)(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert "detail" in response.json()
