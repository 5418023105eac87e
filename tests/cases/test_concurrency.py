"""Two people act on the same case at the same moment: the row lock lets exactly one win."""

import threading
import time

import pytest
from django.db import connection

from cases import workflow
from cases.models import Case, Event, State
from tests import factories


def race(count, act):
    """Run act(i) in `count` threads released together; returns results or exceptions."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = act(i)
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_dispatch_the_same_case_at_once(monkeypatch):
    # Hold each transaction open a moment after its checks, so that without the row lock
    # both would pass them and write two dispatches.
    apply = workflow._apply

    def slow_apply(*args, **kwargs):
        time.sleep(0.3)
        return apply(*args, **kwargs)

    monkeypatch.setattr(workflow, "_apply", slow_apply)
    street = factories.street()
    case = factories.new_case(street)
    parties = [street.parties["cityops"], street.parties["market"]]
    dispatcher = factories.staff(street, "dispatcher")

    results = race(
        2, lambda i: workflow.perform(case.pk, "dispatch", actor=dispatcher, lead_party=parties[i])
    )

    wins = [r for r in results if isinstance(r, Event)]
    losses = [r for r in results if isinstance(r, Exception)]
    assert len(wins) == 1 and len(losses) == 1
    assert isinstance(losses[0], workflow.InvalidState)
    case = Case.objects.get(pk=case.pk)
    assert case.state == State.DISPATCHED
    assert case.lead_party == wins[0].case.lead_party
    assert case.events.filter(kind="dispatch").count() == 1


@pytest.mark.django_db(transaction=True)
def test_accept_and_reassign_at_once_leave_one_consistent_outcome():
    street = factories.street()
    case = factories.case_in(street, State.DISPATCHED)
    actors = [factories.staff(street, "hangtian"), factories.staff(street, "dispatcher")]

    def act(i):
        if i == 0:
            return workflow.perform(case.pk, "accept", actor=actors[0])
        return workflow.perform(
            case.pk,
            "reassign",
            actor=actors[1],
            lead_party=street.parties["cityops"],
            reason="改派",
        )

    results = race(2, act)
    errors = [r for r in results if isinstance(r, Exception)]
    case = Case.objects.get(pk=case.pk)
    moves = list(case.events.exclude(to_state="").values_list("kind", flat=True))
    if not errors:
        # Accept first, then reassign from in_progress: both are allowed in that order.
        assert moves == ["file", "dispatch", "accept", "reassign"]
        assert case.state == State.DISPATCHED
    else:
        # Reassign first: the old party may no longer accept.
        assert len(errors) == 1 and isinstance(errors[0], workflow.NotYourParty)
        assert moves == ["file", "dispatch", "reassign"]
