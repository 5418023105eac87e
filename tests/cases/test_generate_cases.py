from django.core.management import call_command

from cases.models import Case, Event, Sequence
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
