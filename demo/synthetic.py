"""Bulk synthetic cases for benchmarks (manage.py generate_cases).

One million cases cannot go through perform() one by one in minutes, so this module
replays the same table in memory: every step is looked up in workflow.ACTIONS and refused
if the table does not allow it from the current state, deadlines come from the same
working-time clock, and the rows written are those perform() would write (a case row and
its events). On PostgreSQL they are streamed with COPY.
"""

import json
import random
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cases import alarms, ledger, search, sla
from cases.models import Alarm, Area, Case, Category, Event, Membership, Role, Sequence, State
from cases.workflow import ACTIONS, REPORTER
from demo import texts
from demo.street import random_point_in

CASE_COLUMNS = [
    "number",
    "token",
    "category_id",
    "description",
    "answers",
    "lat",
    "lng",
    "address",
    "area_id",
    "channel",
    "external_id",
    "priority",
    "state",
    "lead_party_id",
    "dispatch_due",
    "accept_due",
    "contact_due",
    "resolve_due",
    "verify_due",
    "due_at",
    "created_at",
    "updated_at",
    "dispatched_at",
    "accepted_at",
    "contacted_at",
    "resolved_at",
    "closed_at",
    "supervised_at",
    "rework_count",
    "return_count",
    "reopen_count",
    "satisfaction",
    "created_by_id",
    "search",
    "chain_head",
    "chain_length",
]
EVENT_COLUMNS = [
    "case_id",
    "kind",
    "actor_id",
    "actor_role",
    "actor_party_id",
    "cause",
    "from_state",
    "to_state",
    "note",
    "data",
    "created_at",
    "seq",
    "nonce",
    "content_hash",
    "prev_hash",
    "chain_hash",
]
ALARM_COLUMNS = ["case_id", "kind", "step", "deadline", "fire_at"]
# Distinct descriptions per category (demo/texts.py): varied like the seed's, yet few
# enough that each is cut into search tokens once.
TEXTS_PER_CATEGORY = 60


@dataclass
class _Sim:
    """A case being played forward; mirrors the fields perform() maintains."""

    category: Category
    at: object
    now: object
    clock: sla.Clock
    rng: random.Random
    row: dict
    events: list = field(default_factory=list)

    def act(self, action, role, user_id, party_id, hours, data=None, note=""):
        spec = ACTIONS[action]
        state = self.row["state"]
        if state not in spec.sources or role not in spec.roles:
            raise AssertionError(f"the table does not allow {action} by {role} from {state}")
        at = self.clock.add(self.at, self.rng.uniform(*hours))
        if at >= self.now:
            return False
        self.at = at
        apply = getattr(self, f"_{action}", None)
        if apply:
            apply(at, party_id)
        if spec.target:
            self.row["state"] = spec.target
        step = sla.step_for_state(self.row["state"])
        self.row["due_at"] = self.row[step.field] if step else None
        self.row["updated_at"] = at
        self.events.append(
            (
                action,
                user_id,
                role,
                party_id,
                "" if user_id or role == REPORTER else "synthetic",
                state if spec.target else "",
                spec.target or "",
                note,
                data or {},
                at,
            )
        )
        return True

    def _set_deadlines(self, action, at):
        """As the workflow does: the deadlines `action` starts (sla.STEPS), from the
        category's limits."""
        c, urgent = self.category, self.category.is_urgent
        for step in sla.started_by(action):
            limit = getattr(c, step.limit)
            self.row[step.field] = self.clock.deadline(at, limit, calendar_hours=urgent)

    def _stop_clock(self):
        self.row.update({step.field: None for step in sla.STEPS})

    def _dispatch(self, at, party_id):
        self.row["lead_party_id"] = self._next_party
        self.row.update(
            dispatch_due=None,
            verify_due=None,
            dispatched_at=at,
            accepted_at=None,
            contacted_at=None,
            resolved_at=None,
        )
        self._set_deadlines("dispatch", at)

    def _return(self, at, party_id):
        self._stop_clock()
        self.row.update(lead_party_id=None, return_count=self.row["return_count"] + 1)
        self._set_deadlines("return", at)

    def _accept(self, at, party_id):
        self.row["accepted_at"] = at

    def _contact(self, at, party_id):
        self.row["contacted_at"] = self.row["contacted_at"] or at

    def _resolve(self, at, party_id):
        self.row["resolved_at"] = at
        self._set_deadlines("resolve", at)

    def _rework(self, at, party_id):
        self.row.update(resolved_at=None, verify_due=None)
        self.row["rework_count"] += 1
        self._set_deadlines("rework", at)

    def _verify(self, at, party_id):
        self.row.update(closed_at=at, verify_due=None, satisfaction="")

    def _rate(self, at, party_id):
        self.row["satisfaction"] = self._rating

    def _reject(self, at, party_id):
        self.row["dispatch_due"] = None

    def _escalate(self, at, party_id):
        self._stop_clock()

    def _supervise(self, at, party_id):
        self.row["supervised_at"] = at


class Generator:
    def __init__(self, count, days, seed):
        self.count, self.days = count, days
        self.rng = random.Random(seed)
        self._vectors = {}
        self.now = timezone.now()
        self.categories = list(Category.objects.filter(parent__isnull=False, is_active=True))
        texts_rng = random.Random(seed)
        self.texts = {
            c.code: [texts.describe(c.code, texts_rng) for _ in range(TEXTS_PER_CATEGORY)]
            for c in self.categories
        }
        self.urgent = {c.pk: c.is_urgent for c in self.categories}
        if not self.categories:
            raise RuntimeError("No categories: run seed_demo first.")
        self.areas = [a for a in Area.objects.exclude(boundary=None) if a.depth >= 2]
        handlers = Membership.objects.filter(role=Role.HANDLER, is_active=True)
        self.handlers = {}
        for m in handlers.order_by("id"):
            self.handlers.setdefault(m.party_id, m.user_id)
        self.parties = sorted(self.handlers)

        def staff(role):
            m = Membership.objects.filter(role=role, is_active=True).order_by("id").first()
            if m is None:
                raise RuntimeError(f"No {role} account: run seed_demo first.")
            return m.user_id, m.party_id

        self.dispatcher = staff(Role.DISPATCHER)
        self.inspector = staff(Role.INSPECTOR)
        self.supervisor = staff(Role.SUPERVISOR)
        # A month of margin: reminders are planned back from the oldest deadlines too.
        start = timezone.localdate() - timedelta(days=days + 31)
        self.clock = sla.Clock(start, timezone.localdate() + timedelta(days=400))

    def _search(self, text):
        """The tsvector of a description, as COPY reads it (the texts repeat: cut once)."""
        if text not in self._vectors:
            self._vectors[text] = search.tsvector_literal(search.tokens(text))
        return self._vectors[text]

    def alarms_for(self, row):
        """The alarms still to come of an open case, as the workflow would have set them
        (cases.alarms): (kind, step, deadline, fire_at)."""
        urgent = self.urgent[row["category_id"]]
        return alarms.planned_for_open_case(
            row, calendar_hours=urgent, after=self.now, clock=self.clock
        )

    def _point(self):
        area = self.rng.choice(self.areas)
        return area.id, *random_point_in(self.rng, area)

    def filing_times(self):
        """When the cases were filed, oldest first, so numbers follow time."""
        now = self.now
        offsets = sorted(
            (self.rng.uniform(60, self.days * 86400) for _ in range(self.count)), reverse=True
        )
        return [now - timedelta(seconds=s) for s in offsets]

    def simulate(self, created):
        """(case row, events) for one synthetic case filed at `created`."""
        rng, now = self.rng, self.now
        category = rng.choice(self.categories)
        area_id, lat, lng = self._point()
        text = rng.choice(self.texts[category.code])
        row = dict(
            number=None,
            token=secrets.token_urlsafe(24),
            category_id=category.id,
            description=text,
            answers={},
            lat=lat,
            lng=lng,
            address="",
            area_id=area_id,
            channel=Case.Channel.WEB,
            external_id="",
            priority="normal",
            state=State.REPORTED,
            lead_party_id=None,
            dispatch_due=None,
            accept_due=None,
            contact_due=None,
            resolve_due=None,
            verify_due=None,
            due_at=None,
            created_at=created,
            updated_at=created,
            dispatched_at=None,
            accepted_at=None,
            contacted_at=None,
            resolved_at=None,
            closed_at=None,
            supervised_at=None,
            rework_count=0,
            return_count=0,
            reopen_count=0,
            satisfaction="",
            created_by_id=None,
            search=self._search(text),
        )
        sim = _Sim(category, created, now, self.clock, rng, row)
        sim._set_deadlines("file", created)
        row["due_at"] = row["dispatch_due"]
        filed = {"channel": "web", "dispatch_due": row["dispatch_due"].isoformat()}
        sim.events.append(
            ("file", None, REPORTER, None, "", "", State.REPORTED, "", filed, created)
        )
        self._play(sim, recent=(now - created) < timedelta(days=10))
        return row, sim.events

    def _dispatch(self, sim):
        sim._next_party = party = self.rng.choice(self.parties)
        return sim.act(
            "dispatch",
            Role.DISPATCHER,
            *self.dispatcher,
            (0.1, 3),
            data={"lead_party": party, "co_parties": []},
        )

    def _play(self, sim, recent):
        rng = sim.rng
        d_user, d_party = self.dispatcher
        i_user, i_party = self.inspector
        roll = rng.random()
        if roll < 0.05:
            sim.act("reject", Role.DISPATCHER, d_user, d_party, (0.2, 4), note="不属于受理范围")
            return
        if recent and roll < 0.09:
            return
        if not self._dispatch(sim):
            return
        if rng.random() < 0.05:
            party = sim.row["lead_party_id"]
            if not sim.act(
                "return",
                Role.HANDLER,
                self.handlers[party],
                party,
                (0.2, 4),
                note="不属于本单位职责",
            ):
                return
            if not self._dispatch(sim):
                return
        party = sim.row["lead_party_id"]
        handler = self.handlers[party]
        if recent and rng.random() < 0.1:
            return
        if not sim.act("accept", Role.HANDLER, handler, party, (0.1, 3)):
            return
        if rng.random() < 0.85:
            sim.act("contact", Role.HANDLER, handler, party, (0.2, 8), note="已联系报告人")
        if recent and rng.random() < 0.15:
            return
        if rng.random() < 0.03 and sim.row["due_at"] and sim.row["due_at"] < sim.at:
            sim.act("supervise", Role.SUPERVISOR, *self.supervisor, (0.2, 4))
        resolved = sim.act("resolve", Role.HANDLER, handler, party, (1, 40), note="已处置")
        if resolved and rng.random() < 0.1:
            resolved = sim.act(
                "rework", Role.INSPECTOR, i_user, i_party, (0.5, 8), note="复核未通过"
            ) and sim.act("resolve", Role.HANDLER, handler, party, (1, 16), note="已整改")
        if not resolved or (recent and rng.random() < 0.1):
            return
        if sim.act("verify", Role.INSPECTOR, i_user, i_party, (0.5, 8)) and rng.random() < 0.6:
            sim._rating = rng.choices(list(Case.Satisfaction.values), [70, 22, 8])[0]
            sim.act("rate", REPORTER, None, None, (0.5, 16), data={"rating": sim._rating})


class _Numbers:
    """Gapless case numbers per year, continuing each year's Sequence row, which stays
    locked until the transaction ends."""

    def __init__(self):
        self.next = {}

    def lock(self, times):
        """Lock the rows of the years in `times` (before a COPY: no queries during one)."""
        for year in {timezone.localtime(at).year for at in times} - set(self.next):
            Sequence.objects.get_or_create(name=f"case-{year}")
            seq = Sequence.objects.select_for_update().get(name=f"case-{year}")
            self.next[year] = seq.value

    def take(self, at):
        year = timezone.localtime(at).year
        self.next[year] += 1
        return f"{settings.HONGMEI_CASE_PREFIX}-{year}-{self.next[year]:06d}"

    def save(self):
        for year, value in self.next.items():
            Sequence.objects.filter(name=f"case-{year}").update(value=value)
        self.next = {}


_CHAINED = ("seq", "nonce", "content_hash", "prev_hash", "chain_hash")


def _chain(row, events):
    """Seal the simulated events into the case's hash chain, as perform() would have (the
    case row gets its head); returns the event tuples with their chain columns added."""
    case = SimpleNamespace(number=row["number"], chain_head="", chain_length=0)
    chained = []
    for event in events:
        link = SimpleNamespace(**dict(zip(EVENT_COLUMNS[1:11], event, strict=True)))
        ledger.seal(case, link)
        chained.append((*event, *(getattr(link, name) for name in _CHAINED)))
    row["chain_head"], row["chain_length"] = case.chain_head, case.chain_length
    return chained


def _text(value):
    if value is None:
        return "\\N"
    if isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    elif hasattr(value, "isoformat"):
        value = value.isoformat()
    else:
        value = str(value)
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _skip_row_triggers(cursor):
    """The rows are consistent by construction (ids reserved above, configuration read
    from the database), so a superuser skips the per-row foreign-key checks, which cost a
    third of the time. Other roles keep them."""
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    (superuser,) = cursor.fetchone()
    if superuser:
        cursor.execute("SET LOCAL session_replication_role = replica")


def _reserve_ids(cursor, count):
    cursor.execute("LOCK TABLE cases_case IN SHARE ROW EXCLUSIVE MODE")
    cursor.execute("SELECT pg_get_serial_sequence('cases_case', 'id')")
    (sequence,) = cursor.fetchone()
    cursor.execute("SELECT nextval(%s)", [sequence])
    (first,) = cursor.fetchone()
    cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


def _write_postgres(generator, times, numbers):
    """Stream the cases with COPY while simulating them (the server ingests while Python
    works), keeping their events for a second COPY."""
    event_lines, alarm_lines = [], []
    with connection.cursor() as cursor:
        _skip_row_triggers(cursor)
        first = _reserve_ids(cursor, len(times))
        columns = ", ".join(["id", *CASE_COLUMNS])
        with cursor.copy(f"COPY cases_case ({columns}) FROM STDIN") as copy:
            for case_id, created in enumerate(times, start=first):
                row, events = generator.simulate(created)
                row["number"] = numbers.take(created)
                events = _chain(row, events)
                prefix = str(case_id)
                copy.write("\t".join([prefix] + [_text(row[c]) for c in CASE_COLUMNS]) + "\n")
                event_lines.extend(
                    "\t".join([prefix] + [_text(v) for v in event]) + "\n" for event in events
                )
                alarm_lines.extend(
                    "\t".join([prefix] + [_text(v) for v in alarm]) + "\n"
                    for alarm in generator.alarms_for(row)
                )
        with cursor.copy(f"COPY cases_event ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
            for start in range(0, len(event_lines), 5000):
                copy.write("".join(event_lines[start : start + 5000]))
        with cursor.copy(f"COPY cases_alarm ({', '.join(ALARM_COLUMNS)}) FROM STDIN") as copy:
            copy.write("".join(alarm_lines))


def _write_orm(generator, times, numbers):
    for created in times:
        row, events = generator.simulate(created)
        row["number"] = numbers.take(created)
        events = _chain(row, events)
        row["search"] = None  # a tsvector exists on PostgreSQL only
        case = Case.objects.create(**row)
        Event.objects.bulk_create(
            Event(case=case, **dict(zip(EVENT_COLUMNS[1:], event, strict=True))) for event in events
        )
        Alarm.objects.bulk_create(
            Alarm(case=case, **dict(zip(ALARM_COLUMNS[1:], alarm, strict=True)))
            for alarm in generator.alarms_for(row)
        )


def generate(count, *, days=365, seed=1, batch=50_000, progress=None):
    """Create `count` synthetic cases filed over the last `days` days; returns the count."""
    generator = Generator(count, days, seed)
    times = generator.filing_times()
    write = _write_postgres if connection.vendor == "postgresql" else _write_orm
    numbers = _Numbers()
    for start in range(0, count, batch):
        with transaction.atomic():
            numbers.lock(times[start : start + batch])
            write(generator, times[start : start + batch], numbers)
            numbers.save()
        if progress:
            progress(min(start + batch, count))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE cases_case")
            cursor.execute("ANALYZE cases_event")
            cursor.execute("ANALYZE cases_alarm")
    return count
