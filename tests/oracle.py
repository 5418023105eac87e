"""An event-replay oracle: a small model of a case rebuilt from its events alone.

It reads only what each event says (kind, actor_role, actor_party, from/to state, data and
time) and the design's table typed out by hand (tests/design_rules.py); it never imports
cases.workflow's ACTIONS or Spec. From the history it rebuilds the case's state, lead party,
active co-party shares (and which have reported), the return / rework / reopen counters,
the satisfaction rating and the running resolution deadline (from the category's limit on
the working-time clock, the meeting's decision or an approved extension), checks that
each state change was made by someone the design allows
(a handler only for the lead party of the moment; the reporter's reopen only after a
dissatisfied rating and within 7 days of closing; a co-party's report only from an active
co-party, once; a resolution with unreported shares only with a reason naming them) and then
compares what it rebuilt with the case row.

    replay(events) -> Model          the rebuilt case
    oracle_problems(case) -> [str]   sentences; empty when the row agrees with its history
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cases import sla
from tests import design_rules as design

# Design §6: "reporter (dissatisfied, within 7 days)".
REOPEN_WINDOW = timedelta(days=7)
DISSATISFIED = "dissatisfied"
# The dispatches: each names a lead party and the co-parties, replacing the previous ones.
DISPATCHES = ("dispatch", "reassign", "decide")


@dataclass
class Model:
    state: str | None = None
    lead: int | None = None
    shares: dict = field(default_factory=dict)  # active co-party id -> reported?
    returns: int = 0
    reworks: int = 0
    reopens: int = 0
    satisfaction: str = ""
    closed_at: object = None
    resolve_due: object = None
    problems: list = field(default_factory=list)


def _role(event, model):
    """The design's name for who performed `event` (see design_rules' docstring)."""
    if event.actor_role == "handler":
        if model.lead is not None and event.actor_party_id == model.lead:
            return "lead"
        if event.actor_party_id in model.shares:
            return "co_party"
        return "other handler"
    return event.actor_role


def replay(events, limit=None):
    """Rebuild a case from its events (in time order). `limit(at)` gives the resolution
    deadline a round started at `at` gets from the category (design §5); without it the
    deadline is not rebuilt."""
    m = Model()
    for e in events:
        say = m.problems.append
        data = e.data or {}
        if e.kind == "file":
            if m.state is not None or e.to_state != design.INITIAL_STATE:
                say(f"filed again or into {e.to_state}")
            m.state = design.INITIAL_STATE
            continue
        if m.state is None:
            say(f"{e.kind} before filing")
            continue
        rule = design.TRANSITIONS.get(e.kind)
        if rule is not None:
            sources, target, roles = rule
            role = _role(e, m)
            if m.state not in sources:
                say(f"{e.kind} from {m.state}, which the design does not allow")
            if e.from_state != m.state or e.to_state != target:
                say(f"{e.kind} recorded {e.from_state}→{e.to_state}; model {m.state}→{target}")
            if role not in roles and (e.kind, role) not in design.UNDECIDED:
                say(f"{e.kind} by {role}, which the design does not allow")
            _effect(m, e, data, role, say)
            _deadline(m, e, data, limit)
            m.state = target
        elif e.to_state or e.from_state:
            say(f"{e.kind} is no state change of the design but moved {e.from_state}→{e.to_state}")
        elif e.kind == "report_share":
            party = data.get("party", e.actor_party_id)
            if m.state not in (design.DISPATCHED, design.IN_PROGRESS):
                say(f"report_share while {m.state}")
            if e.actor_role != "handler" or party not in m.shares:
                say(f"report_share by {e.actor_role} of party {party}, not an active co-party")
            elif m.shares[party]:
                say(f"party {party} reported on its share twice")
            else:
                m.shares[party] = True
        elif e.kind == "approve_extension":
            # Design §6: an approved extension becomes the resolution deadline.
            m.resolve_due = _moment(data.get("to"))
        elif e.kind == "rate":
            if m.state != design.CLOSED or m.satisfaction:
                say(f"rate while {m.state} (rated before: {m.satisfaction or 'no'})")
            if e.actor_role != "reporter":
                say(f"rate by {e.actor_role}")
            m.satisfaction = data.get("rating", "")
    return m


def _moment(text):
    return datetime.fromisoformat(text) if text else None


def _deadline(m, e, data, limit):
    """Design §5: a dispatch (or a rework) starts the resolution clock afresh from its own
    moment with the category's limit; the joint meeting's decision sets the deadline itself."""
    if limit is None:
        return
    if e.kind in ("dispatch", "reassign", "rework"):
        m.resolve_due = limit(e.created_at)
    elif e.kind == "decide":
        m.resolve_due = _moment(data.get("resolve_due"))


def _effect(m, e, data, role, say):
    if e.kind in DISPATCHES:
        m.lead = data.get("lead_party")
        # Every dispatch opens the co-parties' shares afresh (none reported yet).
        m.shares = dict.fromkeys(data.get("co_parties", []), False)
        if m.lead is None or m.lead in m.shares:
            say(f"{e.kind} with lead {m.lead} and co-parties {sorted(m.shares)}")
    elif e.kind in ("return", "reopen"):
        if e.kind == "return":
            m.returns += 1
        else:
            m.reopens += 1
            if role == "reporter" and (
                m.satisfaction != DISSATISFIED
                or m.closed_at is None
                or e.created_at > m.closed_at + REOPEN_WINDOW
            ):
                say(f"reporter reopened (rating {m.satisfaction!r}, closed {m.closed_at})")
        m.lead = None
        m.shares = {}
        m.satisfaction = ""
        m.closed_at = None
    elif e.kind == "rework":
        m.reworks += 1
    elif e.kind == "resolve":
        unreported = sorted(p for p, reported in m.shares.items() if not reported)
        if unreported and (
            sorted(data.get("open_shares", [])) != unreported or not data.get("open_shares_reason")
        ):
            say(f"resolved with unreported shares {unreported} but data {data}")
    elif e.kind == "verify":
        m.closed_at = e.created_at
        m.satisfaction = ""


def oracle_problems(case, events=None):
    """What the case row says that its history does not (and what the history breaks)."""
    if events is None:
        events = list(case.events.order_by("created_at", "id"))
    category = case.category

    def limit(at):
        return sla.deadline(at, category.resolve_hours, calendar_hours=case.calendar_hours)

    m = replay(events, limit)
    problems = [f"{case.number}: {p}" for p in m.problems]
    if case.state in (design.DISPATCHED, design.IN_PROGRESS) and case.resolve_due != m.resolve_due:
        problems.append(
            f"{case.number}: resolve_due is {case.resolve_due}, its events say {m.resolve_due}"
        )
    active = {s.party_id: s.reported_at is not None for s in case.shares.all() if s.is_active}
    rebuilt = {
        "state": m.state,
        "lead_party": m.lead,
        "active shares (party: reported)": m.shares,
        "return_count": m.returns,
        "rework_count": m.reworks,
        "reopen_count": m.reopens,
        "satisfaction": m.satisfaction,
    }
    row = {
        "state": case.state,
        "lead_party": case.lead_party_id,
        "active shares (party: reported)": active,
        "return_count": case.return_count,
        "rework_count": case.rework_count,
        "reopen_count": case.reopen_count,
        "satisfaction": case.satisfaction,
    }
    for key, value in rebuilt.items():
        if row[key] != value:
            problems.append(f"{case.number}: {key} is {row[key]!r}, its events say {value!r}")
    return problems
