"""What the dashboard shows one user for one selection: the indicators (cases.indicators),
their trend, the ranking of parties, a breakdown table, the aging of open cases, hotspots,
and the overdue and supervised lists. The page, the monthly report and the CSV all read a
Board; none of them scans the history of cases.

Handlers see the figures of their own parties only; street-wide roles see every party.
"""

import calendar
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.db.models import Case as DbCase
from django.db.models import Count, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import indicators, people
from cases.indicators import Figures, Selection
from cases.models import OPEN_STATES, Area, Case, Party
from dashboard import charts
from meetings.models import Proposal

PERIODS = [
    ("today", _("Today")),
    ("week", _("This week")),
    ("month", _("This month")),
    ("custom", _("Custom range")),
]
BREAKDOWNS = [
    ("category", _("By category")),
    ("party", _("By party")),
    ("area", _("By area")),
    ("day", _("By day")),
]
_HEADINGS = {"party": _("Party"), "category": _("Category"), "area": _("Area"), "day": _("Day")}
# Age of open cases since filing, in days: [low, high).
AGES = [
    (0, 1, _("<1 d")),
    (1, 3, _("1–3 d")),
    (3, 7, _("3–7 d")),
    (7, 30, _("7–30 d")),
    (30, None, _(">30 d")),
]
MAX_DAYS = 366
TREND_DAYS = 14  # the trend shows at least this many days up to the period's end
WEEKLY_AFTER = 62  # longer trends are drawn by week
LIST_SIZE = 10


def period_dates(period, today, start=None, end=None):
    """(first day, last day) of a named period; custom ranges are given."""
    if period == "today":
        return today, today
    if period == "week":
        return today - timedelta(days=today.weekday()), today
    if period == "custom":
        return start, end
    return today.replace(day=1), today


def month_dates(first, today):
    """A calendar month, up to today when it is the current one."""
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return first, min(last, today)


# ---------------------------------------------------------------------------- scope


def scope(user):
    """None when the user sees every party; else the ids of the parties they handle for."""
    if people.is_street_wide(user):
        return None
    return frozenset(p.id for p in people.handler_parties(user))


@dataclass
class Config:
    """The street's parties, categories and areas, by id, read once per page."""

    parties: dict
    categories: dict
    areas: dict

    @classmethod
    def load(cls):
        return cls(
            parties={p.id: p for p in Party.objects.order_by("kind", "name")},
            categories=indicators.categories(),
            areas={a.id: a for a in Area.objects.order_by("depth", "name")},
        )

    def _subtree(self, items, root):
        found, frontier = set(), [root]
        while frontier:
            current = frontier.pop()
            found.add(current)
            frontier += [i for i, item in items.items() if item.parent_id == current]
        return frozenset(found)

    def selection(self, start, end, *, scope=None, party=None, category=None, area=None):
        """The Selection for filters given as ids (a main category or an area covers
        everything below it); a handler's selection never leaves their parties."""
        return Selection(
            start,
            end,
            parties=frozenset({party}) if party else scope,
            categories=self._subtree(self.categories, category) if category else None,
            areas=self._subtree(self.areas, area) if area else None,
        )


# ---------------------------------------------------------------------------- the board


@dataclass
class Row:
    """One line of a breakdown: what it is about, its key, and its figures."""

    label: str
    key: object
    figures: Figures
    volume: int = 0
    party: object = None


@dataclass
class Board:
    selection: Selection
    total: Figures
    trend: charts.Trend
    trend_start: date
    weekly: bool
    ranking: list
    breakdown: list
    by: str
    aging: charts.Columns
    open_count: int
    overdue: list
    overdue_count: int
    supervised: list
    supervised_count: int
    hotspots: list
    covered_until: object
    parties: list = field(default_factory=list)
    recurring: list = field(default_factory=list)

    @property
    def party_view(self):
        return self.selection.party_view

    @property
    def states(self):
        """The open states, in the order the aging chart stacks them, with their labels."""
        return [(state.value, state.label) for state in OPEN_STATES]


def build(user, selection, config, *, by="category", now=None, recurring=False):
    """Everything the dashboard shows for `selection`, as `user` may see it; with
    `recurring`, the recurring places too (the page shows them, the report does not)."""
    now = now or timezone.now()
    groupings = ("total", "party", "area", *(("category",) if by == "category" else ()))
    figures = indicators.figures(selection, groupings, histograms=("total", by), now=now)
    trend_start = min(selection.start, selection.end - timedelta(days=TREND_DAYS - 1))
    trend = replace(selection, start=trend_start)
    days = indicators.figures(trend, ("day",), histograms=(by,), now=now)["day"]
    weekly = (selection.end - trend_start).days >= WEEKLY_AFTER
    cases = _open_cases(user, selection)
    overdue = cases.overdue(now)
    aging, open_count, overdue_count, supervised_count = _aging(cases, now)
    party_view = selection.party_view
    hotspots = _hotspots(config, figures["area"], party_view)
    return Board(
        selection=selection,
        total=figures["total"],
        trend=charts.trend(_trend_points(days, trend_start, selection.end, weekly, party_view)),
        trend_start=trend_start,
        weekly=weekly,
        ranking=_ranking(config, figures["party"]),
        breakdown=_breakdown(config, by, figures, days, selection),
        by=by,
        aging=aging,
        open_count=open_count,
        overdue=list(overdue.order_by("due_at", "id")[:LIST_SIZE]),
        overdue_count=overdue_count,
        supervised=list(
            cases.filter(supervised_at__isnull=False).order_by("-supervised_at", "-id")[:LIST_SIZE]
        ),
        supervised_count=supervised_count,
        hotspots=hotspots,
        covered_until=indicators.covered_until(),
        parties=[config.parties[i] for i in sorted(selection.parties or ()) if i in config.parties],
        recurring=recurring_places(selection) if recurring and not party_view else [],
    )


RECURRING_PER_CATEGORY = 3
RECURRING_MAX = 200


def recurring_places(selection):
    """重复反映点位: the recurring places and shops (meetings.Proposal) last reported in the
    period, busiest first, at most RECURRING_PER_CATEGORY per category: [(category,
    [proposal])], categories with the most reports first. One bounded query."""
    street = timezone.get_default_timezone()
    start = datetime.combine(selection.start, time.min, tzinfo=street)
    end = datetime.combine(selection.end + timedelta(days=1), time.min, tzinfo=street)
    found = Proposal.objects.filter(last_at__gte=start, last_at__lt=end).exclude(
        kind=Proposal.Kind.REPEAT
    )
    if selection.categories is not None:
        found = found.filter(category_id__in=selection.categories)
    grouped: dict = {}
    for proposal in found.select_related("category").order_by("-case_count", "-last_at", "-id")[
        :RECURRING_MAX
    ]:
        places = grouped.setdefault(proposal.category, [])
        if len(places) < RECURRING_PER_CATEGORY:
            places.append(proposal)
    return sorted(grouped.items(), key=lambda kv: (-sum(p.case_count for p in kv[1]), kv[0].order))


def _open_cases(user, selection):
    cases = (
        Case.objects.open()
        .visible_to(user)
        .select_related("category", "lead_party", "area")
        .only(
            "number",
            "state",
            "description",
            "created_at",
            "due_at",
            "supervised_at",
            "category__name",
            "category__name_en",
            "lead_party__name",
            "lead_party__name_en",
            "area__name",
            "area__name_en",
        )
    )
    if selection.parties is not None:
        cases = cases.filter(lead_party_id__in=selection.parties)
    if selection.categories is not None:
        cases = cases.filter(category_id__in=selection.categories)
    if selection.areas is not None:
        cases = cases.filter(area_id__in=selection.areas)
    return cases


def _aging(cases, now):
    """Open cases by age since filing and by state (an index-only read of the open cases'
    states and filing times), and how many are overdue and supervised (partial indexes)."""
    whens = [
        When(created_at__gt=now - timedelta(days=high), then=Value(low))
        for low, high, _label in AGES
        if high is not None
    ]
    rows = (
        cases.order_by()
        .annotate(age=DbCase(*whens, default=Value(AGES[-1][0])))
        .values("state", "age")
        .annotate(n=Count("id"))
    )
    counts = {(row["state"], row["age"]): row["n"] for row in rows}
    buckets = [
        (label, {state: counts.get((state, low), 0) for state in OPEN_STATES})
        for low, _high, label in AGES
    ]
    open_count = sum(counts.values())
    overdue = cases.order_by().overdue(now).count()
    supervised = cases.order_by().filter(supervised_at__isnull=False).count()
    return charts.stacked(buckets, OPEN_STATES), open_count, overdue, supervised


def _trend_points(days, start, end, weekly, party_view):
    buckets = {}
    day = start
    while day <= end:
        key = day - timedelta(days=day.weekday()) if weekly else day
        bucket = buckets.setdefault(max(key, start), Figures())
        figures = days.get(day)
        if figures is not None:
            bucket.add(figures)
        day += timedelta(days=1)
    return [(key, f.new_cases(party_view), f.closed, f.on_time.rate) for key, f in buckets.items()]


def _ranking(config, by_party):
    rows = [
        Row(config.parties[key].label, key, figures, figures.dispatched, config.parties[key])
        for key, figures in by_party.items()
        if key in config.parties
    ]
    rows.sort(
        key=lambda r: (
            r.figures.on_time.rate is None,
            -(r.figures.on_time.rate or 0),
            -r.figures.dispatched,
            r.label,
        )
    )
    return rows


def _breakdown(config, by, figures, days, selection):
    """Rows of the detail table, busiest first (by day: in date order). A party's volume is
    what was dispatched to it; elsewhere it is what came in (filed, or dispatched to the
    parties in view)."""
    if by == "day":
        return [
            Row(day.isoformat(), day, f, f.new_cases(selection.party_view))
            for day, f in sorted(days.items())
            if selection.start <= day <= selection.end
        ]
    if by == "party":
        rows = [
            Row(config.parties[key].label, key, f, f.dispatched, party=config.parties[key])
            for key, f in figures["party"].items()
            if key in config.parties
        ]
    else:
        items = config.categories if by == "category" else config.areas
        rows = [
            Row(
                str(items[key].label) if key in items else _("outside every area"),
                key,
                f,
                f.new_cases(selection.party_view),
            )
            for key, f in figures[by].items()
        ]
    rows.sort(key=lambda r: (-r.volume, r.label))
    return rows


def _hotspots(config, by_area, party_view):
    """(area, count, heat class) for every area with an outline, busiest first."""
    counts = {key: f.new_cases(party_view) for key, f in by_area.items()}
    highest = max([c for key, c in counts.items() if key is not None] or [0])
    spots = [
        (area, counts.get(area.id, 0), charts.heat_class(counts.get(area.id, 0), highest))
        for area in config.areas.values()
        if area.boundary
    ]
    return sorted(spots, key=lambda s: (-s[1], s[0].depth, s[0].name))


def map_features(hotspots):
    """The hotspots as GeoJSON features for the Leaflet map, outer areas first."""
    return [
        {
            "type": "Feature",
            "geometry": area.boundary,
            "properties": {"name": area.label, "count": count, "heat": heat, "depth": area.depth},
        }
        for area, count, heat in sorted(hotspots, key=lambda s: (s[0].depth, s[0].id))
    ]


def outline_map(hotspots):
    """(height, [(hotspot, svg path)]) of the hotspots, outer areas first, for print."""
    ordered = sorted(hotspots, key=lambda s: (s[0].depth, s[0].id))
    return charts.outline_map([(spot, spot[0].boundary) for spot in ordered])


# ---------------------------------------------------------------------------- the table


def table(selection, config, by, *, now=None):
    """The breakdown alone (for the CSV): one query per grouping plus the live part."""
    figures = indicators.figures(selection, (by,), now=now)
    return _breakdown(config, by, figures, figures.get("day", {}), selection)


def _number(value):
    return "" if value is None else value


def csv_rows(rows, by):
    """The breakdown as spreadsheet rows: counts, then each indicator in percent."""
    yield [
        _HEADINGS[by],
        _("Filed"),
        _("Dispatches"),
        _("Returns"),
        _("Return rate (%)"),
        _("Cases dispatched"),
        _("Closed"),
        _("Closure rate (%)"),
        _("Closed after rework"),
        _("Rework rate (%)"),
        _("First contacts due"),
        _("First contacts in time"),
        _("First-contact rate (%)"),
        _("Deadlines due"),
        _("Deadlines met"),
        _("On-time resolution (%)"),
        _("Rated"),
        _("Satisfied or basically satisfied"),
        _("Satisfaction (%)"),
        _("Handling time, median (working hours)"),
        _("Handling time, 90th percentile (working hours)"),
    ]
    for row in rows:
        f = row.figures
        yield [
            row.label,
            f.filed,
            f.dispatched,
            f.returned,
            _number(f.return_rate.percent),
            f.intake,
            f.closed,
            _number(f.closure.percent),
            f.closed_reworked,
            _number(f.rework.percent),
            f.contact_due,
            f.contact_met,
            _number(f.first_contact.percent),
            f.resolve_due,
            f.resolve_met,
            _number(f.on_time.percent),
            f.rated,
            f.satisfaction.numerator,
            _number(f.satisfaction.percent),
            _number(f.handling_median),
            _number(f.handling_p90),
        ]
