"""The case page shows a button for exactly the actions the workflow allows this user now,
for every role and state (derived from workflow.allowed_actions, never a second table)."""

import pytest

from cases import workflow
from cases.models import State
from cases.workflow import Actor
from tests import factories
from tests.portal.helpers import buttons, signed_in

USERS = ["dispatcher", "inspector", "supervisor", "secretary", "hangtian", "yongzhao"]
STATES = [
    State.REPORTED,
    State.DISPATCHED,
    State.IN_PROGRESS,
    State.AWAITING_MEETING,
    State.RESOLVED,
    State.CLOSED,
    State.REJECTED,
]


@pytest.mark.parametrize("state", STATES)
def test_buttons_are_exactly_the_allowed_actions(client, street, state):
    case = factories.case_in(street, state)
    for username in USERS:
        user = street.users[username]
        allowed = set(workflow.allowed_actions(case, Actor.staff(user)))
        response = signed_in(client, street, username).get(f"/staff/cases/{case.number}/")
        if state in (State.REPORTED, State.AWAITING_MEETING, State.REJECTED) and username in (
            "hangtian",
            "yongzhao",
        ):
            # Not assigned to any party: handlers do not see it at all.
            assert response.status_code == 404
            continue
        assert response.status_code == 200
        shown = buttons(response.content.decode())
        masked = username in ("hangtian", "yongzhao")  # handlers see the contact masked
        expected = allowed - {"show_contact"}
        if masked and "show_contact" in allowed:
            expected.add("show_contact")
        assert shown == expected, (state, username)


def test_a_pending_extension_shows_approve_and_deny_to_the_dispatcher(client, street):
    from datetime import timedelta

    from django.utils import timezone

    case = factories.case_in(street, State.IN_PROGRESS)
    case = factories.act(
        street,
        case,
        "request_extension",
        "hangtian",
        deadline=timezone.now() + timedelta(days=20),
        reason="等待商户配合",
    )
    shown = buttons(
        signed_in(client, street, "dispatcher").get(f"/staff/cases/{case.number}/").content.decode()
    )
    assert {"approve_extension", "deny_extension"} <= shown
    shown = buttons(
        signed_in(client, street, "hangtian").get(f"/staff/cases/{case.number}/").content.decode()
    )
    assert "request_extension" not in shown
