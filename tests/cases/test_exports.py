"""Who exported what (issue 14): every spreadsheet download of cases or figures writes
exactly one ExportRecord, shown read-only in the admin."""

import csv
import io

from django.urls import reverse

from cases.models import ExportRecord, State
from tests import factories
from tests.portal.helpers import signed_in


def test_the_staff_case_export_writes_one_record_with_its_filter_and_rows(client, street):
    for _ in range(3):
        factories.case_in(street, State.DISPATCHED)
    factories.case_in(street, State.REPORTED)
    signed_in(client, street, "dispatcher")
    response = client.get("/staff/cases/export.csv", {"state": "dispatched", "x": "垃\x00圾"})
    body = b"".join(response.streaming_content).decode()
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    record = ExportRecord.objects.get()
    assert (record.user, record.kind) == (street.users["dispatcher"], "case_list")
    # Kept as sent, without the NUL PostgreSQL's jsonb cannot hold.
    assert record.parameters == {"state": "dispatched", "x": "垃圾"}
    assert record.rows == len(lines) - 1 == 3


def test_a_handler_exporting_nothing_is_recorded_too(client, street):
    signed_in(client, street, "qinbei")
    b"".join(client.get("/staff/cases/export.csv").streaming_content)
    record = ExportRecord.objects.get()
    assert (record.user.username, record.kind, record.parameters, record.rows) == (
        "qinbei",
        "case_list",
        {},
        0,
    )


def test_the_dashboard_export_writes_one_record(client, street):
    case = factories.new_case(street)
    factories.act(street, case, "dispatch", "dispatcher", lead_party=street.parties["rc-qinbei"])
    signed_in(client, street, "supervisor")
    query = {"by": "party", "start": "2026-01-01", "end": "2026-12-31"}
    body = client.get("/staff/dashboard/export.csv", query).content.decode()
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    record = ExportRecord.objects.get()
    assert (record.user.username, record.kind, record.parameters) == (
        "supervisor",
        "dashboard",
        query,
    )
    assert record.rows == len(lines) - 1


def test_the_admin_shows_export_records_read_only(client, street):
    signed_in(client, street, "dispatcher")
    b"".join(client.get("/staff/cases/export.csv").streaming_content)
    client.force_login(street.users["admin"])
    listing = client.get(reverse("admin:cases_exportrecord_changelist"))
    assert listing.status_code == 200 and "dispatcher" in listing.content.decode()
    record = ExportRecord.objects.get()
    page = client.get(reverse("admin:cases_exportrecord_change", args=[record.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:cases_exportrecord_add")).status_code == 403
    url = reverse("admin:cases_exportrecord_delete", args=[record.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert ExportRecord.objects.count() == 1
