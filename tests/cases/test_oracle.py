"""The event-replay oracle (tests/oracle.py) against every case the product's writers make:
the demo seed, the synthetic generator, the workflow itself; and proof that it can fail."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from cases.models import Case, Share, State
from tests import factories
from tests.oracle import oracle_problems, replay


def all_problems():
    problems = []
    for case in Case.objects.prefetch_related("events", "shares"):
        events = sorted(case.events.all(), key=lambda e: (e.created_at, e.id))
        problems += oracle_problems(case, events)
    return problems


def test_every_demo_case_agrees_with_its_events(db):
    call_command("seed_demo", "--cases", "200")
    assert Case.objects.count() >= 200
    assert all_problems() == []


def test_every_generated_case_agrees_with_its_events(street):
    call_command("generate_cases", "--count", "300", "--days", "60")
    assert Case.objects.count() == 300
    assert all_problems() == []


@pytest.mark.parametrize("state", State.values)
def test_cases_made_by_the_workflow_agree(street, state):
    case = factories.case_in(street, state)
    assert oracle_problems(case) == []


def test_the_oracle_sees_a_row_that_lies(street):
    case = factories.case_in(street, State.RESOLVED)
    Case.objects.filter(pk=case.pk).update(return_count=1, lead_party=street.parties["cityops"])
    Share.objects.filter(case=case).update(reported_at=None)
    problems = oracle_problems(Case.objects.get(pk=case.pk))
    assert any("return_count" in p for p in problems)
    assert any("lead_party" in p for p in problems)
    assert any("active shares" in p for p in problems)


def test_the_oracle_sees_a_resolution_deadline_its_events_do_not_give(street):
    """Design §5: the deadline runs from the dispatch with the category's limit; a row whose
    deadline was moved by hand, not by an approved extension, is named."""
    case = factories.case_in(street, State.IN_PROGRESS)
    assert oracle_problems(case) == []
    later = case.resolve_due + timedelta(hours=1)
    Case.objects.filter(pk=case.pk).update(resolve_due=later)
    problems = oracle_problems(Case.objects.get(pk=case.pk))
    assert any("resolve_due" in p for p in problems)


def ev(kind, role, party=None, frm="", to="", data=None, at=None):
    return SimpleNamespace(
        kind=kind,
        actor_role=role,
        actor_party_id=party,
        from_state=frm,
        to_state=to,
        data=data or {},
        created_at=at or factories.aware(2026, 9, 1, 9, 0),
    )


def test_the_oracle_sees_a_history_the_design_forbids():
    """The co-party accepting, an inspector dispatching, a resolution passing over an
    unreported share, and a reporter reopening after a good rating: each is named."""
    filed = ev("file", "reporter", to="reported")
    dispatch = ev(
        "dispatch", "dispatcher", 9, "reported", "dispatched", {"lead_party": 1, "co_parties": [2]}
    )
    m = replay([filed, dispatch, ev("accept", "handler", 2, "dispatched", "in_progress")])
    assert m.problems == ["accept by co_party, which the design does not allow"]
    m = replay([filed, ev("dispatch", "inspector", 9, "reported", "dispatched", {"lead_party": 1})])
    assert m.problems == ["dispatch by inspector, which the design does not allow"]
    accept = ev("accept", "handler", 1, "dispatched", "in_progress")
    m = replay([filed, dispatch, accept, ev("resolve", "handler", 1, "in_progress", "resolved")])
    assert len(m.problems) == 1 and "unreported shares [2]" in m.problems[0]
    closing = [
        ev(
            "resolve",
            "handler",
            1,
            "in_progress",
            "resolved",
            {"open_shares": [2], "open_shares_reason": "x"},
        ),
        ev("verify", "inspector", 9, "resolved", "closed"),
        ev("rate", "reporter", data={"rating": "satisfied"}),
        ev("reopen", "reporter", None, "closed", "reported"),
    ]
    m = replay([filed, dispatch, accept, *closing])
    assert len(m.problems) == 1 and "reporter reopened" in m.problems[0]
    assert (m.state, m.lead, m.shares, m.reopens) == ("reported", None, {}, 1)
