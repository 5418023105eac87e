"""What the public street ledger shows (docs/ledger.md): each month's figures from the
dashboard's own roll-up (cases.indicators), a map of the last 90 days' cases, the joint
meeting's approved decisions and their follow-up, and the daily roots of the case histories.

Everything here is public. It holds counts, rounded points, states, category, area and party
names, dates and the meeting's approved minutes on topics: never a description, an address,
a note on a case, a case number or anything of a person. Each part is cached; the page and
the open-data files read the same functions.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import Count, F, Min
from django.db.models.functions import Round
from django.utils import timezone

from cases import indicators
from cases.indicators import Figures, Selection
from cases.models import Area, Case, Category, Party, State, StreetDigest
from meetings.models import AgendaItem, Decision, Meeting

GROUPS = ("category", "area", "party")
MAP_DAYS = 90
# Points are snapped to a grid of 0.0005°: about 55 m north–south and 48 m east–west here.
GRID = 2000
CURRENT_TTL = 300  # this month's figures and the map, in seconds
PAST_TTL = 24 * 3600  # a finished month's figures change only with a backdated import
ROOTS_SHOWN = 60
DECISIONS_SHOWN = 200


# ---------------------------------------------------------------------------- months


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def parse(cls, text: str) -> Month | None:
        """`YYYY-MM`, or None for anything else."""
        try:
            year, month = (int(part) for part in text.split("-"))
        except (ValueError, AttributeError):
            return None
        if len(text) != 7 or not (2000 <= year <= 2999 and 1 <= month <= 12):
            return None
        return cls(year, month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def previous(self) -> Month:
        day = self.first - timedelta(days=1)
        return Month(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def today():
    return timezone.localdate(timezone.now(), indicators.TZ)


def months(now_day: date | None = None) -> list[Month]:
    """This month and every past month the roll-up holds, newest first."""
    now_day = now_day or today()
    first = cache.get_or_set("ledger:first-day", _first_day, CURRENT_TTL)
    current = Month.of(now_day)
    found = [current]
    if first:
        oldest = Month.of(first)
        while found[-1] != oldest and found[-1].first > oldest.first:
            found.append(found[-1].previous())
    return found


def _first_day():
    """The day the first case was filed (an index read), or "" without cases."""
    first = Case.objects.aggregate(first=Min("created_at"))["first"]
    return timezone.localdate(first, indicators.TZ) if first else ""


def period(month: Month, now_day: date | None = None) -> tuple[date, date]:
    """The month's days, up to today for the current month (as the dashboard's month)."""
    now_day = now_day or today()
    return month.first, min(month.last, now_day)


# ---------------------------------------------------------------------------- figures


@dataclass
class Line:
    """One line of a table: what it is about (an id, None for "none") and its figures."""

    key: int | None
    label: str
    figures: Figures


@dataclass
class MonthFigures:
    month: Month
    start: date
    end: date
    total: Figures
    groups: dict[str, list[Line]] = field(default_factory=dict)


def _counts(month, now_day):
    """{grouping: {key: [counter values]}} of a month: cached, ids and numbers only."""
    start, end = period(month, now_day)
    current = month == Month.of(now_day)
    key = f"ledger:figures:{month}:{end.isoformat()}"

    def compute():
        found = indicators.figures(Selection(start, end), ("total", *GROUPS), histograms=())
        out = {"total": {None: found["total"].counts}}
        for grouping in GROUPS:
            out[grouping] = {k: f.counts for k, f in found[grouping].items()}
        return out

    return cache.get_or_set(key, compute, CURRENT_TTL if current else PAST_TTL)


def _figures(counts):
    figures = Figures()
    figures.counts.update(counts)
    return figures


def month_figures(month: Month, now_day: date | None = None) -> MonthFigures:
    """The month's figures, in total and by category, area and lead party (busiest first)."""
    now_day = now_day or today()
    start, end = period(month, now_day)
    counts = _counts(month, now_day)
    names = {
        "category": {c.id: c.label for c in Category.objects.all()},
        "area": {a.id: a.label for a in Area.objects.all()},
        "party": {p.id: p.label for p in Party.objects.all()},
    }
    result = MonthFigures(month, start, end, _figures(counts["total"][None]))
    for grouping in GROUPS:
        lines = [
            Line(key, str(names[grouping].get(key, "")) if key else "", _figures(values))
            for key, values in counts[grouping].items()
        ]
        volume = (lambda f: f.dispatched) if grouping == "party" else (lambda f: f.filed)
        lines = [line for line in lines if grouping != "party" or line.key]
        lines.sort(key=lambda line: (-volume(line.figures), line.label))
        result.groups[grouping] = lines
    return result


# ---------------------------------------------------------------------------- the map


def map_points(now=None) -> list[list]:
    """[lat, lng, state, count] of the cases filed in the last 90 days, snapped to the
    grid and counted by cell and state: no case is told apart from its neighbours. Cases of
    categories kept off public lists (Category.is_public, as Open311) and cases not taken on
    are left out."""
    now = now or timezone.now()

    def compute():
        public = list(Category.objects.filter(is_public=True).values_list("id", flat=True))
        rows = (
            Case.objects.filter(
                created_at__gte=now - timedelta(days=MAP_DAYS),
                category_id__in=public,
                lat__isnull=False,
                lng__isnull=False,
            )
            .exclude(state=State.REJECTED)
            .annotate(cell_lat=Round(F("lat") * GRID), cell_lng=Round(F("lng") * GRID))
            .values("cell_lat", "cell_lng", "state")
            .annotate(n=Count("id"))
            .order_by("cell_lat", "cell_lng", "state")
        )
        return [
            [round(r["cell_lat"] / GRID, 4), round(r["cell_lng"] / GRID, 4), r["state"], r["n"]]
            for r in rows
        ]

    return cache.get_or_set(f"ledger:map:{timezone.localdate(now):%Y%m%d}", compute, CURRENT_TTL)


MAP_STATES = [s for s in State if s != State.REJECTED]


# ---------------------------------------------------------------------------- decisions


@dataclass
class FollowUp:
    day: date
    done: bool
    minutes: str


@dataclass
class PublicDecision:
    decided: date
    meeting: str
    topic: str
    lead: str
    co_parties: list[str]
    deadline: date
    progress: str  # "done", "overdue" or "open"
    done_on: date | None
    measures: str
    done_note: str
    follow_ups: list[FollowUp]


def _topic(decision):
    """A topic's own title; for a case, only its category and area (a case item's title
    carries its number and address, which stay internal)."""
    if decision.case_id:
        case = decision.case
        where = case.area.label if case.area_id else ""
        return f"{case.category.label} · {where}" if where else str(case.category.label)
    return decision.item.title


def decisions(now=None) -> list[PublicDecision]:
    """The decisions of meetings whose minutes are approved, newest first, with their
    progress and the follow-up recorded at later approved meetings."""
    now = now or timezone.now()
    rows = list(
        Decision.objects.filter(meeting__state=Meeting.State.APPROVED)
        .select_related("meeting", "item", "lead_party", "case__category", "case__area")
        .prefetch_related("co_parties")
        .order_by("-meeting__starts_at", "id")[:DECISIONS_SHOWN]
    )
    follow = {}
    items = (
        AgendaItem.objects.filter(
            kind=AgendaItem.Kind.FOLLOW_UP,
            follows__in=rows,
            meeting__state=Meeting.State.APPROVED,
        )
        .select_related("meeting")
        .order_by("meeting__starts_at", "id")
    )
    for item in items:
        follow.setdefault(item.follows_id, []).append(
            FollowUp(
                day=timezone.localdate(item.meeting.starts_at),
                done=item.outcome == AgendaItem.Outcome.DONE,
                minutes="" if decision_is_case(rows, item.follows_id) else item.minutes,
            )
        )
    out = []
    for d in rows:
        done = d.is_done
        finished = d.finished_at
        out.append(
            PublicDecision(
                decided=timezone.localdate(d.meeting.starts_at),
                meeting=d.meeting.title,
                topic=_topic(d),
                lead=str(d.lead_party.label),
                co_parties=[str(p.label) for p in d.co_parties.all()],
                deadline=timezone.localdate(d.deadline),
                progress="done" if done else "overdue" if d.deadline < now else "open",
                done_on=timezone.localdate(finished) if finished else None,
                measures="" if d.case_id else d.measures,
                done_note="" if d.case_id else d.done_note,
                follow_ups=follow.get(d.pk, []),
            )
        )
    return out


def decision_is_case(rows, decision_id):
    return any(d.pk == decision_id and d.case_id for d in rows)


# ---------------------------------------------------------------------------- roots


def roots(limit: int | None = ROOTS_SHOWN) -> list[StreetDigest]:
    """The sealed daily roots, newest first."""
    rows = StreetDigest.objects.order_by("-day")
    return list(rows[:limit] if limit else rows)
