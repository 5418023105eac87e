"""Which deadlines the staff case page shows in each state (docs/workflow.md, "Deadlines").

The rule, stated here on its own: a dispatched case shows its acceptance, first-contact and
resolution deadlines (the resolution clock runs from dispatch); an accepted case, first
contact until the reporter is contacted, and resolution; a resolved case, verification;
a case waiting for the dispatcher (new or returned), its intake deadline (issue 16: two
working hours by default); a case with no one's clock running (escalated, closed), none.

Noise: accept within 1 working hour, first contact within 4, resolve within 16, verify
within 8. Office hours 09:00–12:00 and 13:00–18:00; 23 November 2026 is a Monday.
"""

import re

from cases.models import State
from tests import factories
from tests.factories import act, aware
from tests.portal.helpers import signed_in

MONDAY = aware(2026, 11, 23, 9, 0)
ACCEPT, CONTACT, RESOLVE, VERIFY = "签收时限", "先行联系时限", "处置时限", "核查时限"
DISPATCH = "派遣时限"


def shown(client, street, case, username="dispatcher"):
    """(label, due) of the deadlines the case page shows, top to bottom."""
    html = signed_in(client, street, username).get(f"/staff/cases/{case.number}/")
    html = html.content.decode()
    block = re.search(r'<ul class="deadlines">(.*?)</ul>', html, re.S)
    if block is None:
        return []
    return re.findall(r"<span>([^<]+)</span> <time [^>]*>([^<]+)</time>", block.group(1))


def dispatched(street, at=MONDAY):
    case = factories.new_case(street, "noise", at=at)
    hangtian = street.parties["rc-hangtian"]
    return act(street, case, "dispatch", "dispatcher", lead_party=hangtian, at=at)


def test_a_reported_case_shows_its_intake_deadline(client, street):
    case = factories.new_case(street, "noise", at=MONDAY)
    assert shown(client, street, case) == [(DISPATCH, "2026-11-23 11:00")]


def test_a_dispatched_case_shows_acceptance_contact_and_resolution(client, street):
    case = dispatched(street)
    assert case.state == State.DISPATCHED
    assert shown(client, street, case) == [
        (ACCEPT, "2026-11-23 10:00"),
        (CONTACT, "2026-11-23 14:00"),
        (RESOLVE, "2026-11-24 18:00"),  # Monday 8 working hours + Tuesday 8
    ]
    assert shown(client, street, case, "hangtian") == shown(client, street, case)


def test_a_dispatch_through_the_page_shows_the_three_deadlines(client, street):
    case = factories.new_case(street, "noise")
    signed_in(client, street, "dispatcher").post(
        f"/staff/cases/{case.number}/actions/dispatch/",
        {"dispatch-lead_party": street.parties["rc-hangtian"].pk},
    )
    assert [label for label, _ in shown(client, street, case)] == [ACCEPT, CONTACT, RESOLVE]


def test_an_accepted_case_shows_contact_until_the_reporter_is_contacted(client, street):
    case = dispatched(street)
    case = act(street, case, "accept", "hangtian", at=aware(2026, 11, 23, 9, 30))
    assert shown(client, street, case) == [
        (CONTACT, "2026-11-23 14:00"),
        (RESOLVE, "2026-11-24 18:00"),  # acceptance does not move it
    ]
    case = act(street, case, "contact", "hangtian", note="已电话联系", at=MONDAY.replace(hour=10))
    assert shown(client, street, case) == [(RESOLVE, "2026-11-24 18:00")]


def test_a_resolved_case_shows_verification_and_rework_a_fresh_resolution(client, street):
    case = dispatched(street)
    case = act(street, case, "accept", "hangtian", at=aware(2026, 11, 23, 9, 30))
    case = act(street, case, "contact", "hangtian", note="已电话联系", at=MONDAY.replace(hour=10))
    case = act(street, case, "resolve", "hangtian", note="已处理", at=MONDAY.replace(hour=11))
    assert shown(client, street, case) == [(VERIFY, "2026-11-24 11:00")]
    rework_at = aware(2026, 11, 23, 11, 30)
    case = act(street, case, "rework", "inspector", reason="仍有噪声", at=rework_at)
    assert case.state == State.IN_PROGRESS
    assert shown(client, street, case) == [(RESOLVE, "2026-11-25 11:30")]
    case = act(street, case, "resolve", "hangtian", note="已整改", at=MONDAY.replace(hour=14))
    case = act(street, case, "verify", "inspector", at=MONDAY.replace(hour=15))
    assert case.state == State.CLOSED
    assert shown(client, street, case) == []


def test_a_returned_case_shows_intake_afresh_and_an_escalated_one_none(client, street):
    case = dispatched(street)
    case = act(street, case, "return", "hangtian", reason="不属本单位", at=MONDAY.replace(hour=10))
    assert case.state == State.REPORTED
    assert shown(client, street, case) == [(DISPATCH, "2026-11-23 12:00")]
    case = act(street, case, "escalate", "dispatcher", reason="需要协调", at=MONDAY.replace(hour=9))
    assert case.state == State.AWAITING_MEETING
    assert shown(client, street, case) == []


def test_a_meetings_decision_shows_its_own_resolution_deadline(client, street):
    case = factories.new_case(street, "noise", at=MONDAY)
    case = act(street, case, "escalate", "dispatcher", reason="需要协调", at=MONDAY)
    decided = aware(2027, 1, 15, 17, 0)
    case = act(
        street,
        case,
        "decide",
        "secretary",
        lead_party=street.parties["cityops"],
        deadline=decided,
        at=MONDAY.replace(hour=10),
    )
    assert case.state == State.DISPATCHED
    assert shown(client, street, case) == [
        (ACCEPT, "2026-11-23 11:00"),
        (CONTACT, "2026-11-23 15:00"),
        (RESOLVE, "2027-01-15 17:00"),
    ]


def test_a_reassigned_case_starts_every_deadline_afresh(client, street):
    case = dispatched(street)
    case = act(street, case, "accept", "hangtian", at=aware(2026, 11, 23, 9, 30))
    case = act(
        street,
        case,
        "reassign",
        "dispatcher",
        lead_party=street.parties["rc-qinbei"],
        reason="属钦北",
        at=aware(2026, 11, 23, 13, 0),
    )
    assert shown(client, street, case) == [
        (ACCEPT, "2026-11-23 14:00"),
        (CONTACT, "2026-11-23 17:00"),
        (RESOLVE, "2026-11-25 12:00"),  # 5 + 8 + 3 working hours
    ]


def test_a_case_whose_deadline_lies_in_year_9999_still_shows_its_page(client, street):
    """A deadline from before deadlines were bounded (it cannot be entered now): the page
    answers 200 with the date, as the handler's queue does, instead of a server error."""
    case = dispatched(street)
    far = aware(9999, 12, 31, 18, 0)
    type(case).objects.filter(pk=case.pk).update(resolve_due=far, due_at=far, accept_due=far)
    assert (RESOLVE, "9999-12-31 18:00") in shown(client, street, case)
    handler = signed_in(client, street, "hangtian")
    assert handler.get("/staff/").status_code == 200
