"""The dashboard's indicators (design §8); docs/indicators.md gives every formula.

Each indicator is a ratio of two counts, or a percentile of handling times, and every count
is made of *facts* drawn from a case's history by replaying its events (case_facts). A fact
is dated at the moment it becomes known: the event that decides it, or the deadline that
passes unmet. So the facts up to a moment never change afterwards (backdated imports
aside), which is what lets cases.rollup fold them into daily rows once (IndicatorDay) while
the dashboard adds only the facts since the last roll-up, live (figures()).

recompute() answers the same questions by replaying every case: the reference the roll-up
is tested against, never used by a page.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Q, Sum
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone

from cases import sla
from cases.memo import ttl_cached
from cases.models import (
    Case,
    Category,
    Event,
    IndicatorDay,
    IndicatorRollup,
    State,
)

TZ = sla.TZ
DISPATCHES = frozenset(sla.DISPATCHES)
# The deadline steps the indicators assess (按期派遣率, 先行联系率, 按期处置率): see _Items.
ASSESSED = (sla.STEP["dispatch"], sla.STEP["contact"], sla.STEP["resolve"])
# The event kinds the replay reads; the others (notes, supervision, …) count for nothing.
KINDS = (
    "file",
    *sorted(DISPATCHES),
    "reject",
    "return",
    "escalate",
    "contact",
    "resolve",
    "rework",
    "approve_extension",
    "verify",
    "reopen",
    "rate",
)
COUNTERS = (
    "filed",
    "dispatched",
    "returned",
    "intake",
    "closed",
    "closed_reworked",
    "reopened",
    "dispatch_due",
    "dispatch_met",
    "contact_due",
    "contact_met",
    "resolve_due",
    "resolve_met",
    "rated_satisfied",
    "rated_basic",
    "rated_dissatisfied",
)
HANDLING = "handling"
RATED = {
    Case.Satisfaction.SATISFIED: "rated_satisfied",
    Case.Satisfaction.BASIC: "rated_basic",
    Case.Satisfaction.DISSATISFIED: "rated_dissatisfied",
}
ROLLUP = "indicators"
# How far a deadline computed during the replay may lie beyond the last event.
_CLOCK_MARGIN = timedelta(days=120)


# ---------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class Ratio:
    numerator: int
    denominator: int

    @property
    def rate(self):
        """The ratio as a fraction, or None when nothing counted."""
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self):
        rate = self.rate
        return None if rate is None else round(100 * rate, 1)


def percentile(histogram, p):
    """Nearest-rank percentile of a {half-hours: count} histogram, in hours; None if empty.
    Rounding every time up to the half hour before ranking gives the same answer as ranking
    the exact times and rounding the one chosen, so the roll-up loses nothing."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = max(math.ceil(p * total), 1)
    seen = 0
    for key in sorted(histogram, key=int):
        seen += histogram[key]
        if seen >= rank:
            return int(key) / 2
    raise AssertionError("unreachable")


@dataclass
class Figures:
    """Counts of facts and the handling-time histogram of one selection (or one group)."""

    counts: dict = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    handling: dict = field(default_factory=dict)

    def add_fact(self, counter, value=1):
        if counter == HANDLING:
            key = str(value)
            self.handling[key] = self.handling.get(key, 0) + 1
        else:
            self.counts[counter] += value

    def add(self, other):
        """Add another Figures' counts and handling times to these."""
        self.add_row([other.counts[c] for c in COUNTERS], other.handling)

    def add_row(self, counts, handling):
        for name, value in zip(COUNTERS, counts, strict=True):
            self.counts[name] += value
        for key, value in handling.items():
            self.handling[key] = self.handling.get(key, 0) + value

    def __getattr__(self, name):
        counts = self.__dict__.get("counts")
        if counts is not None and name in counts:
            return counts[name]
        raise AttributeError(name)

    @property
    def on_time(self):
        return Ratio(self.resolve_met, self.resolve_due)

    @property
    def on_time_dispatch(self):
        return Ratio(self.dispatch_met, self.dispatch_due)

    @property
    def closure(self):
        return Ratio(self.closed, self.intake)

    @property
    def rework(self):
        return Ratio(self.closed_reworked, self.closed)

    @property
    def return_rate(self):
        return Ratio(self.returned, self.dispatched)

    @property
    def first_contact(self):
        return Ratio(self.contact_met, self.contact_due)

    @property
    def rated(self):
        return self.rated_satisfied + self.rated_basic + self.rated_dissatisfied

    @property
    def satisfaction(self):
        return Ratio(self.rated_satisfied + self.rated_basic, self.rated)

    @property
    def handling_median(self):
        return percentile(self.handling, 0.5)

    @property
    def handling_p90(self):
        return percentile(self.handling, 0.9)

    @property
    def handled(self):
        return sum(self.handling.values())

    def new_cases(self, party_view):
        """Cases that came in: filed, or for a party's own view, dispatched to it."""
        return self.dispatched if party_view else self.filed


# ---------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class Fact:
    at: datetime
    counter: str
    party: int | None
    value: int = 1


@dataclass(frozen=True)
class CaseRow:
    id: int
    category_id: int
    area_id: int | None
    channel: str
    priority: str


@dataclass(frozen=True)
class Step:
    """The parts of an event the replay reads."""

    kind: str
    at: datetime
    lead_party: int | None = None
    dispatch_due: datetime | None = None
    contact_due: datetime | None = None
    resolve_due: datetime | None = None
    until: datetime | None = None
    rating: str = ""


def _half_hours(clock, start, end):
    seconds = round(clock.position(end) - clock.position(start))
    return max(math.ceil(seconds / 1800), 0)


class _Items:
    """The deadline items of one case not yet assessed, by step key (ASSESSED). Their
    deadlines, limits and the actions that start and meet them come from sla.STEPS; an
    item met in time counts when met (`<key>_due` and `<key>_met`), an item whose
    deadline passes counts, unmet, at the deadline (`<key>_due`)."""

    def __init__(self, emit, *, category, clock, urgent, needs_contact):
        self.emit, self.category, self.clock, self.urgent = emit, category, clock, urgent
        self.steps = [s for s in ASSESSED if needs_contact or s.key != "contact"]
        self.due = {}

    def passing(self, moment, *, including):
        """Assess, unmet, the items whose deadline passes before `moment` (or at it)."""
        for step in ASSESSED:
            due = self.due.get(step.key)
            if due is not None and (due < moment or (including and due == moment)):
                self.emit(due, f"{step.key}_due")
                del self.due[step.key]

    def start(self, event):
        """Filing, a return and a reopening start intake's item; a dispatch starts the
        round's items afresh; a rework, a new resolution deadline; an extension approved
        before the deadline passed moves it."""
        for step in self.steps:
            if event.kind not in step.starts:
                continue
            if event.kind == "approve_extension":
                if step.key in self.due and event.until is not None:
                    self.due[step.key] = event.until
                continue
            self.due[step.key] = getattr(event, step.field) or self.clock.deadline(
                event.at, getattr(self.category, step.limit), calendar_hours=self.urgent
            )

    def meet(self, event):
        for step in ASSESSED:
            if event.kind == step.done_by and self.due.pop(step.key, None) is not None:
                self.emit(event.at, f"{step.key}_due")
                self.emit(event.at, f"{step.key}_met")

    def drop(self):
        """The round ended first (return, reassignment, escalation, reopening), or intake
        ended without a dispatch (rejection, escalation)."""
        self.due.clear()


def case_facts(case, steps, *, category, clock, as_of):
    """The facts of one case known at `as_of`, from its steps in time order.

    A round starts at each dispatch (dispatch, reassign, decide) and runs for its lead
    party; an intake starts at filing and at reopening. Three kinds of items are assessed
    once each: each wait for dispatch (set at filing, a return or a reopening, met by the
    dispatch), the first contact of a round, and each resolution deadline (set by a
    dispatch or a rework, moved by an extension approved before it passed). An item met in
    time counts when it is met; an item whose deadline passes counts, unmet, at the
    deadline; an item whose round ends first (return, reassignment, escalation, reopening,
    or for intake a rejection) does not count.
    """
    facts = []
    party = None
    round_start = last_resolve = None
    intake_open = True
    reworks = 0

    def emit(at, counter, value=1):
        facts.append(Fact(at, counter, party, value))

    items = _Items(
        emit,
        category=category,
        clock=clock,
        urgent=category.is_urgent or case.priority == Case.Priority.URGENT,
        needs_contact=case.channel != Case.Channel.PATROL,
    )
    for step in steps:
        at = step.at
        if at > as_of:
            break
        items.passing(at, including=False)
        kind = step.kind
        items.meet(step)
        if kind in DISPATCHES or kind in ("reject", "return", "escalate", "reopen"):
            items.drop()
        items.start(step)
        if kind == "file":
            emit(at, "filed")
            intake_open = True
        elif kind in DISPATCHES:
            party = step.lead_party
            round_start, last_resolve = at, None
            emit(at, "dispatched")
            if intake_open:
                emit(at, "intake")
                intake_open = False
        elif kind == "return":
            emit(at, "returned")
            party = round_start = None
        elif kind == "resolve":
            last_resolve = at
        elif kind == "rework":
            reworks += 1
            last_resolve = None
        elif kind == "verify":
            emit(at, "closed")
            if reworks:
                emit(at, "closed_reworked")
            if round_start is not None and last_resolve is not None:
                emit(at, HANDLING, _half_hours(clock, round_start, last_resolve))
        elif kind == "reopen":
            emit(at, "reopened")
            party = round_start = last_resolve = None
            intake_open, reworks = True, 0
        elif kind == "rate" and step.rating in RATED:
            emit(at, RATED[step.rating])
    items.passing(as_of, including=True)
    return facts


# ---------------------------------------------------------------------------- histories


def _moment(text):
    return datetime.fromisoformat(text) if text else None


def _int(text):
    return int(text) if text not in (None, "") else None


def histories(events):
    """(CaseRow, [Step]) for each case of an Event queryset, by case. The queryset is read
    once, in case order, with only the parts of `data` the replay needs."""
    rows = (
        events.filter(kind__in=KINDS)
        .annotate(
            lead=KeyTextTransform("lead_party", "data"),
            dispatch_due=KeyTextTransform("dispatch_due", "data"),
            contact_due=KeyTextTransform("contact_due", "data"),
            resolve_due=KeyTextTransform("resolve_due", "data"),
            until=KeyTextTransform("to", "data"),
            rating=KeyTextTransform("rating", "data"),
        )
        .order_by("case_id", "created_at", "id")
        .values_list(
            "case_id",
            "case__category_id",
            "case__area_id",
            "case__channel",
            "case__priority",
            "kind",
            "created_at",
            "lead",
            "dispatch_due",
            "contact_due",
            "resolve_due",
            "until",
            "rating",
        )
    )
    case, steps = None, []
    for case_id, category_id, area_id, channel, priority, kind, at, *data in rows.iterator(
        chunk_size=5000
    ):
        if case is None or case.id != case_id:
            if case is not None:
                yield case, steps
            case, steps = CaseRow(case_id, category_id, area_id, channel, priority), []
        lead, dispatch_due, contact_due, resolve_due, until, rating = data
        steps.append(
            Step(
                kind,
                at,
                lead_party=_int(lead),
                dispatch_due=_moment(dispatch_due),
                contact_due=_moment(contact_due),
                resolve_due=_moment(resolve_due),
                until=_moment(until),
                rating=rating or "",
            )
        )
    if case is not None:
        yield case, steps


def clock_for(first, last):
    """A precomputed working-time clock from `first` until well after `last`."""
    first = timezone.localtime(first, TZ).date() - timedelta(days=1)
    return sla.Clock(first, timezone.localtime(last + _CLOCK_MARGIN, TZ).date())


@ttl_cached
def categories():
    """Every category by id (their limits drive the deadlines the replay recomputes)."""
    return {c.id: c for c in Category.objects.all()}


def touched_since(since, until):
    """Events of the cases that may have facts in (since, until]: an event since `since`,
    or a dispatch, contact or resolution deadline passing in the window. Reads indexed columns only:
    the events since `since`, and open cases by their running deadlines."""
    events = Event.objects.filter(kind__in=KINDS, created_at__gt=since).values("case_id")
    deadlines = Case.objects.filter(
        Q(state__in=(State.REPORTED, State.IN_PROGRESS), due_at__gt=since, due_at__lte=until)
        # A case back at intake (returned, reopened) waits on its dispatch deadline.
        | Q(state=State.REPORTED, dispatch_due__gt=since, dispatch_due__lte=until)
        | Q(state=State.DISPATCHED, resolve_due__gt=since, resolve_due__lte=until)
        | Q(contacted_at__isnull=True, contact_due__gt=since, contact_due__lte=until)
    ).values("id")
    # One UNION subquery: an OR of two IN-subqueries would scan the whole event table.
    return Event.objects.filter(case_id__in=events.union(deadlines))


def facts_between(events, since, until, categories_by_id):
    """(CaseRow, fact) for the facts in (since, until] of the cases whose events are given."""
    loaded = list(histories(events))
    if not loaded:
        return []
    first = min(steps[0].at for _, steps in loaded)
    last = max(steps[-1].at for _, steps in loaded)
    clock = clock_for(first, max(last, until))
    found = []
    for case, steps in loaded:
        for fact in case_facts(
            case, steps, category=categories_by_id[case.category_id], clock=clock, as_of=until
        ):
            if since is None or fact.at > since:
                found.append((case, fact))
    return found


def local_day(moment):
    return moment.astimezone(TZ).date()


# ---------------------------------------------------------------------------- questions


GROUPINGS = ("total", "day", "party", "category", "area")
_GRAIN_OF = {
    "party": IndicatorDay.PARTY,
    "category": IndicatorDay.CATEGORY,
    "area": IndicatorDay.AREA,
}


@dataclass(frozen=True)
class Selection:
    """Days start..end (inclusive, Asia/Shanghai) and optional sets of ids: lead parties,
    leaf categories, areas (each area as itself, not its children: pass the subtree)."""

    start: date
    end: date
    parties: frozenset | None = None
    categories: frozenset | None = None
    areas: frozenset | None = None

    @property
    def party_view(self):
        return self.parties is not None

    def keeps(self, case, fact):
        day = local_day(fact.at)
        return (
            self.start <= day <= self.end
            and (self.parties is None or fact.party in self.parties)
            and (self.categories is None or case.category_id in self.categories)
            and (self.areas is None or case.area_id in self.areas)
        )

    def grain(self, grouping):
        grain = (
            (IndicatorDay.PARTY if self.parties is not None else 0)
            | (IndicatorDay.CATEGORY if self.categories is not None else 0)
            | (IndicatorDay.AREA if self.areas is not None else 0)
        )
        return grain | _GRAIN_OF.get(grouping, 0)


def _group_key(grouping, day, party, category, area):
    if grouping == "total":
        return None
    if grouping == "day":
        return day
    return {"party": party, "category": category, "area": area}[grouping]


def _add_facts(results, groupings, selection, facts):
    for case, fact in facts:
        if not selection.keeps(case, fact):
            continue
        day = local_day(fact.at)
        for grouping in groupings:
            key = _group_key(grouping, day, fact.party, case.category_id, case.area_id)
            results[grouping][key].add_fact(fact.counter, fact.value)


def _empty(groupings):
    return {g: defaultdict(Figures) for g in groupings}


def _finish(results, groupings):
    out = {g: dict(results[g]) for g in groupings}
    if "total" in out:
        out["total"] = out["total"].get(None) or Figures()
    return out


def covered_until():
    row = IndicatorRollup.objects.filter(name=ROLLUP).first()
    return row.covered_until if row else None


def figures(selection, groupings=("total",), *, histograms=None, now=None):
    """The figures of `selection` for each grouping: {"total": Figures, "day": {date:
    Figures}, "party": {id: Figures}, …} — the roll-up up to its watermark plus the facts
    after it, replayed live from the few cases touched since. Handling times (median, p90)
    are read for the groupings in `histograms` only (default: all of them).

    Queries: the watermark, one per grouping and one more per histogram, the live part (and
    the categories, once a minute).
    """
    now = now or timezone.now()
    histograms = groupings if histograms is None else histograms
    results = _empty(groupings)
    since = covered_until()
    if since is not None:
        for grouping in groupings:
            _add_rows(results[grouping], grouping, selection, grouping in histograms)
    live = touched_since(since, now) if since is not None else Event.objects.all()
    if selection.categories is not None:
        live = live.filter(case__category_id__in=selection.categories)
    if selection.areas is not None:
        live = live.filter(case__area_id__in=selection.areas)
    _add_facts(results, groupings, selection, facts_between(live, since, now, categories()))
    return _finish(results, groupings)


_KEY_COLUMN = {"day": "day", "party": "party_key", "category": "category_key", "area": "area_key"}


def _add_rows(groups, grouping, selection, histogram):
    """Add the roll-up's rows of `selection` at the grain of `grouping`, summed by the
    database per group; the handling histograms, when asked, row by row."""
    rows = IndicatorDay.objects.filter(
        grain=selection.grain(grouping), day__gte=selection.start, day__lte=selection.end
    )
    if selection.parties is not None:
        rows = rows.filter(party_key__in=selection.parties)
    if selection.categories is not None:
        rows = rows.filter(category_key__in=selection.categories)
    if selection.areas is not None:
        rows = rows.filter(area_key__in=selection.areas)
    column = _KEY_COLUMN.get(grouping)
    sums = {name: Sum(name) for name in COUNTERS}
    if column is None:
        totals = rows.aggregate(**sums)
        if any(totals.values()):
            groups[None].add_row([totals[name] or 0 for name in COUNTERS], {})
    else:
        for row in rows.order_by().values(column).annotate(**sums):
            key = row[column] if grouping == "day" else (row[column] or None)
            groups[key].add_row([row[name] for name in COUNTERS], {})
    if histogram:
        for key, handling in rows.exclude(handling={}).values_list(column or "grain", "handling"):
            key = None if column is None else key if grouping == "day" else (key or None)
            groups[key].add_row([0] * len(COUNTERS), handling)


def recompute(selection, groupings=("total",), *, now=None):
    """The same figures as figures(), by replaying every case's whole history: slow, and
    the reference the roll-up must equal."""
    now = now or timezone.now()
    results = _empty(groupings)
    events = Event.objects.filter(created_at__lte=now)
    _add_facts(results, groupings, selection, facts_between(events, None, now, categories()))
    return _finish(results, groupings)
