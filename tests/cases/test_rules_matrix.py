"""Every state-changing action × every state × every kind of actor, checked against the
design's table (tests/design_rules.py, typed out from design §6), never against the code's
own ACTIONS.

Each case is brought to its state along the usual path: dispatched to 航天新苑居委 (lead,
handler `hangtian`) with 永兆居委 as co-party (handler `yongzhao`); 钦北居委 (`qinbei`) has no
part in it. A case that is reported, awaiting the meeting or rejected has no lead party, so
no handler may act on it (design §2: a handler never acts on a case not assigned to their
party). Each attempt runs in a savepoint that is rolled back, so every action starts from
the same case.

An allowed action must succeed and land in the design's target state, with an event saying
from → to; a refused one must raise a WorkflowError and change nothing. The same expectation
is checked on what the workflow offers (allowed_actions: the portal's buttons and the API)
and on the buttons the staff case page shows.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from cases import workflow
from cases.models import Case
from cases.workflow import Actor
from tests import design_rules as design
from tests import factories
from tests.portal.helpers import buttons

# Who tries, and which of the design's roles each holds on the matrix's cases.
ACTORS = {
    "dispatcher": "dispatcher",
    "supervisor": "supervisor",
    "inspector": "inspector",
    "secretary": "secretary",
    "lead": "hangtian",
    "co_party": "yongzhao",
    "other_party": "qinbei",
    "reporter": None,
    "foreign_reporter": None,
    "system": None,
    "superuser": "admin",
}
STAFF = {"dispatcher", "supervisor", "inspector", "secretary", "lead", "co_party", "other_party"}
# States in which the case has a lead party (hangtian) and an active co-party (yongzhao).
ASSIGNED = {design.DISPATCHED, design.IN_PROGRESS, design.RESOLVED, design.CLOSED}


class _Rollback(Exception):
    pass


def design_roles(actor_name, state):
    """The design's roles `actor_name` holds on a matrix case in `state`."""
    if actor_name in ("dispatcher", "supervisor", "inspector", "secretary", "reporter", "system"):
        return {actor_name}
    if actor_name == "lead" and state in ASSIGNED:
        return {"lead"}
    return set()  # co-party, other party, foreign reporter, superuser without a membership


def expected_allowed(action, state, actor_name):
    sources, _target, roles = design.TRANSITIONS[action]
    return state in sources and bool(roles & design_roles(actor_name, state))


def undecided(action, state, actor_name):
    sources = design.TRANSITIONS[action][0]
    return (action, actor_name) in design.UNDECIDED and state in sources and state in ASSIGNED


def matrix_case(street, state):
    case = factories.case_in(street, state)
    if state == design.CLOSED:
        # The reporter's reopen needs a dissatisfied rating within 7 days (its conditions
        # are tested in test_rule_mutants.py); here only the table is at stake.
        case = factories.act(street, case, "rate", "reporter", rating="dissatisfied")
    return case


def make_actor(street, actor_name, case, foreign_token):
    if actor_name == "reporter":
        return Actor.reporter(case.token)
    if actor_name == "foreign_reporter":
        return Actor.reporter(foreign_token)
    if actor_name == "system":
        return Actor.system("rules matrix")
    return Actor.staff(street.users[ACTORS[actor_name]])


def inputs_for(action, street):
    future = timezone.now() + timedelta(days=30)
    p = street.parties
    return {
        "dispatch": {"lead_party": p["cityops"]},
        "reject": {"reason": "不属于街道管辖"},
        "accept": {},
        "return": {"reason": "不属于本单位"},
        "reassign": {"lead_party": p["cityops"], "reason": "改派城管"},
        "escalate": {"reason": "需要联席会议协调"},
        "decide": {"lead_party": p["rc-hangtian"], "deadline": future},
        "resolve": {"note": "已处置", "open_shares_reason": "协办部分已一并完成"},
        "verify": {},
        "rework": {"reason": "未整改到位"},
        "reopen": {"reason": "问题反复出现"},
    }[action]


@pytest.mark.parametrize("actor_name", list(ACTORS))
@pytest.mark.parametrize("state", design.STATES)
def test_every_action_as_the_design_says(street, state, actor_name):
    case = matrix_case(street, state)
    foreign = factories.new_case(street)
    actor = make_actor(street, actor_name, case, foreign.token)
    offered = set(workflow.allowed_actions(case, actor))
    wrong = []
    for action, (_sources, target, _roles) in design.TRANSITIONS.items():
        if undecided(action, state, actor_name):
            continue
        allowed = expected_allowed(action, state, actor_name)
        if (action in offered) != allowed:
            wrong.append(f"{action}: offered={action in offered}, design allows={allowed}")
        events_before = case.events.count()
        try:
            with transaction.atomic():
                fresh = Case.objects.get(pk=case.pk)
                try:
                    event = workflow.perform(
                        fresh, action, actor=actor, **inputs_for(action, street)
                    )
                except workflow.WorkflowError as error:
                    if allowed:
                        wrong.append(f"{action}: refused ({error}) but the design allows it")
                    after = Case.objects.get(pk=case.pk)
                    if after.state != state or after.events.count() != events_before:
                        wrong.append(f"{action}: refused but the case changed")
                else:
                    after = Case.objects.get(pk=case.pk)
                    if not allowed:
                        wrong.append(f"{action}: performed but the design refuses it")
                    elif after.state != target:
                        wrong.append(f"{action}: landed in {after.state}, design says {target}")
                    elif (event.from_state, event.to_state) != (state, target):
                        wrong.append(f"{action}: event says {event.from_state}→{event.to_state}")
                raise _Rollback
        except _Rollback:
            pass
    assert wrong == [], f"{actor_name} on a {state} case"


@pytest.mark.parametrize("state", design.STATES)
def test_the_case_page_shows_the_design_buttons(client, street, state):
    """The staff case page offers exactly the design's state changes for each staff actor
    (a handler whose party has no part in the case does not see the case at all)."""
    case = matrix_case(street, state)
    for actor_name in sorted(STAFF):
        client.force_login(street.users[ACTORS[actor_name]])
        response = client.get(f"/staff/cases/{case.number}/")
        sees = actor_name in ("dispatcher", "supervisor", "inspector", "secretary") or (
            actor_name in ("lead", "co_party") and state in ASSIGNED
        )
        assert response.status_code == (200 if sees else 404), (state, actor_name)
        if not sees:
            continue
        shown = buttons(response.content.decode()) & set(design.TRANSITIONS)
        expected = {
            a
            for a in design.TRANSITIONS
            if expected_allowed(a, state, actor_name) and not undecided(a, state, actor_name)
        }
        undecided_shown = {a for a in shown if undecided(a, state, actor_name)}
        assert shown - undecided_shown == expected, (state, actor_name)


def test_the_code_table_has_the_design_rows():
    """The code's table has exactly the design's state-changing actions, each from the
    design's states to the design's state (a cheap, direct reading of the same rule the
    matrix checks by behaviour)."""
    from cases.workflow import ACTIONS

    changing_state = {name for name, spec in ACTIONS.items() if spec.target}
    assert changing_state == set(design.TRANSITIONS)
    for action, (sources, target, _roles) in design.TRANSITIONS.items():
        spec = ACTIONS[action]
        assert (set(spec.sources), spec.target) == (sources, target), action
