"""The REST API under crafted input (docs/security.md, findings 2, 4 and 6): an action that
moves the case out of the caller's scope, control characters in notes, forged cursors."""

import pytest

from cases.models import Case, Event, State
from tests import factories


def test_a_handler_returning_a_case_gets_the_event_though_the_case_leaves_their_scope(
    street, api_as
):
    case = factories.case_in(street, State.DISPATCHED)
    response = api_as("hangtian").post(
        f"/api/cases/{case.number}/actions/return/", {"reason": "不属于本居委"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["event"]["kind"], body["event"]["to_state"]) == ("return", "reported")
    assert body["case"] is None  # no longer theirs to read
    assert Case.objects.get(pk=case.pk).state == State.REPORTED


def test_a_note_loses_its_control_characters_but_keeps_its_lines(street, api_as):
    case = factories.case_in(street, State.IN_PROGRESS)
    response = api_as("hangtian").post(
        f"/api/cases/{case.number}/actions/note/",
        {"note": "第一行\x0b\x01\n第二行\tB\x7f"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert Event.objects.filter(case=case, kind="note").get().note == "第一行\n第二行\tB"


# p=8, p=9999-12-31T23:59:59-12:00, p=NUL, x
FORGED = ["cD14", "cD05OTk5LTEyLTMxVDIzOjU5OjU5LTEyOjAw", "cD0lMDA", "eA"]


@pytest.mark.parametrize("cursor", FORGED)
def test_a_malformed_cursor_is_a_400_naming_the_cursor(street, api_as, cursor):
    factories.new_case(street)
    response = api_as("dispatcher").get("/api/cases/", {"cursor": cursor})
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["cursor"]


def test_a_good_cursor_still_pages(street, api_as):
    for _ in range(3):
        factories.new_case(street)
    first = api_as("dispatcher").get("/api/cases/", {"page_size": 2}).json()
    second = api_as("dispatcher").get(first["next"])
    assert second.status_code == 200
    assert len(second.json()["results"]) == 1


@pytest.fixture
def anon_limit_of_two(monkeypatch):
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": None})


def test_a_forged_x_forwarded_for_does_not_dodge_the_anonymous_throttle(
    client, street, anon_limit_of_two
):
    codes = [
        client.get("/api/docs/", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code
        for n in range(1, 5)
    ]
    assert codes == [200, 200, 429, 429]


def test_behind_one_proxy_the_throttle_counts_the_address_the_proxy_saw(
    client, street, settings, anon_limit_of_two
):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    def get(forwarded):
        return client.get("/api/docs/", HTTP_X_FORWARDED_FOR=forwarded).status_code

    # nginx appends the address it saw; whatever the client wrote before it is ignored.
    assert [get(f"6.6.6.{n}, 203.0.113.7") for n in range(3)] == [200, 200, 429]
    assert get("203.0.113.8") == 200
