"""Every staff URL answers 404 for a case the user may not see: a handler sees only the
cases of their party (lead or co-party)."""

import pytest

from cases.models import State
from cases.workflow import ACTIONS
from tests import factories
from tests.portal.helpers import photo, signed_in


@pytest.fixture
def case(street):
    """Dispatched to 航天新苑居委 with 永兆居委 as co-party, with a photo."""
    case = factories.case_in(street, State.DISPATCHED, photos=[photo()])
    assert case.attachments.count() == 1
    return case


def case_urls(case):
    attachment = case.attachments.get()
    base = f"/staff/cases/{case.number}/"
    return [
        base,
        f"{base}photos/{attachment.pk}/",
        *(f"{base}actions/{name}/" for name in ACTIONS),
    ]


def test_handler_of_another_party_gets_404_on_every_url_of_the_case(client, street, case):
    signed_in(client, street, "qinbei")
    for url in case_urls(case):
        assert client.get(url).status_code == 404, url
    for name in ACTIONS:
        url = f"/staff/cases/{case.number}/actions/{name}/"
        assert client.post(url, {f"{name}-note": "x", f"{name}-reason": "x"}).status_code == 404
    assert case.events.count() == 2  # filed and dispatched, nothing more


def test_unknown_case_number_answers_the_same_404(client, street):
    signed_in(client, street, "qinbei")
    assert client.get("/staff/cases/HM-2000-000001/").status_code == 404


def test_lead_and_co_party_and_street_wide_staff_see_the_case(client, street, case):
    for username in ("hangtian", "yongzhao", "dispatcher", "inspector", "supervisor"):
        signed_in(client, street, username)
        assert client.get(case_urls(case)[0]).status_code == 200, username
        assert client.get(case_urls(case)[1]).status_code == 200, username


def test_lists_map_and_export_leave_out_other_partys_cases(client, street, case):
    signed_in(client, street, "qinbei")
    for url in ("/staff/", "/staff/cases/", "/staff/cases/map/data/"):
        assert case.number not in client.get(url).content.decode(), url
    export = b"".join(client.get("/staff/cases/export.csv").streaming_content).decode()
    assert case.number not in export
    signed_in(client, street, "hangtian")
    assert case.number in client.get("/staff/cases/").content.decode()


def test_bulk_cannot_touch_a_case_the_user_may_not_see(client, street):
    case = factories.new_case(street)
    signed_in(client, street, "qinbei")
    client.post(
        "/staff/cases/bulk/",
        {"operation": "reject", "numbers": [case.number], "reason": "无效"},
    )
    case.refresh_from_db()
    assert case.state == State.REPORTED


def test_staff_pages_need_sign_in(client, street, case):
    response = client.get(f"/staff/cases/{case.number}/")
    assert response.status_code == 302 and response.url.startswith("/staff/login/")
