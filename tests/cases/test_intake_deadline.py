"""Intake's deadline (issue 16): a new, returned or reopened case waits for the dispatcher
against a limit in working time; it is shown, alarmed and counted like the other steps.
The rule comes from tests/design_rules.py, typed out from the issue, not from sla.STEPS."""

from datetime import date, datetime, timedelta

from cases import indicators, sla, sweeps
from cases.models import Alarm, Category, Notification, State
from tests import design_rules as design
from tests.factories import act, aware, case_in, new_case

Kind = Alarm.Kind
MONDAY_9 = aware(2026, 11, 23, 9, 0)


def dispatch(street, case, at):
    hangtian = street.parties["rc-hangtian"]
    return act(street, case, "dispatch", "dispatcher", lead_party=hangtian, at=at)


def intake_alarms(case):
    return sorted((a.fire_at, a.kind) for a in Alarm.objects.filter(case=case, step="dispatch"))


def test_a_category_gives_intake_two_working_hours_unless_it_says_otherwise(db):
    assert Category(code="x").dispatch_minutes == design.INTAKE_DEFAULT_HOURS * 60


def test_a_new_case_is_due_for_dispatch_two_working_hours_after_filing(street):
    case = new_case(street, at=MONDAY_9)
    assert case.state == design.INTAKE_STATE
    assert case.dispatch_due == aware(2026, 11, 23, 11, 0)
    assert case.due_at == case.dispatch_due
    filed = case.events.get(kind="file")
    assert filed.data["dispatch_due"] == aware(2026, 11, 23, 11, 0).isoformat()


def test_the_intake_clock_stops_over_lunch_and_the_weekend(street):
    # Filed at 11:30 on Monday: 30 minutes before lunch, 90 after it.
    assert new_case(street, at=aware(2026, 11, 23, 11, 30)).dispatch_due == aware(
        2026, 11, 23, 14, 30
    )
    # Filed on Friday at 17:00: one hour on Friday, one on Monday morning.
    assert new_case(street, at=aware(2026, 11, 27, 17, 0)).dispatch_due == aware(
        2026, 11, 30, 10, 0
    )


def test_an_urgent_category_runs_intake_in_calendar_minutes(street):
    fire_escape = street.categories["fire-escape"]
    fire_escape.dispatch_minutes = 30
    fire_escape.save()
    saturday_night = aware(2026, 11, 28, 23, 0)
    case = new_case(street, "fire-escape", at=saturday_night)
    assert case.dispatch_due == saturday_night + timedelta(minutes=30)


def test_dispatch_meets_intake_and_records_whether_in_time(street):
    case = new_case(street, at=MONDAY_9)
    case = dispatch(street, case, aware(2026, 11, 23, 10, 59))
    assert case.dispatch_due is None
    assert case.due_at == case.accept_due
    assert case.events.get(kind="dispatch").data["within_limit"] is True
    late = dispatch(street, new_case(street, at=MONDAY_9), aware(2026, 11, 23, 11, 1))
    assert late.events.get(kind="dispatch").data["within_limit"] is False


def test_rejection_and_escalation_end_intake(street):
    rejected = case_in(street, State.REJECTED, at=MONDAY_9)
    escalated = case_in(street, State.AWAITING_MEETING, at=MONDAY_9)
    for case in (rejected, escalated):
        assert (case.dispatch_due, case.due_at) == (None, None)
        assert intake_alarms(case) == []


def test_a_return_and_a_reopening_start_intake_afresh(street):
    case = case_in(street, State.DISPATCHED, at=MONDAY_9)
    tuesday_15 = aware(2026, 11, 24, 15, 0)
    case = act(street, case, "return", "hangtian", reason="不属本单位", at=tuesday_15)
    # Litter: two working hours from the return, its deadline the one the queue shows.
    assert case.dispatch_due == aware(2026, 11, 24, 17, 0)
    assert case.due_at == case.dispatch_due
    assert case.events.get(kind="return").data["dispatch_due"] == case.dispatch_due.isoformat()

    closed = case_in(street, State.CLOSED, at=MONDAY_9)
    wednesday_17 = aware(2026, 11, 25, 17, 0)
    closed = act(street, closed, "reopen", "supervisor", reason="问题仍在", at=wednesday_17)
    assert closed.state == State.REPORTED
    assert closed.dispatch_due == aware(2026, 11, 26, 10, 0)


def test_an_overdue_intake_alarms_the_dispatchers_and_is_supervised(street):
    case = new_case(street, at=MONDAY_9)
    # Two hours are within the two-hour reminder: the notice and the supervision only.
    assert intake_alarms(case) == [
        (aware(2026, 11, 23, 11, 0), Kind.OVERDUE),
        (aware(2026, 11, 24, 11, 0), Kind.SUPERVISE),
    ]
    assert sweeps.sweep(sweeps.DEADLINE_KINDS, now=aware(2026, 11, 23, 10, 59)) == 0
    assert sweeps.sweep(sweeps.DEADLINE_KINDS, now=aware(2026, 11, 23, 11, 0)) == 1
    told = Notification.objects.filter(case=case, kind="overdue", channel="app")
    assert sorted(told.values_list("user__username", flat=True)) == ["dispatcher"]
    data = told.get().data
    assert data["step"] == "dispatch"
    assert datetime.fromisoformat(data["deadline"]) == aware(2026, 11, 23, 11, 0)
    assert sweeps.sweep(sweeps.DEADLINE_KINDS, now=aware(2026, 11, 24, 11, 0)) == 1
    supervised = case.events.get(kind="supervise")
    assert supervised.data["step"] == "dispatch"


def test_a_dispatch_voids_the_intake_alarms(street):
    case = dispatch(street, new_case(street, at=MONDAY_9), aware(2026, 11, 23, 9, 30))
    assert intake_alarms(case) == []
    assert sweeps.sweep(sweeps.DEADLINE_KINDS, now=aware(2026, 11, 23, 11, 0)) == 1  # accept
    assert not Notification.objects.filter(case=case, user__username="dispatcher").exists()


def test_on_time_dispatch_is_counted_when_met_and_when_the_deadline_passes(street):
    in_time = dispatch(street, new_case(street, at=MONDAY_9), aware(2026, 11, 23, 10, 0))
    late = dispatch(street, new_case(street, at=MONDAY_9), aware(2026, 11, 23, 14, 0))
    waiting = new_case(street, at=MONDAY_9)  # still waiting: its deadline passed at 11:00
    rejected = case_in(street, State.REJECTED, at=MONDAY_9)  # ended: not counted
    assert (waiting.state, rejected.state) == (State.REPORTED, State.REJECTED)
    day = date(2026, 11, 23)
    now = aware(2026, 11, 23, 18, 0)
    selection = indicators.Selection(day, day)
    total = indicators.recompute(selection, now=now)["total"]
    assert (total.dispatch_met, total.dispatch_due) == (1, 3)
    assert total.on_time_dispatch.percent == 33.3
    assert (in_time.state, late.state) == (State.DISPATCHED, State.DISPATCHED)
    # The live figures (no roll-up yet) agree.
    assert indicators.figures(selection, now=now)["total"].counts == total.counts


def test_the_step_table_agrees_with_the_design(db):
    step = sla.STEP["dispatch"]
    assert step.states == (design.INTAKE_STATE,)
    assert set(step.starts) == set(design.INTAKE_STARTS)
    assert step.done_by == design.INTAKE_MET_BY
    assert set(step.stops) == set(design.INTAKE_ENDS)
    assert sla.step_for_state(State.REPORTED) is step
