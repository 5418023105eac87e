"""The daily roll-up of the indicators (IndicatorDay), so that the dashboard reads a few
hundred small rows instead of the history of every case.

- roll_up(): folds the facts since the watermark into the rows. The beat task runs it
  every few minutes; it reads only the cases touched since the last run.
- rebuild(since=None): recomputes the rows from a day on (all of them without `since`)
  by replaying the cases' histories: after `generate_cases` (which writes with COPY, past
  the workflow), after a backdated import, after a change of the holiday calendar. The
  management command `rollup_indicators` calls it.

Both lock the watermark row, so two runs never interleave, and a run repeated finds
nothing left to do.
"""

import json
from collections import defaultdict
from datetime import datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from cases import indicators
from cases.indicators import COUNTERS, HANDLING, ROLLUP, TZ, local_day
from cases.models import Case, Event, IndicatorDay, IndicatorRollup

# An event's time is taken just before its transaction commits, so the roll-up stays this
# far behind the clock: no event can be committed behind the watermark afterwards.
LAG = timedelta(minutes=1)
GRAINS = range(8)


_INDEX = {name: i for i, name in enumerate(COUNTERS)}
_N = len(COUNTERS)


def _new():
    """An accumulator: the counters in COUNTERS order, then the handling histogram."""
    return [0] * _N + [{}]


def _add(into, other):
    for i in range(_N):
        into[i] += other[i]
    histogram = into[_N]
    for bucket, count in other[_N].items():
        histogram[bucket] = histogram.get(bucket, 0) + count


def _base(facts):
    """{(day, party, category, area): accumulator} for (CaseRow, Fact) pairs; 0 for none."""
    base = defaultdict(_new)
    for case, fact in facts:
        acc = base[(local_day(fact.at), fact.party or 0, case.category_id or 0, case.area_id or 0)]
        if fact.counter == HANDLING:
            bucket = str(fact.value)
            acc[_N][bucket] = acc[_N].get(bucket, 0) + 1
        else:
            acc[_INDEX[fact.counter]] += fact.value
    return base


def _cube(base):
    """Every grain of the data cube (see IndicatorDay) from the finest one."""
    cube = defaultdict(_new)
    for (day, party, category, area), acc in base.items():
        for grain in GRAINS:
            key = (
                day,
                grain,
                party if grain & IndicatorDay.PARTY else 0,
                category if grain & IndicatorDay.CATEGORY else 0,
                area if grain & IndicatorDay.AREA else 0,
            )
            _add(cube[key], acc)
    return cube


def _row(key, acc):
    day, grain, party, category, area = key
    return IndicatorDay(
        day=day,
        grain=grain,
        party_key=party,
        category_key=category,
        area_key=area,
        handling=acc[_N],
        **dict(zip(COUNTERS, acc, strict=False)),
    )


def _merge(cube):
    """Add the cube's counts to the stored rows of the same keys."""
    if not cube:
        return
    days = {key[0] for key in cube}
    stored = {
        (r.day, r.grain, r.party_key, r.category_key, r.area_key): r
        # grain first: the unique index (grain, day, …) serves the lookup.
        for r in IndicatorDay.objects.filter(grain__in=GRAINS, day__in=days)
    }
    changed, new = [], []
    for key, acc in cube.items():
        row = stored.get(key)
        if row is None:
            new.append(_row(key, acc))
            continue
        total = [getattr(row, name) for name in COUNTERS] + [dict(row.handling)]
        _add(total, acc)
        for name, value in zip(COUNTERS, total, strict=False):
            setattr(row, name, value)
        row.handling = total[_N]
        changed.append(row)
    IndicatorDay.objects.bulk_create(new, batch_size=2000)
    IndicatorDay.objects.bulk_update(changed, [*COUNTERS, "handling"], batch_size=2000)


def _lock(until):
    """The watermark row, locked; created (at `until`) if missing."""
    IndicatorRollup.objects.get_or_create(name=ROLLUP, defaults={"covered_until": until})
    return IndicatorRollup.objects.select_for_update().get(name=ROLLUP)


def roll_up(now=None):
    """Fold the facts between the watermark and (now − LAG) into the rows. Returns how
    many facts were added. Without a watermark yet, rebuilds everything."""
    now = now or timezone.now()
    until = now - LAG
    if not IndicatorRollup.objects.filter(name=ROLLUP).exists():
        return rebuild(now=now)
    with transaction.atomic():
        state = _lock(until)
        since = state.covered_until
        if until <= since:
            return 0
        facts = indicators.facts_between(
            indicators.touched_since(since, until), since, until, indicators.categories()
        )
        _merge(_cube(_base(facts)))
        state.covered_until, state.updated_at = until, now
        state.save()
    return len(facts)


def _cases_with_facts_since(start):
    """Cases that may have facts from `start` on: an event since, or a deadline since (a
    fact is dated at an event or at a deadline of its case)."""
    cases = Case.objects.all()
    if start is None:
        return cases
    events = Event.objects.filter(kind__in=indicators.KINDS, created_at__gte=start)
    return cases.filter(
        Q(id__in=events.values("case_id"))
        | Q(resolve_due__gte=start)
        | Q(contact_due__gte=start)
        | Q(dispatch_due__gte=start)
    )


def _batches(cases, size):
    """Case ids in filing order, `size` at a time, by keyset (never one huge list)."""
    last = None
    ordered = cases.order_by("created_at", "id").values_list("created_at", "id")
    while True:
        page = ordered
        if last is not None:
            page = page.filter(Q(created_at__gt=last[0]) | Q(created_at=last[0], id__gt=last[1]))
        rows = list(page[:size])
        if not rows:
            return
        yield rows
        last = rows[-1]


def rebuild(since=None, *, now=None, batch=5000, progress=None):
    """Recompute the rows from day `since` on (every row without it) and move the
    watermark to now − LAG. Cases are replayed in filing order, and a day's rows are
    written as soon as no case left can add to it, so memory holds a few weeks of days at
    most. Returns the number of facts."""
    now = now or timezone.now()
    until = now - LAG
    reached = indicators.covered_until()
    if reached is None:
        since = None  # no rows yet: everything
    elif since is not None:
        # Facts between the last watermark and `since` must not be left out.
        since = min(since, local_day(reached))
    start = datetime.combine(since, time.min, TZ) if since else None
    after = start - timedelta(microseconds=1) if start else None
    cats = indicators.categories()
    total = done = 0
    with transaction.atomic():
        state = _lock(until)
        rows = IndicatorDay.objects.all()
        if since:
            rows = rows.filter(grain__in=GRAINS, day__gte=since)
        rows.delete()
        pending, late, written = defaultdict(_new), defaultdict(_new), set()
        for ids in _batches(_cases_with_facts_since(start), batch):
            events = Event.objects.filter(case_id__in=[i for _, i in ids])
            facts = indicators.facts_between(events, after, until, cats)
            total += len(facts)
            for key, acc in _base(facts).items():
                _add((late if key[0] in written else pending)[key], acc)
            # No case filed later has a fact before its filing day.
            complete = local_day(ids[-1][0])
            ready = {k: v for k, v in pending.items() if k[0] < complete}
            _write(ready)
            written |= {k[0] for k in ready}
            for key in ready:
                del pending[key]
            done += len(ids)
            if progress:
                progress(done)
        _write(pending)
        _merge(_cube(late))
        state.covered_until, state.updated_at = until, now
        state.save()
    return total


COLUMNS = ("day", "grain", "party_key", "category_key", "area_key", *COUNTERS, "handling")


def _write(base):
    """Insert the cube of `base` (new rows only): COPY on PostgreSQL, a million rows take
    seconds where bulk_create would take minutes."""
    cube = _cube(base)
    if connection.vendor != "postgresql":
        IndicatorDay.objects.bulk_create((_row(k, f) for k, f in cube.items()), batch_size=2000)
        return
    table = IndicatorDay._meta.db_table
    sql = f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        for key, acc in cube.items():
            copy.write_row((*key, *acc[:_N], json.dumps(acc[_N])))
