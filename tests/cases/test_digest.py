"""The daily digest at 08:30 on working days (cases/digest.py)."""

from datetime import timedelta

from cases import digest, wording
from cases.models import Notification, State
from tests.factories import act, aware, case_in

TUESDAY_0830 = aware(2026, 11, 24, 8, 30)


def test_each_party_gets_its_open_due_soon_and_overdue_cases_once_a_day(street):
    overdue = case_in(street, State.DISPATCHED, at=aware(2026, 11, 20, 9, 0))
    soon = case_in(street, State.IN_PROGRESS, at=aware(2026, 11, 23, 16, 0))  # due Tue 11:00
    later = case_in(street, State.IN_PROGRESS, category="broken-facility", at=TUESDAY_0830)
    elsewhere = case_in(street, State.DISPATCHED, at=TUESDAY_0830 - timedelta(hours=1))
    act(
        street,
        elsewhere,
        "reassign",
        "dispatcher",
        lead_party=street.parties["rc-qinbei"],
        reason="属钦北",
        at=TUESDAY_0830 - timedelta(minutes=30),
    )
    case_in(street, State.CLOSED, at=TUESDAY_0830 - timedelta(days=2))  # closed: not listed

    assert digest.send_digests(now=TUESDAY_0830) == 2
    sent = Notification.objects.filter(kind="digest")
    assert set(sent.values_list("user__username", "channel")) == {
        ("hangtian", "app"),
        ("hangtian", "email"),
        ("qinbei", "app"),
        ("qinbei", "email"),
    }
    mine = sent.get(user__username="hangtian", channel="email")
    assert (mine.data["open"], mine.data["overdue"], mine.data["due_soon"]) == (3, 1, 1)
    assert [c["number"] for c in mine.data["overdue_cases"]] == [overdue.number]
    assert [c["number"] for c in mine.data["due_soon_cases"]] == [soon.number]
    text = wording.render(mine).text
    assert mine.case is None and later.number not in text
    assert f"{overdue.number} 暴露垃圾/道路不洁" in text and soon.number in text
    assert wording.render(mine).subject == "航天新苑居委会每日案件提要：在办 3 件，超期 1 件"

    assert digest.send_digests(now=TUESDAY_0830 + timedelta(minutes=5)) == 2
    assert Notification.objects.filter(kind="digest").count() == 4  # not twice a day


def test_no_digest_on_days_off_but_one_on_a_make_up_working_day(street):
    case_in(street, State.DISPATCHED, at=aware(2026, 9, 30, 9, 0))
    assert digest.send_digests(now=aware(2026, 10, 3, 8, 30)) == 0  # National Day
    assert digest.send_digests(now=aware(2026, 10, 11, 8, 30)) == 0  # Sunday
    assert digest.send_digests(now=aware(2026, 10, 10, 8, 30)) == 1  # Saturday, 调休
