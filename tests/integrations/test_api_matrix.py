"""The rules matrix through the REST API: representative cells of every state-changing
action (POST /api/cases/{number}/actions/{action}/), expected from the design's table typed
by hand (tests/design_rules.py). Per action: the design's performer in a state the action
starts from (performed: 200, the design's target state), someone the design does not name
in that state, and the design's performer in a state the action does not start from (both
refused: 403, 404 or 409, the case unchanged). The full matrix runs through perform() in
tests/cases/test_rules_matrix.py."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Case
from tests import design_rules as design
from tests.cases.test_rules_matrix import ACTORS, expected_allowed, matrix_case

# action: (a performer the design names, a state it starts from, someone it does not name,
# a state it does not start from)
CELLS = {
    "dispatch": ("dispatcher", design.REPORTED, "inspector", design.DISPATCHED),
    "reject": ("dispatcher", design.REPORTED, "supervisor", design.IN_PROGRESS),
    "accept": ("lead", design.DISPATCHED, "co_party", design.IN_PROGRESS),
    "return": ("lead", design.DISPATCHED, "dispatcher", design.RESOLVED),
    "reassign": ("dispatcher", design.IN_PROGRESS, "lead", design.RESOLVED),
    "escalate": ("dispatcher", design.REPORTED, "secretary", design.DISPATCHED),
    "decide": ("secretary", design.AWAITING_MEETING, "dispatcher", design.REPORTED),
    "resolve": ("lead", design.IN_PROGRESS, "inspector", design.DISPATCHED),
    "verify": ("inspector", design.RESOLVED, "lead", design.IN_PROGRESS),
    "rework": ("dispatcher", design.RESOLVED, "supervisor", design.CLOSED),
    "reopen": ("supervisor", design.CLOSED, "dispatcher", design.RESOLVED),
}


def payload(action):
    deadline = (timezone.now() + timedelta(days=30)).isoformat()
    return {
        "dispatch": {"lead_party": "cityops"},
        "reassign": {"lead_party": "cityops", "reason": "改派城管"},
        "decide": {"lead_party": "rc-hangtian", "deadline": deadline},
        "resolve": {"note": "已处置", "open_shares_reason": "协办部分已一并完成"},
        "accept": {},
        "verify": {},
    }.get(action, {"reason": "原因"})


def cells():
    for action, (performer, state, stranger, elsewhere) in CELLS.items():
        yield action, performer, state, True
        yield action, stranger, state, False
        yield action, performer, elsewhere, False


@pytest.mark.parametrize(("action", "actor_name", "state", "allowed"), list(cells()))
def test_the_api_acts_as_the_design_says(street, api_as, action, actor_name, state, allowed):
    assert expected_allowed(action, state, actor_name) == allowed  # the cell is the design's
    case = matrix_case(street, state)
    events = case.events.count()
    response = api_as(ACTORS[actor_name]).post(
        f"/api/cases/{case.number}/actions/{action}/", payload(action), format="json"
    )
    after = Case.objects.get(pk=case.pk)
    if allowed:
        assert response.status_code == 200, response.content
        assert after.state == design.TRANSITIONS[action][1]
        event = response.json()["event"]
        assert (event["kind"], event["to_state"]) == (action, after.state)
    else:
        assert response.status_code in (403, 404, 409), response.content
        assert after.state == state and after.events.count() == events
