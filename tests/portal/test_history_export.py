"""A case's verifiable history in the portal (docs/ledger.md): the same access rules as the
case page, the whole history, and a printable page with the root's QR code."""

import json

from cases import ledger
from cases.models import State
from tests.factories import aware, case_in

MONDAY = aware(2026, 11, 23, 9, 0)


def test_a_handler_gets_the_history_of_their_partys_case_only(client, street):
    case = case_in(street, State.IN_PROGRESS, at=MONDAY)
    url = f"/staff/cases/{case.number}/history.json"
    client.force_login(street.users["qinbei"])
    assert client.get(url).status_code == 404
    assert client.get(f"/staff/cases/{case.number}/history/").status_code == 404
    client.force_login(street.users["hangtian"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{case.number}-history.json"'
    history = json.loads(response.content)
    assert [e["kind"] for e in history["events"]] == ["file", "dispatch", "accept"]
    assert history["head"] == case.chain_head


def test_strangers_sign_in_first(client, street):
    case = case_in(street, State.DISPATCHED, at=MONDAY)
    response = client.get(f"/staff/cases/{case.number}/history.json")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


def test_the_printable_history_shows_the_days_root_and_its_qr_code(client, street):
    case = case_in(street, State.DISPATCHED, at=MONDAY)
    digest = ledger.seal_day(MONDAY.date())
    client.force_login(street.users["dispatcher"])
    page = client.get(f"/staff/cases/{case.number}/history/").content.decode()
    assert digest.root in page and case.chain_head in page
    assert "<svg" in page and 'class="segno"' in page
    assert "2026-11-23" in page
