from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases import indicators, rollup, tasks
from cases.indicators import Selection
from cases.models import IndicatorDay, IndicatorRollup, State
from tests.factories import act, case_in

GROUPINGS = ("total", "day", "party", "category", "area")


@pytest.fixture
def generated(street):
    call_command("generate_cases", "--count", "300", "--days", "20", "--seed", "7")
    return street


def selections(street):
    today = timezone.localdate()
    s = street
    return [
        Selection(today - timedelta(days=30), today),
        Selection(today - timedelta(days=6), today),
        Selection(today, today),
        Selection(
            today - timedelta(days=14),
            today - timedelta(days=3),
            parties=frozenset({s.parties["rc-hangtian"].pk, s.parties["cityops"].pk}),
        ),
        Selection(
            today - timedelta(days=20),
            today,
            categories=frozenset({s.categories["litter"].pk, s.categories["noise"].pk}),
            areas=frozenset(a.pk for code, a in s.areas.items() if "hangtian" in code),
        ),
        Selection(
            today - timedelta(days=20),
            today,
            parties=frozenset({s.parties["rc-yongzhao"].pk}),
            categories=frozenset(c.pk for c in s.categories.values() if c.parent_id),
            areas=frozenset(a.pk for a in s.areas.values()),
        ),
    ]


def assert_rollup_equals_recomputation(street, now):
    for selection in selections(street):
        fast = indicators.figures(selection, GROUPINGS, now=now)
        assert fast == indicators.recompute(selection, GROUPINGS, now=now), selection


def test_rollup_run_every_few_hours_equals_a_full_recomputation(generated):
    now = timezone.now()
    rollup.rebuild(now=now - timedelta(days=12))
    moment = now - timedelta(days=12)
    while moment < now:
        moment += timedelta(hours=17)
        rollup.roll_up(now=min(moment, now))
    assert_rollup_equals_recomputation(generated, now)
    total = indicators.figures(selections(generated)[0], now=now)["total"]
    assert total.filed == 300 and total.closed > 100 and total.handled == total.closed


def test_rebuild_from_a_day_equals_a_full_recomputation(generated):
    now = timezone.now()
    rollup.rebuild(now=now - timedelta(days=9))
    rollup.rebuild(timezone.localdate() - timedelta(days=11), now=now)
    assert_rollup_equals_recomputation(generated, now)


def test_the_live_part_adds_what_happened_since_the_last_rollup(street):
    rollup.rebuild()
    case = case_in(street, State.RESOLVED)
    act(street, case, "verify", "inspector")
    today = timezone.localdate()
    live = indicators.figures(Selection(today, today))["total"]
    assert (live.filed, live.intake, live.closed) == (1, 1, 1)
    assert not IndicatorDay.objects.filter(day=today).exists()
    later = timezone.now() + rollup.LAG + timedelta(seconds=1)
    assert rollup.roll_up(now=later) > 0
    assert IndicatorDay.objects.get(day=today, grain=0).closed == 1
    assert indicators.figures(Selection(today, today), now=later)["total"].closed == 1


def test_the_beat_task_rolls_up(street):
    case_in(street, State.CLOSED, at=timezone.now() - timedelta(hours=1))
    assert tasks.roll_up_indicators.delay().get() > 0
    assert IndicatorDay.objects.filter(grain=0, closed=1).exists()
    assert tasks.roll_up_indicators.delay().get() == 0


def test_running_the_rollup_twice_adds_nothing_the_second_time(generated):
    now = timezone.now()
    rollup.rebuild(now=now - timedelta(days=3))
    assert rollup.roll_up(now=now) > 0
    rows = list(IndicatorDay.objects.order_by("id").values())
    assert rollup.roll_up(now=now) == 0
    assert list(IndicatorDay.objects.order_by("id").values()) == rows
    assert IndicatorRollup.objects.get().covered_until == now - rollup.LAG


def test_first_rollup_without_a_watermark_rebuilds_everything(generated):
    assert rollup.roll_up() > 0
    assert IndicatorRollup.objects.count() == 1
    assert_rollup_equals_recomputation(generated, timezone.now())


def test_rollup_command_rebuilds_and_reports(generated, capsys):
    call_command("rollup_indicators")
    assert "Rolled up" in capsys.readouterr().out
    since = (timezone.localdate() - timedelta(days=2)).isoformat()
    call_command("rollup_indicators", "--since", since)
    assert_rollup_equals_recomputation(generated, timezone.now())


def test_rollup_command_refuses_a_bad_date(street):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="2026-05-01"):
        call_command("rollup_indicators", "--since", "May")


def test_dashboard_figures_cost_the_same_queries_at_any_size(generated, django_assert_num_queries):
    rollup.rebuild()
    selection = selections(generated)[0]
    indicators.categories()  # cached for a minute
    # The watermark, one per grouping and one per histogram, the live part.
    with django_assert_num_queries(12):
        indicators.figures(selection, GROUPINGS)
