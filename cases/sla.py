"""The working-time clock, and the deadline steps a case runs against (STEPS).

The clock: Asia/Shanghai office hours on Chinese working days.

A working day is a weekday that is not a statutory holiday, or a weekend day declared a
make-up working day (调休). The exceptions live in CalendarDay rows, loaded from the
chinese-calendar package for the years it knows and entered by an admin for the next year
once announced. A year with no rows at all falls back to "weekdays work" and logs a
warning; admins see it on the admin index (calendar_warnings()).

The steps: STEPS says, for each deadline (dispatch, accept, first contact, resolve, verify), which
Case field holds it, in which states it runs, which actions set it and which stop it.
The workflow, the alarms, the staff case page, the tracking page, the indicators, the
synthetic generator and the test invariants all read it (docs/workflow.md, "Deadlines").
"""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.memo import ttl_cached
from cases.models import CalendarDay, State

log = logging.getLogger(__name__)

TZ = ZoneInfo("Asia/Shanghai")
# No deadline is set further than this; the loop below never runs away.
_MAX_DAYS = 3 * 366
_warned_years: set[int] = set()


def office_spans() -> list[tuple[time, time]]:
    """The office hours of one working day, as (start, end) times, in order."""
    spans = []
    for part in settings.HONGMEI_OFFICE_HOURS.split(","):
        start, end = (time.fromisoformat(t.strip()) for t in part.split("-"))
        spans.append((start, end))
    return sorted(spans)


def hours_per_day() -> float:
    return sum(
        (datetime.combine(date.min, e) - datetime.combine(date.min, s)).total_seconds() / 3600
        for s, e in office_spans()
    )


@ttl_cached
def _calendar():
    exceptions = dict(CalendarDay.objects.values_list("date", "kind"))
    return exceptions, frozenset(d.year for d in exceptions)


def is_workday(day: date) -> bool:
    exceptions, known_years = _calendar()
    kind = exceptions.get(day)
    if kind == CalendarDay.Kind.HOLIDAY:
        return False
    if kind == CalendarDay.Kind.WORKDAY:
        return True
    if day.year not in known_years and day.year not in _warned_years:
        _warned_years.add(day.year)
        log.warning(
            "No holiday calendar for %s: counting weekdays only. Enter the year's holidays "
            "and make-up working days in the admin (Calendar days).",
            day.year,
        )
    return day.weekday() < 5


def missing_years(years: Iterable[int]) -> list[int]:
    _, known_years = _calendar()
    return sorted(set(years) - known_years)


def calendar_warnings(today: date | None = None) -> list[str]:
    """Messages for admins: the current year, or the next once its deadlines come near
    (from November on), has no holiday data."""
    today = today or timezone.localdate()
    years = [today.year] + ([today.year + 1] if today.month >= 11 else [])
    return [
        _(
            "The working-day calendar has no holidays for %(year)s: deadlines in %(year)s "
            "count weekdays only until its holidays and make-up working days are entered "
            "under Calendar days."
        )
        % {"year": year}
        for year in missing_years(years)
    ]


def _spans_on(day):
    for start, end in office_spans():
        yield datetime.combine(day, start, TZ), datetime.combine(day, end, TZ)


def add_working_hours(start: datetime, hours: float) -> datetime:
    """The moment `hours` of office time after `start`. Time outside office hours does not
    count; a start outside them counts from the next opening."""
    remaining = timedelta(hours=hours)
    cursor = timezone.localtime(start, TZ)
    day = cursor.date()
    for _i in range(_MAX_DAYS):
        if is_workday(day):
            for span_start, span_end in _spans_on(day):
                if cursor >= span_end:
                    continue
                begin = max(span_start, cursor)
                available = span_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
                cursor = span_end
        day += timedelta(days=1)
        cursor = datetime.combine(day, time.min, TZ)
    raise ValueError(f"{hours} working hours after {start} is beyond {_MAX_DAYS} days")


def subtract_working_hours(end: datetime, hours: float) -> datetime:
    """The latest moment that lies `hours` of office time before `end`: when a reminder
    "two working hours left" is due."""
    remaining = timedelta(hours=hours)
    cursor = timezone.localtime(end, TZ)
    day = cursor.date()
    for _i in range(_MAX_DAYS):
        if is_workday(day):
            for span_start, span_end in reversed(list(_spans_on(day))):
                if cursor <= span_start:
                    continue
                finish = min(span_end, cursor)
                available = finish - span_start
                if remaining <= available:
                    return finish - remaining
                remaining -= available
                cursor = span_start
        day -= timedelta(days=1)
        cursor = datetime.combine(day + timedelta(days=1), time.min, TZ)
    raise ValueError(f"{hours} working hours before {end} is beyond {_MAX_DAYS} days")


def working_hours_between(start: datetime, end: datetime) -> float:
    """Office hours between two moments (negative when end comes first). The first and
    last day are walked; the whole days between are counted by arithmetic (weekdays, then
    the calendar's exceptions in the range), so a far deadline costs no more than a near one."""
    if end < start:
        return -working_hours_between(end, start)
    start, end = timezone.localtime(start, TZ), timezone.localtime(end, TZ)
    first, last = start.date(), end.date()
    if first == last:
        return _hours_on(first, start, end)
    whole_days = _workdays_in(first + timedelta(days=1), last)
    return _hours_on(first, start, end) + whole_days * hours_per_day() + _hours_on(last, start, end)


def _hours_on(day: date, start: datetime, end: datetime) -> float:
    """Office hours of `day` that lie between `start` and `end`."""
    if not is_workday(day):
        return 0.0
    total = timedelta()
    for span_start, span_end in _spans_on(day):
        overlap = min(span_end, end) - max(span_start, start)
        if overlap > timedelta():
            total += overlap
    return total.total_seconds() / 3600


def _weekdays_in(first: date, stop: date) -> int:
    """Monday-to-Friday days from `first` up to, not including, `stop`."""
    days = (stop - first).days
    if days <= 0:
        return 0
    weeks, rest = divmod(days, 7)
    start = first.weekday()
    return weeks * 5 + sum(1 for i in range(rest) if (start + i) % 7 < 5)


def _workdays_in(first: date, stop: date) -> int:
    """Working days from `first` up to, not including, `stop`: the weekdays, less the
    holidays on weekdays, plus the make-up working days on weekends."""
    exceptions, _years = _calendar()
    count = _weekdays_in(first, stop)
    for day, kind in exceptions.items():
        if not first <= day < stop:
            continue
        if kind == CalendarDay.Kind.HOLIDAY and day.weekday() < 5:
            count -= 1
        elif kind == CalendarDay.Kind.WORKDAY and day.weekday() >= 5:
            count += 1
    return count


def deadline(start: datetime, hours: float, *, calendar_hours: bool = False) -> datetime:
    """A limit of `hours` from `start`: calendar hours for urgent cases, else working hours."""
    if calendar_hours:
        return start + timedelta(hours=hours)
    return add_working_hours(start, hours)


def earlier(due: datetime, hours: float, *, calendar_hours: bool = False) -> datetime:
    """The moment `hours` before `due` on the case's clock (see deadline())."""
    if calendar_hours:
        return due - timedelta(hours=hours)
    return subtract_working_hours(due, hours)


def hours_left(
    due: datetime, now: datetime | None = None, *, calendar_hours: bool = False
) -> float:
    """Time left until `due` in the clock the case runs on (negative once overdue)."""
    now = now or timezone.now()
    if calendar_hours:
        return (due - now).total_seconds() / 3600
    return working_hours_between(now, due)


class Clock:
    """The working-time clock precomputed over a range of days, for bulk work (generating
    or re-counting many cases): each question costs a binary search instead of a walk over
    the days. Answers equal add_working_hours() / working_hours_between() inside the range.
    """

    def __init__(self, first_day, last_day):
        self.starts, self.ends, self.before = [], [], []
        worked = 0.0
        day = first_day
        while day <= last_day:
            if is_workday(day):
                for begin, end in _spans_on(day):
                    self.starts.append(begin.timestamp())
                    self.ends.append(end.timestamp())
                    self.before.append(worked)
                    worked += end.timestamp() - begin.timestamp()
            day += timedelta(days=1)
        self.total = worked
        self.first = datetime.combine(first_day, time.min, TZ)
        self.last = datetime.combine(last_day, time.max, TZ)

    def position(self, moment):
        """Working seconds from the start of the range until `moment`."""
        t = moment.timestamp()
        k = bisect_right(self.starts, t) - 1
        if k < 0:
            return 0.0
        return self.before[k] + min(t, self.ends[k]) - self.starts[k]

    def moment(self, position):
        """The earliest moment at which `position` working seconds have passed."""
        k = max(bisect_left(self.before, position) - 1, 0)
        if position - self.before[k] > self.ends[k] - self.starts[k]:
            raise ValueError("beyond the clock's range")
        return datetime.fromtimestamp(self.starts[k] + position - self.before[k], TZ)

    def add(self, start, hours):
        if hours <= 0:
            raise ValueError("limits are positive")
        return self.moment(self.position(start) + hours * 3600)

    def between(self, start, end):
        return (self.position(end) - self.position(start)) / 3600

    def deadline(self, start, hours, *, calendar_hours=False):
        if calendar_hours:
            return start + timedelta(hours=hours)
        return self.add(start, hours)

    def earlier(self, due, hours, *, calendar_hours=False):
        """As sla.earlier(): the latest moment `hours` of working time before `due`."""
        if calendar_hours:
            return due - timedelta(hours=hours)
        position = self.position(due) - hours * 3600
        if position < 0:
            raise ValueError("before the clock's range")
        k = bisect_right(self.before, position) - 1
        return datetime.fromtimestamp(self.starts[k] + position - self.before[k], TZ)


def load_calendar_from_package() -> int:
    """Copy the chinese-calendar package's exceptions into CalendarDay. Rows an admin
    entered by hand are left alone. Returns the number of rows created."""
    import chinese_calendar  # only an admin command needs the package

    def chinese_name(english):
        try:
            return chinese_calendar.Holiday(english).chinese
        except ValueError:
            return english

    wanted = {}
    for day, name in chinese_calendar.holidays.items():
        if day.weekday() < 5:
            wanted[day] = (CalendarDay.Kind.HOLIDAY, chinese_name(name))
    for day, name in chinese_calendar.workdays.items():
        if day.weekday() >= 5:
            wanted[day] = (CalendarDay.Kind.WORKDAY, chinese_name(name) + "调休")
    existing = set(CalendarDay.objects.filter(date__in=wanted).values_list("date", flat=True))
    rows = [
        CalendarDay(date=day, kind=kind, name=name, from_package=True)
        for day, (kind, name) in sorted(wanted.items())
        if day not in existing
    ]
    CalendarDay.objects.bulk_create(rows)
    _calendar.clear()
    return len(rows)


# ---------------------------------------------------------------------------- the steps

# The actions that hand a case to a lead party: each starts the clock afresh (design §5:
# the clock starts at dispatch).
DISPATCHES = ("dispatch", "reassign", "decide")
# The actions that take a case away from its party: no clock of the party runs afterwards.
_LEAVES = ("return", "escalate")
# Filing is not an action of the table, but it starts intake's clock as return and reopen
# (which hand the case back to the dispatcher) do.
INTAKES = ("file", "return", "reopen")


@dataclass(frozen=True)
class DeadlineStep:
    """One deadline a case runs against.

    A step runs while the case is in one of `states`, its deadline (the Case field
    `field`) is set and, for a step with `met_by`, that Case field is still empty.
    `starts` are the actions that set the deadline afresh (from the category's `limit`
    hours unless the action gives the moment) and write its alarms; `done_by` is the
    action that meets it; `stops` are the actions after which it no longer runs (met, or
    the case left the party), which void its alarms. A `side` step runs beside the one
    the case waits for and is never its `due_at`. `alarms` says whether the sweep watches
    it; `reminded`, whether a reminder comes before the deadline and automatic
    supervision a working day after (otherwise only the notice that it passed).
    `label` names it to staff; `public_label` to the reporter, if they are shown it."""

    key: str
    field: str
    label: object
    states: tuple
    starts: tuple
    done_by: str
    stops: tuple
    limit: str
    met_by: str = ""
    side: bool = False
    alarms: bool = True
    reminded: bool = True
    public_label: object = None

    def due(self, case: Any) -> datetime | None:
        """The deadline if the step runs for `case` now, else None."""
        due = getattr(case, self.field)
        if due is None or case.state not in self.states:
            return None
        if self.met_by and getattr(case, self.met_by) is not None:
            return None
        return due


# In the order a case meets them. The resolution deadline runs from dispatch: the party
# that has not even accepted a case is late with it all the same (docs/workflow.md).
STEPS = (
    DeadlineStep(
        key="dispatch",
        field="dispatch_due",
        label=gettext_lazy("Dispatch by"),
        states=(State.REPORTED,),
        starts=INTAKES,
        done_by="dispatch",
        stops=("dispatch", "reject", "escalate"),
        limit="dispatch_hours",
    ),
    DeadlineStep(
        key="accept",
        field="accept_due",
        label=gettext_lazy("Accept by"),
        states=(State.DISPATCHED,),
        starts=DISPATCHES,
        done_by="accept",
        stops=("accept", *_LEAVES),
        limit="accept_hours",
    ),
    DeadlineStep(
        key="contact",
        field="contact_due",
        label=gettext_lazy("Contact the reporter by"),
        states=(State.DISPATCHED, State.IN_PROGRESS),
        starts=DISPATCHES,
        done_by="contact",
        stops=("contact", "resolve", *_LEAVES),
        limit="contact_hours",
        met_by="contacted_at",
        side=True,
        reminded=False,
    ),
    DeadlineStep(
        key="resolve",
        field="resolve_due",
        label=gettext_lazy("Resolve by"),
        states=(State.DISPATCHED, State.IN_PROGRESS),
        starts=(*DISPATCHES, "rework", "approve_extension"),
        done_by="resolve",
        stops=("resolve", *_LEAVES),
        limit="resolve_hours",
        public_label=gettext_lazy("To be fixed by"),
    ),
    DeadlineStep(
        key="verify",
        field="verify_due",
        label=gettext_lazy("Verify by"),
        states=(State.RESOLVED,),
        starts=("resolve",),
        done_by="verify",
        stops=("verify", "rework"),
        limit="verify_hours",
        alarms=False,
        public_label=gettext_lazy("To be checked by"),
    ),
)
STEP = {step.key: step for step in STEPS}


def running_steps(case: Any) -> list[tuple[DeadlineStep, datetime]]:
    """(step, deadline) of every step running for `case` now, in table order."""
    return [(step, due) for step in STEPS if (due := step.due(case)) is not None]


def step_for_state(state: str) -> DeadlineStep | None:
    """The step a case in `state` waits for (its due_at), or None: the first step of the
    table running in that state that is not a side step (dispatched: acceptance, with
    resolution running beside it)."""
    return next((s for s in STEPS if state in s.states and not s.side), None)


def current_due(case: Any) -> datetime | None:
    """The deadline of the step the case waits for now: what Case.due_at holds."""
    step = step_for_state(case.state)
    return getattr(case, step.field) if step else None


def started_by(action: str) -> list[DeadlineStep]:
    """The steps `action` sets afresh."""
    return [step for step in STEPS if action in step.starts]


def voided_by(action: str) -> list[str]:
    """The keys of the watched steps whose alarms `action` voids: those it stops, and
    those it starts afresh (their old alarms go first)."""
    return [
        step.key
        for step in STEPS
        if step.alarms and (action in step.stops or action in step.starts)
    ]


def deadline_horizon() -> timedelta:
    """How far ahead a person may set a deadline (a meeting's decision, an extension):
    HONGMEI_DEADLINE_HORIZON_DAYS, two years unless set."""
    return timedelta(days=settings.HONGMEI_DEADLINE_HORIZON_DAYS)
