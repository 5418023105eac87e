"""Two people act on the same case at the same moment: the row lock lets exactly one win.

The threads run against PostgreSQL for real (transaction=True: each thread has its own
connection and commits). A barrier releases them together, and `slow_inside_the_lock`
makes each perform() sleep after its checks, inside its transaction, so that without the
row lock both would pass their checks on the same stale row before either writes.

Checked on 2 December 2026 by removing the lock by hand (not committed): with
`Case.objects.select_for_update(of=("self",))` in workflow.perform() replaced by
`Case.objects`, test_two_dispatchers_dispatch_the_same_case_at_once (two dispatches),
test_accept_and_reassign_at_once_leave_one_consistent_outcome (a reassign recorded from
`dispatched` on an accepted case) and test_report_share_racing_resolve[with a reason] (a
share reported on a resolved case) fail; with the counter's single UPDATE … RETURNING in
workflow._increment() replaced by a read, then a write, test_concurrent_filing_* fails
(two cases with one number). With the lock restored they pass.
"""

import threading
import time

import pytest
from django.db import connection

from cases import search, workflow
from cases.errors import InvalidState, MissingInput
from cases.models import Case, Event, Share, State
from cases.workflow import Actor
from tests import factories
from tests.oracle import oracle_problems

PAUSE = 0.4


def slow_inside_the_lock(monkeypatch):
    """Each perform() sleeps after its checks, before it writes (inside its transaction)."""
    apply = workflow._apply

    def slow_apply(*args, **kwargs):
        time.sleep(PAUSE)
        return apply(*args, **kwargs)

    monkeypatch.setattr(workflow, "_apply", slow_apply)


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
    slow_inside_the_lock(monkeypatch)
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
def test_accept_and_reassign_at_once_leave_one_consistent_outcome(monkeypatch):
    slow_inside_the_lock(monkeypatch)
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
        # The reassign saw the accepted case (without the lock it saw a stale `dispatched`).
        reassign = case.events.get(kind="reassign")
        assert (reassign.from_state, reassign.to_state) == (State.IN_PROGRESS, State.DISPATCHED)
    else:
        # Reassign first: the old party may no longer accept.
        assert len(errors) == 1 and isinstance(errors[0], workflow.NotYourParty)
        assert moves == ["file", "dispatch", "reassign"]
    assert oracle_problems(case) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_filing_keeps_numbers_unique_and_gapless(monkeypatch):
    """Six filings at once, each holding its transaction open after taking its number; one
    of them fails after taking it. The five filed cases have the year's numbers 1 to 5: no
    number twice, and the failed filing's number is given back with its rollback."""
    street = factories.street()
    index_case = search.index_case

    def slow_index(case):
        time.sleep(PAUSE / 2)
        if case.description == "失败":
            raise RuntimeError("the filing fails after taking its number")
        return index_case(case)

    monkeypatch.setattr(search, "index_case", slow_index)
    at = factories.aware(2026, 6, 1, 10, 0)

    def file(i):
        return workflow.file_case(
            actor=Actor.anonymous_reporter(),
            category=street.categories["litter"],
            description="失败" if i == 3 else f"路边垃圾 {i}",
            channel=Case.Channel.WEB,
            at=at,
            route=False,
        )

    results = race(6, file)
    filed = [r for r in results if isinstance(r, Case)]
    failed = [r for r in results if isinstance(r, Exception)]
    assert len(filed) == 5, results
    assert len(failed) == 1 and isinstance(failed[0], RuntimeError)
    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert numbers == [f"HM-2026-{n:06d}" for n in range(1, 6)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "reason", ["", "协办部分由我方一并完成"], ids=["no reason", "with a reason"]
)
def test_report_share_racing_resolve(monkeypatch, reason):
    """The co-party reports on its share while the lead party resolves. Either the report
    comes first (the resolution then has no open share), or the resolution comes first: it
    is refused for want of the open-shares reason (and the report then lands), or, with a
    reason, it names the open share and the late report is refused. Never a resolved case
    with an unreported share and no reason, nor a share reported on a resolved case."""
    slow_inside_the_lock(monkeypatch)
    street = factories.street()
    hangtian, yongzhao = street.parties["rc-hangtian"], street.parties["rc-yongzhao"]
    case = factories.new_case(street)
    case = factories.act(
        street, case, "dispatch", "dispatcher", lead_party=hangtian, co_parties=[yongzhao]
    )
    case = factories.act(street, case, "accept", "hangtian")

    def act(i):
        if i == 0:
            return workflow.perform(
                case.pk, "report_share", actor=factories.staff(street, "yongzhao"), note="已完成"
            )
        return workflow.perform(
            case.pk,
            "resolve",
            actor=factories.staff(street, "hangtian"),
            note="已处置",
            photos=[],
            open_shares_reason=reason,
        )

    report, resolve = race(2, act)
    case = Case.objects.get(pk=case.pk)
    share = Share.objects.get(case=case, party=yongzhao)
    kinds = list(case.events.order_by("created_at", "id").values_list("kind", flat=True))
    if isinstance(resolve, Event) and isinstance(report, Event):
        # Report first, then a resolution with nothing left open.
        assert kinds[-2:] == ["report_share", "resolve"]
        assert "open_shares" not in resolve.data
        assert case.state == State.RESOLVED and share.reported_at is not None
    elif isinstance(resolve, Event):
        # Resolution first, with its reason naming the open share; the report came too late.
        assert reason and resolve.data["open_shares"] == [yongzhao.pk]
        assert isinstance(report, InvalidState) and share.reported_at is None
        assert case.state == State.RESOLVED
    else:
        # Resolution first, refused for want of a reason; the report then landed.
        assert not reason and isinstance(resolve, MissingInput), resolve
        assert isinstance(report, Event) and share.reported_at is not None
        assert case.state == State.IN_PROGRESS
    assert oracle_problems(case) == []
