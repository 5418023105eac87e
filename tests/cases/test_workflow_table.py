"""Every (state, action) pair: allowed ones move the case and record the event; the others
are refused with the right error and change nothing.

The expectations here come from the code's own table (ACTIONS), so this file checks the
mechanics (events, error kinds, nothing changed on refusal), not the rules: those are
checked against the design's table, typed out by hand, in test_rules_matrix.py."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases import workflow
from cases.models import Role, State
from cases.workflow import ACTIONS, REPORTER, SYSTEM, Actor
from tests import factories

# Who performs each action in this test: the first role the table names, except reopen,
# which a reporter may do only after a dissatisfied rating (tested on its own).
ROLE_USERS = {
    Role.DISPATCHER: "dispatcher",
    Role.INSPECTOR: "inspector",
    Role.SUPERVISOR: "supervisor",
    Role.SECRETARY: "secretary",
}
OVERRIDES = {"reopen": Role.SUPERVISOR}


def actor_for(spec, case, street):
    role = OVERRIDES.get(spec.name, spec.roles[0])
    if role == REPORTER:
        return Actor.reporter(case.token), None
    if role == SYSTEM:
        return Actor.system("test"), None
    if role == Role.HANDLER:
        username = "yongzhao" if spec.party == "share" else "hangtian"
        return factories.staff(street, username), street.parties[f"rc-{username}"]
    return factories.staff(street, ROLE_USERS[role]), None


def inputs_for(action, street):
    future = timezone.now() + timedelta(days=30)
    return {
        "dispatch": {"lead_party": street.parties["cityops"]},
        "reject": {"reason": "重复"},
        "return": {"reason": "不属于本单位"},
        "reassign": {"lead_party": street.parties["cityops"], "reason": "改派城管"},
        "escalate": {"reason": "需要协调"},
        "decide": {"lead_party": street.parties["rc-hangtian"], "deadline": future},
        "resolve": {"note": "已处置", "open_shares_reason": "协办部分已一并完成"},
        "rework": {"reason": "未整改到位"},
        "reopen": {"reason": "问题反复"},
        "note": {"note": "备注"},
        "contact": {"note": "已电话联系"},
        "request_extension": {"deadline": future, "reason": "等待配合"},
        "deny_extension": {"reason": "不符合延期条件"},
        "rate": {"rating": "satisfied"},
        "dispute": {"reason": "没有处理"},
        "report_share": {"note": "协办已完成"},
        "recategorise": {"category": street.categories["noise"], "reason": "类别选错"},
    }.get(action, {})


def expected_refusal(case, party):
    """A handler whose party has no part in the case is told so before anything else."""
    if party is None:
        return workflow.InvalidState
    on_case = (
        case.lead_party_id == party.pk or case.shares.filter(party=party, is_active=True).exists()
    )
    return workflow.InvalidState if on_case else workflow.NotYourParty


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("state", list(State))
def test_action_in_state(street, state, action):
    spec = ACTIONS[action]
    case = factories.case_in(street, state)
    if action in ("approve_extension", "deny_extension") and state == State.IN_PROGRESS:
        case = factories.act(
            street,
            case,
            "request_extension",
            "hangtian",
            deadline=case.resolve_due + timedelta(days=3),
            reason="等待配合",
        )
    actor, party = actor_for(spec, case, street)
    events_before = case.events.count()
    if state in spec.sources:
        event = workflow.perform(case, action, actor=actor, **inputs_for(action, street))
        case.refresh_from_db()
        assert event.kind == action
        assert case.state == (spec.target or state)
        assert (event.from_state, event.to_state) == (
            (state, spec.target) if spec.target else ("", "")
        )
        assert case.events.count() == events_before + 1 + (action == "reject" and 0)
    else:
        with pytest.raises(expected_refusal(case, party)):
            workflow.perform(case, action, actor=actor, **inputs_for(action, street))
        fresh = type(case).objects.get(pk=case.pk)
        assert fresh.state == state
        assert fresh.updated_at == case.updated_at
        assert fresh.events.count() == events_before
