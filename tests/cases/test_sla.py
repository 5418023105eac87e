import logging
import random
from datetime import date, timedelta

import pytest

from cases import sla
from cases.models import CalendarDay
from tests.factories import aware

pytestmark = pytest.mark.usefixtures("street")  # the calendar is loaded with the street


def test_office_hours_make_an_eight_hour_day():
    assert sla.office_spans()[0][0].isoformat() == "09:00:00"
    assert sla.hours_per_day() == 8


def test_working_hours_skip_lunch_and_the_night():
    monday_11 = aware(2026, 11, 23, 11, 0)
    assert sla.add_working_hours(monday_11, 2) == aware(2026, 11, 23, 14, 0)
    assert sla.add_working_hours(monday_11, 8) == aware(2026, 11, 24, 11, 0)
    assert sla.add_working_hours(aware(2026, 11, 23, 20, 0), 1) == aware(2026, 11, 24, 10, 0)


def test_deadline_landing_on_the_end_of_the_day_stays_that_day():
    assert sla.add_working_hours(aware(2026, 11, 23, 17, 0), 1) == aware(2026, 11, 23, 18, 0)


def test_deadline_across_a_weekend():
    friday_16 = aware(2026, 11, 20, 16, 0)
    assert sla.add_working_hours(friday_16, 4) == aware(2026, 11, 23, 11, 0)
    assert sla.working_hours_between(friday_16, aware(2026, 11, 23, 11, 0)) == 4


def test_deadline_across_national_day_2026_and_its_make_up_working_day():
    # 1–7 October off; Saturday 10 October is a make-up working day (调休).
    assert not sla.is_workday(date(2026, 10, 5))
    assert sla.is_workday(date(2026, 10, 10))
    assert sla.is_workday(date(2026, 9, 20))  # the Sunday before works too
    start = aware(2026, 9, 30, 17, 0)
    assert sla.add_working_hours(start, 1) == aware(2026, 9, 30, 18, 0)
    assert sla.add_working_hours(start, 2) == aware(2026, 10, 8, 10, 0)
    # 5 working days from 30 Sep 09:00: 30 Sep, 8, 9, 10 (Sat) and 12 Oct.
    assert sla.add_working_hours(aware(2026, 9, 30, 9, 0), 40) == aware(2026, 10, 12, 18, 0)


def test_deadline_across_spring_festival_2026():
    # Off 15–23 February; Saturday 14 and Saturday 28 February are working days.
    assert sla.is_workday(date(2026, 2, 14))
    assert not sla.is_workday(date(2026, 2, 16))
    assert sla.is_workday(date(2026, 2, 28))
    start = aware(2026, 2, 13, 17, 0)  # the Friday before
    assert sla.add_working_hours(start, 2) == aware(2026, 2, 14, 10, 0)
    assert sla.add_working_hours(start, 10) == aware(2026, 2, 24, 10, 0)


def test_urgent_limits_count_calendar_hours():
    saturday_night = aware(2026, 11, 21, 23, 0)
    assert sla.deadline(saturday_night, 8, calendar_hours=True) == aware(2026, 11, 22, 7, 0)
    assert sla.deadline(saturday_night, 8) == aware(2026, 11, 23, 18, 0)


def test_year_without_calendar_data_counts_weekdays_and_warns(caplog):
    # 2027's holidays are not in the package: New Year's Day counts as a working day.
    assert sla.missing_years([2026, 2027]) == [2027]
    sla._warned_years.discard(2027)
    with caplog.at_level(logging.WARNING, logger="cases.sla"):
        due = sla.add_working_hours(aware(2026, 12, 31, 17, 0), 2)
    assert due == aware(2027, 1, 1, 10, 0)
    assert "No holiday calendar for 2027" in caplog.text
    warnings = sla.calendar_warnings(today=date(2026, 11, 25))
    assert len(warnings) == 1 and "2027" in warnings[0]
    assert sla.calendar_warnings(today=date(2026, 6, 1)) == []


def test_entering_next_years_holidays_in_the_admin_takes_effect():
    CalendarDay.objects.create(date=date(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, name="元旦")
    assert sla.missing_years([2027]) == []
    assert sla.add_working_hours(aware(2026, 12, 31, 17, 0), 2) == aware(2027, 1, 4, 10, 0)


def test_loading_the_package_twice_adds_nothing_and_keeps_admin_rows():
    CalendarDay.objects.filter(date=date(2026, 10, 5)).update(name="国庆节（调整）")
    CalendarDay.objects.filter(date=date(2026, 10, 5)).update(from_package=False)
    assert sla.load_calendar_from_package() == 0
    assert CalendarDay.objects.get(date=date(2026, 10, 5)).name == "国庆节（调整）"


def test_precomputed_clock_agrees_with_the_day_walk():
    rng = random.Random(7)
    clock = sla.Clock(date(2026, 1, 1), date(2027, 3, 1))
    for _ in range(300):
        start = aware(2026, 1, 2) + timedelta(minutes=rng.randrange(0, 360 * 24 * 60))
        hours = rng.choice([1, 2, 4, 8, 16, 40, 80, 160]) + rng.choice([0, 0.5])
        assert clock.add(start, hours) == sla.add_working_hours(start, hours)
        end = start + timedelta(hours=rng.uniform(0, 500))
        assert abs(clock.between(start, end) - sla.working_hours_between(start, end)) < 1e-6


def test_hours_left_is_negative_once_overdue():
    due = aware(2026, 11, 23, 10, 0)
    assert sla.hours_left(due, now=aware(2026, 11, 23, 9, 0)) == 1
    assert sla.hours_left(due, now=aware(2026, 11, 23, 12, 0)) == -2


def _walked_hours(start, end):
    """The reference: every day from start to end walked, its office hours (09:00–12:00,
    13:00–18:00) that fall between the two moments summed, on the street's calendar."""
    total, day = 0.0, start.date()
    while day <= end.date():
        if sla.is_workday(day):
            for a, b in ((9, 12), (13, 18)):
                begin = max(aware(day.year, day.month, day.day, a, 0), start)
                finish = min(aware(day.year, day.month, day.day, b, 0), end)
                total += max((finish - begin).total_seconds(), 0) / 3600
        day += timedelta(days=1)
    return total


def test_hours_between_two_moments_far_apart_match_a_walk_over_every_day():
    """Across Spring Festival 2026, National Day 2026 and their make-up days, any two
    moments give the hours a day-by-day walk gives."""
    rng = random.Random(20261202)
    first = aware(2026, 1, 1, 0, 0)
    for _ in range(40):
        a = first + timedelta(minutes=rng.randrange(0, 400 * 24 * 60))
        b = a + timedelta(minutes=rng.randrange(0, 200 * 24 * 60))
        assert sla.working_hours_between(a, b) == pytest.approx(_walked_hours(a, b))
        assert sla.working_hours_between(b, a) == pytest.approx(-_walked_hours(a, b))


def test_a_deadline_in_year_9999_costs_no_walk_over_the_millennia(monkeypatch):
    """Such a deadline came from before deadlines were bounded: reading the hours left must
    answer at once, not walk eight thousand years day by day (it once took 20–30 s)."""
    asked = []
    real = sla.is_workday
    monkeypatch.setattr(sla, "is_workday", lambda day: asked.append(day) or real(day))
    monday = aware(2031, 3, 3, 9, 0)  # a year without calendar rows: weekdays work
    far = aware(9999, 12, 31, 18, 0)
    left = sla.hours_left(far, now=monday)
    assert len(asked) <= 2  # the first and the last day; the rest by arithmetic
    days = (far.date() - monday.date()).days + 1
    weekdays = sum(1 for i in range(days % 7) if (monday.weekday() + i) % 7 < 5) + days // 7 * 5
    assert left == pytest.approx(weekdays * 8)
