"""Personal-data retention: contact details go a year after the last case ended; the
history stays (cases/retention.py)."""

from datetime import timedelta

from cases import sweeps, workflow
from cases.models import Alarm, Event, Reporter, State
from tests.factories import act, aware, case_in

YEAR = timedelta(days=365)


def retain(now):
    return sweeps.sweep([Alarm.Kind.RETENTION], now=now)


def personal_data(reporter):
    return [reporter.name, reporter.phone, reporter.email]


def test_contact_details_are_removed_after_the_limit_and_not_before(street):
    closed_at = aware(2026, 1, 5, 10, 0)
    case = case_in(street, State.CLOSED, at=closed_at)
    Reporter.objects.filter(pk=case.reporter_id).update(name="王女士")
    reporter = Reporter.objects.get(pk=case.reporter_id)
    secrets = personal_data(reporter)
    events_before = list(case.events.order_by("pk").values_list("pk", "kind", "data", "note"))

    assert retain(closed_at + YEAR - timedelta(seconds=1)) == 0
    reporter.refresh_from_db()
    assert personal_data(reporter) == secrets and reporter.anonymised_at is None

    assert retain(closed_at + YEAR) == 1
    reporter.refresh_from_db()
    assert personal_data(reporter) == ["", "", ""]
    assert reporter.anonymised_at == closed_at + YEAR
    assert not reporter.has_contact

    history = list(case.events.order_by("pk").values_list("pk", "kind", "data", "note"))
    assert history[:-1] == events_before  # nothing rewritten
    last = case.events.order_by("pk").last()
    assert (last.kind, last.actor_role, last.cause) == ("anonymise", "system", "retention period")
    for event in Event.objects.filter(case=case):
        stored = f"{event.note} {event.data} {event.cause}"
        assert not any(secret in stored for secret in secrets)
    assert str(workflow.EVENT_LABELS["anonymise"])
    assert retain(closed_at + YEAR * 2) == 0  # once


def test_a_reporter_with_a_case_still_open_keeps_their_contact(street):
    closed_at = aware(2026, 1, 5, 10, 0)
    closed = case_in(street, State.CLOSED, at=closed_at)
    reporter = Reporter.objects.get(pk=closed.reporter_id)
    still_open = workflow.file_case(
        actor=workflow.Actor.anonymous_reporter(),
        category=street.categories["noise"],
        description="又有噪声",
        channel="web",
        reporter=reporter,
        at=closed_at,
        route=False,
    )
    assert retain(closed_at + YEAR * 2) == 0
    reporter.refresh_from_db()
    assert reporter.has_contact
    # When the open one ends, its own year starts.
    rejected_at = closed_at + YEAR * 2
    act(street, still_open, "reject", "dispatcher", reason="不属于街道管辖", at=rejected_at)
    assert retain(rejected_at + YEAR - timedelta(minutes=1)) == 0
    assert retain(rejected_at + YEAR) == 1
    reporter.refresh_from_db()
    assert not reporter.has_contact
    assert Event.objects.filter(kind="anonymise", case__in=[closed, still_open]).count() == 2


def test_activity_after_a_rejection_moves_the_limit_and_the_alarm_follows(street):
    rejected_at = aware(2026, 1, 5, 10, 0)
    case = case_in(street, State.REJECTED, at=rejected_at)
    noted_at = rejected_at + timedelta(days=30)
    act(street, case, "note", "dispatcher", note="报告人来电询问", at=noted_at)
    assert retain(rejected_at + YEAR) == 0
    assert Alarm.objects.get(case=case, kind=Alarm.Kind.RETENTION).fire_at == noted_at + YEAR
    assert retain(noted_at + YEAR) == 1


def test_followers_are_anonymised_with_the_case_they_follow(street):
    closed_at = aware(2026, 1, 5, 10, 0)
    case = case_in(street, State.IN_PROGRESS, at=closed_at)
    neighbour = Reporter.objects.create(phone="13900000009")
    workflow.follow(case, neighbour, at=closed_at)
    act(street, case, "report_share", "yongzhao", note="已配合", at=closed_at)
    act(street, case, "resolve", "hangtian", note="已处理", at=closed_at)
    act(street, case, "verify", "inspector", at=closed_at)
    assert retain(closed_at + YEAR) == 2
    neighbour.refresh_from_db()
    assert neighbour.phone == "" and neighbour.anonymised_at is not None
