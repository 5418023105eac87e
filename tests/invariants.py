"""What every case history must satisfy, whoever wrote it (workflow, seed, generator).

State changes are checked against the design's table as typed out by hand in
tests/design_rules.py, never against the code's ACTIONS: a wrong row in the code's table
shows up as a history the design does not allow.
"""

from itertools import pairwise

from cases import sla
from cases.models import Role, State
from cases.workflow import REPORTER, SYSTEM
from tests import design_rules as design


def history_problems(case, events=None):
    """Sentences describing what is wrong with `case`'s history; empty when consistent."""
    events = events if events is not None else list(case.events.order_by("created_at", "id"))
    problems = []
    moves = [e for e in events if e.to_state]
    if not moves or moves[0].kind != "file" or moves[0].to_state != State.REPORTED:
        return [f"{case.number}: history does not start with filing"]
    lead = None  # the lead party as the history tells it
    for before, after in pairwise(moves):
        rule = design.TRANSITIONS.get(after.kind)
        if rule is None or rule[1] != after.to_state:
            problems.append(f"{case.number}: {after.kind} cannot lead to {after.to_state}")
        if after.from_state != before.to_state:
            problems.append(
                f"{case.number}: {after.kind} from {after.from_state}, "
                f"but the case was {before.to_state}"
            )
        elif rule and after.from_state not in rule[0]:
            problems.append(f"{case.number}: {after.kind} is not allowed from {after.from_state}")
        if rule and _design_role(after, lead) not in rule[2]:
            problems.append(
                f"{case.number}: {after.kind} by {after.actor_role} "
                f"(party {after.actor_party_id}, lead {lead}) is not allowed by the design"
            )
        if after.kind in ("dispatch", "reassign", "decide"):
            lead = (after.data or {}).get("lead_party")
        elif after.kind in ("return", "reopen"):
            lead = None
    if case.state != moves[-1].to_state:
        problems.append(f"{case.number}: state {case.state} but history ends {moves[-1].to_state}")
    if case.state == State.CLOSED and moves[-1].kind != "verify":
        problems.append(f"{case.number}: closed without verification")
    problems.extend(_deadline_problems(case))
    for e in events:
        if e.actor_role == SYSTEM and not e.cause:
            problems.append(f"{case.number}: system event {e.kind} without a cause")
        elif e.actor_role in Role.values and e.actor_id is None:
            problems.append(f"{case.number}: staff event {e.kind} without an actor")
        elif e.actor_role not in (*Role.values, SYSTEM, REPORTER):
            problems.append(f"{case.number}: event {e.kind} by unknown role {e.actor_role}")
    times = [e.created_at for e in events]
    if times != sorted(times):
        problems.append(f"{case.number}: events out of time order")
    return problems


def _deadline_problems(case):
    """A case waiting on a step has the deadline of every step of its state (sla.STEPS)
    and that step's deadline as due_at, and a lead party unless it waits for intake
    (reported); any other case runs no clock."""
    current = sla.step_for_state(case.state)
    if current is None:
        return [f"{case.number}: a clock runs while {case.state}"] if case.due_at else []
    problems = []
    steps = [step for step in sla.STEPS if case.state in step.states]
    needs_lead = case.state != "reported"
    if (needs_lead and case.lead_party_id is None) or any(
        getattr(case, s.field) is None for s in steps
    ):
        problems.append(f"{case.number}: {case.state} without lead party or deadlines")
    if case.due_at != getattr(case, current.field):
        problems.append(f"{case.number}: due_at {case.due_at} is not the {current.field}")
    return problems


def _design_role(event, lead):
    """The design's name for who performed `event`: a handler counts as "lead" only when
    acting for the case's lead party at the time."""
    if event.actor_role == Role.HANDLER:
        return "lead" if lead is not None and event.actor_party_id == lead else "other handler"
    return event.actor_role
