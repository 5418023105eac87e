"""Each indicator against the small history of tests/indicator_story.py, computed by hand."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cases import indicators, rollup
from cases.indicators import Selection
from tests.factories import aware
from tests.indicator_story import after_the_story, build

ALL = Selection(date(2026, 9, 28), date(2026, 10, 31))
GROUPINGS = ("total", "day", "party", "category", "area")


@pytest.fixture(autouse=True)
def _clock_after_the_story():
    """The story is dated autumn 2026 and its figures are read as of now: now is held just
    after it, whatever the day the suite runs."""
    with after_the_story():
        yield


def summary(f):
    """The figures as plain numbers: (numerator, denominator) pairs and hours."""
    return {
        "filed": f.filed,
        "on_time": (f.on_time.numerator, f.on_time.denominator),
        "closure": (f.closure.numerator, f.closure.denominator),
        "rework": (f.rework.numerator, f.rework.denominator),
        "return": (f.return_rate.numerator, f.return_rate.denominator),
        "first_contact": (f.first_contact.numerator, f.first_contact.denominator),
        "satisfaction": (f.satisfaction.numerator, f.satisfaction.denominator),
        "handling": (f.handling_median, f.handling_p90),
        "reopened": f.reopened,
    }


@pytest.fixture
def history(street):
    build(street)
    return street


def ways(selection, groupings=GROUPINGS):
    """The figures three ways: replaying every case, from a full roll-up, and from roll-ups
    run day by day through the story plus the live part since the last one."""
    now = timezone.now()
    replayed = indicators.recompute(selection, groupings, now=now)
    rollup.rebuild(now=now)
    rebuilt = indicators.figures(selection, groupings, now=now)
    rollup.rebuild(now=aware(2026, 9, 29, 0, 0))
    day = aware(2026, 9, 29, 12, 0)
    while day < aware(2026, 10, 28, 0, 0):
        rollup.roll_up(now=day)
        day += timedelta(hours=13)
    stepped = indicators.figures(selection, groupings, now=now)
    assert replayed == rebuilt == stepped
    return replayed


def test_every_indicator_over_the_whole_story(history):
    total = ways(ALL)["total"]
    assert summary(total) == {
        "filed": 5,
        # Met: A, B's first and third deadlines and its second round, C (extended).
        # Missed: B's second deadline (19 Oct 14:00), D (16 Oct 11:15).
        "on_time": (5, 7),
        # Intakes: A, B, B again after reopening, C (first to 钦北), D. Closures: A, B
        # twice, C.
        "closure": (4, 5),
        # B's first closure came after two reworks; it counts once.
        "rework": (1, 4),
        # Six dispatches (C twice, B twice); 钦北 returned one.
        "return": (1, 6),
        # A, B's second round and C's second round in time; B's first round late. C's
        # first round ended by the return; D was found on patrol: neither counts.
        "first_contact": (3, 4),
        "satisfaction": (2, 3),
        # Working hours from the dispatch to the resolution that passed: A 3.5 (across the
        # holiday), C 45 (including Saturday 10 Oct), B 57.5, then 13 after reopening.
        "handling": (13.0, 57.5),
        "reopened": 1,
    }
    assert rates(total) == {
        "on_time": 71.4,
        "closure": 80.0,
        "rework": 25.0,
        "return": 16.7,
        "first_contact": 75.0,
        "satisfaction": 66.7,
    }


def rates(f):
    return {
        "on_time": f.on_time.percent,
        "closure": f.closure.percent,
        "rework": f.rework.percent,
        "return": f.return_rate.percent,
        "first_contact": f.first_contact.percent,
        "satisfaction": f.satisfaction.percent,
    }


def test_indicators_by_party(history):
    p = history.parties
    by_party = ways(ALL)["party"]
    hangtian = summary(by_party[p["rc-hangtian"].pk])
    assert hangtian == {
        "filed": 0,
        "on_time": (4, 6),
        # C's intake went to 钦北, its closure to 航天新苑.
        "closure": (3, 3),
        "rework": (1, 3),
        "return": (0, 4),
        "first_contact": (2, 3),
        "satisfaction": (2, 3),
        "handling": (45.0, 57.5),
        "reopened": 1,
    }
    assert summary(by_party[p["rc-yongzhao"].pk])["handling"] == (13.0, 13.0)
    assert summary(by_party[p["rc-yongzhao"].pk])["on_time"] == (1, 1)
    qinbei = summary(by_party[p["rc-qinbei"].pk])
    assert (qinbei["return"], qinbei["closure"]) == ((1, 1), (0, 1))
    # Filing belongs to no party yet.
    assert by_party[None].filed == 5


def test_a_period_before_the_reworked_case_counts_the_extension_as_met(history):
    # Without the extension, C would have missed its deadline on 9 October.
    early = ways(Selection(date(2026, 9, 28), date(2026, 10, 11)))["total"]
    assert summary(early) == {
        "filed": 2,
        "on_time": (1, 1),
        "closure": (1, 2),
        "rework": (0, 1),
        "return": (1, 3),
        "first_contact": (2, 2),
        "satisfaction": (1, 1),
        "handling": (3.5, 3.5),
        "reopened": 0,
    }


def test_facts_are_dated_when_they_become_known(history):
    days = ways(ALL, ("day",))["day"]
    # B's first contact deadline passed unmet at 09:30 on 13 October; C closed that day.
    assert summary(days[date(2026, 10, 13)])["first_contact"] == (0, 1)
    assert summary(days[date(2026, 10, 13)])["on_time"] == (1, 1)
    # B's second deadline passed on Monday 19 October.
    assert summary(days[date(2026, 10, 19)])["on_time"] == (0, 1)
    # D's deadline passed on 16 October: nothing happened that day but the deadline.
    assert summary(days[date(2026, 10, 16)])["on_time"] == (0, 1)
    # Nothing during the holiday.
    assert not any(date(2026, 10, 1) <= day <= date(2026, 10, 7) for day in days)


def test_filters_by_category_and_area(history):
    s = history
    clutter = Selection(
        ALL.start, ALL.end, categories=frozenset({s.categories["corridor-clutter"].pk})
    )
    assert summary(ways(clutter)["total"])["handling"] == (45.0, 45.0)
    qinbei_area = Selection(ALL.start, ALL.end, areas=frozenset({s.areas["compound-qinbei-1"].pk}))
    only_d = ways(qinbei_area)["total"]
    assert (only_d.filed, summary(only_d)["on_time"]) == (1, (0, 1))
    assert summary(only_d)["first_contact"] == (0, 0)


def test_party_filter_keeps_only_that_partys_facts(history):
    p = history.parties
    selection = Selection(ALL.start, ALL.end, parties=frozenset({p["rc-qinbei"].pk}))
    figures = ways(selection)
    assert summary(figures["total"])["return"] == (1, 1)
    assert figures["total"].filed == 0
    assert set(figures["party"]) == {p["rc-qinbei"].pk}


def test_percentiles_rank_the_nearest_value():
    assert indicators.percentile({}, 0.5) is None
    assert indicators.percentile({"7": 1, "26": 1, "90": 1, "115": 1}, 0.5) == 13.0
    assert indicators.percentile({"7": 1, "26": 1, "90": 1, "115": 1}, 0.9) == 57.5
    assert indicators.percentile({"1": 9, "40": 1}, 0.9) == 0.5
    assert indicators.percentile({"1": 9, "40": 1}, 0.91) == 20.0
