from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from cases import alarms, sla
from cases.models import Alarm, Case, Event, Sequence, State
from tests.factories import act, aware, case_in
from tests.invariants import history_problems


def test_generate_cases_makes_consistent_histories(street):
    call_command("generate_cases", "--count", "400", "--days", "60")
    assert Case.objects.count() == 400
    problems = []
    for case in Case.objects.prefetch_related("events"):
        events = sorted(case.events.all(), key=lambda e: (e.created_at, e.id))
        problems += history_problems(case, events)
    assert problems == []
    states = set(Case.objects.values_list("state", flat=True))
    assert {"closed", "in_progress", "dispatched", "rejected"} <= states
    assert Event.objects.count() > 4 * 400


def test_generated_numbers_continue_each_years_sequence(street):
    call_command("generate_cases", "--count", "50", "--days", "20")
    call_command("generate_cases", "--count", "50", "--days", "20")
    numbers = list(Case.objects.order_by("created_at").values_list("number", flat=True))
    assert len(set(numbers)) == 100
    total = sum(Sequence.objects.values_list("value", flat=True))
    assert total == 100
    by_year = {}
    for number in numbers:
        _, year, n = number.split("-")
        by_year.setdefault(year, []).append(int(n))
    for year, ns in by_year.items():
        assert sorted(ns) == list(range(1, len(ns) + 1)), year


def test_generated_open_cases_carry_the_alarms_still_to_come(street):
    started = timezone.now()
    call_command("generate_cases", "--count", "400", "--days", "20")
    written = Alarm.objects.select_related("case")
    assert written.exists()
    assert not written.filter(fire_at__lte=started).exists()
    assert set(written.values_list("case__state", flat=True)) <= {
        State.REPORTED,
        State.DISPATCHED,
        State.IN_PROGRESS,
    }
    future = Case.objects.filter(
        state__in=[State.REPORTED, State.DISPATCHED, State.IN_PROGRESS],
        due_at__gt=timezone.now(),
    )
    for case in future:
        assert written.filter(case=case, kind="overdue", deadline=case.due_at).exists()


def test_the_bulk_plan_matches_what_the_workflow_sets(street):
    monday = aware(2026, 11, 23, 9, 0)
    for category in ("noise", "fire-escape", "broken-facility"):
        case = case_in(street, State.DISPATCHED, category=category, at=monday)
        for step in (None, "accept"):
            if step:
                case = act(street, case, step, "hangtian", at=monday + timedelta(minutes=20))
            row = {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields}
            written = Alarm.objects.filter(case=case).values_list(
                "kind", "step", "deadline", "fire_at"
            )
            for clock in (
                sla,
                sla.Clock(monday.date() - timedelta(days=9), monday.date() + timedelta(days=60)),
            ):
                planned = alarms.planned_for_open_case(
                    row, calendar_hours=case.calendar_hours, after=monday, clock=clock
                )
                assert sorted(planned) == sorted(written), (category, step, clock)
