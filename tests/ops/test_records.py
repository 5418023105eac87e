"""check_records (cases/records.py): the check run after a crash, a restore or a drill.
Each kind of damage is made by hand, as a crash or a careless hand would leave it, and must
be named."""

import os
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from cases import notifications, records
from cases.models import Attachment, Case, Event, Notification, State
from tests.factories import act, case_in, tiny_photo


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def resolved_with_photo(street):
    case = case_in(street, State.IN_PROGRESS)
    return act(
        street,
        case,
        "resolve",
        "hangtian",
        note="已清理",
        photos=[tiny_photo()],
        open_shares_reason="协办单位已电话反馈",
    )


def test_whole_records_pass(street, capsys):
    resolved_with_photo(street)
    case_in(street, State.CLOSED)
    report = records.check()
    assert report.problems == 0
    assert report.cases == Case.objects.count() and report.events == Event.objects.count()
    assert report.files == Attachment.objects.count() == 1
    call_command("check_records")
    assert "records whole: 0 problems" in capsys.readouterr().out


def test_a_state_its_events_do_not_lead_to_is_named(street):
    case = case_in(street, State.IN_PROGRESS)
    Case.objects.filter(pk=case.pk).update(state=State.CLOSED)
    report = records.check(files=False)
    assert report.wrong_state == [f"{case.number}: closed recorded, in_progress from its events"]
    with pytest.raises(CommandError, match="1 problem"):
        call_command("check_records", "--no-files")


def test_a_case_without_events_is_named(street):
    case = case_in(street, State.REPORTED)
    with connection.cursor() as cursor:  # as the owner would, past the append-only trigger
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE cases_event DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM cases_notification WHERE case_id = %s", [case.pk])
        cursor.execute("DELETE FROM cases_alarm WHERE case_id = %s", [case.pk])
        cursor.execute("DELETE FROM cases_event WHERE case_id = %s", [case.pk])
        cursor.execute("ALTER TABLE cases_event ENABLE TRIGGER USER")
    assert records.check(files=False).without_filing == [f"{case.number}: no events"]


def test_a_row_without_its_file_and_a_file_without_its_row_are_named(street):
    case = resolved_with_photo(street)
    photo = case.attachments.get()
    default_storage.delete(photo.file.name)
    orphan = default_storage.save("cases/2026/12/0123456789abcdef.jpg", ContentFile(b"jpeg"))
    report = records.check()
    assert report.missing_files == [photo.file.name]
    assert report.orphan_files == [orphan]


def test_files_without_a_row_are_removed_only_once_old(street):
    orphan = default_storage.save("cases/2026/12/feedfacefeedface.jpg", ContentFile(b"jpeg"))
    kept = resolved_with_photo(street).attachments.get().file.name
    assert records.remove_orphans() == []  # younger than a day: a request may be committing it
    old = default_storage.path(orphan)
    os.utime(old, (0, 0))
    assert records.remove_orphans() == [orphan]
    assert not default_storage.exists(orphan) and default_storage.exists(kept)
    assert records.remove_orphans(older_than=timedelta(0)) == []


def test_an_email_carries_its_notifications_message_id_on_every_try(street, mailoutbox):
    case = case_in(street, State.REPORTED)
    row = Notification.objects.filter(case=case, channel=Notification.Channel.EMAIL).first()
    Notification.objects.filter(pk=row.pk).update(status=Notification.Status.PENDING, attempts=0)
    assert notifications.deliver(row.pk)
    # A worker that died after the server took the message: the row is taken back and
    # sent again, with the same Message-ID.
    Notification.objects.filter(pk=row.pk).update(status=Notification.Status.PENDING, attempts=0)
    assert notifications.deliver(row.pk)
    ids = [m.extra_headers["Message-ID"] for m in mailoutbox[-2:]]
    assert ids == [f"<notification-{row.pk}@127.0.0.1>"] * 2
