"""Decisions: on a case, the workflow's decide action (dispatch to the lead party with the
decided deadline, a share for each co-party); on a topic, a follow-up task. A decision is
done when its case closes or its task is marked done with a note."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import Event, State
from meetings import agenda, decisions, minutes
from meetings.history import MeetingError
from meetings.models import AgendaItem, Decision
from tests import factories
from tests.meetings.helpers import (
    decide,
    escalated,
    fresh,
    hold,
    meeting_with_decided_case,
    plan,
    secretary,
)


def test_a_decision_on_a_case_dispatches_it_to_the_lead_party_with_the_deadline(street):
    meeting, item, decision = meeting_with_decided_case(
        street, lead="cityops", co=("rc-yongzhao", "market"), days=10
    )
    case = decision.case
    case.refresh_from_db()
    assert case.state == State.DISPATCHED
    assert case.lead_party == street.parties["cityops"]
    assert case.resolve_due == decision.deadline
    shares = case.shares.filter(is_active=True, reported_at__isnull=True)
    assert set(shares.values_list("party__code", flat=True)) == {"rc-yongzhao", "market"}
    event = case.events.get(kind="decide")
    assert (event.actor, event.actor_role, event.note) == (
        street.users["secretary"],
        "secretary",
        "限期整改",
    )
    assert event.data["meeting"] == meeting.pk and event.data["decision"] == decision.pk
    assert decision.event == event
    item.refresh_from_db()
    assert item.outcome == AgendaItem.Outcome.DECIDED
    assert set(meeting.members.values_list("code", flat=True)) >= {"cityops", "market"}
    recorded = meeting.events.get(kind="decided")
    assert recorded.decision == decision and recorded.data["case"] == case.number


def test_the_lead_partys_handler_sees_the_case_and_each_co_party_reports_its_share(street):
    _meeting, _item, decision = meeting_with_decided_case(
        street, lead="cityops", co=("rc-yongzhao",)
    )
    case = factories.act(street, decision.case, "accept", "cityops")
    assert case.state == State.IN_PROGRESS
    factories.act(street, case, "report_share", "yongzhao", note="已清理楼道堆物")
    share = case.shares.get(party=street.parties["rc-yongzhao"])
    assert share.report == "已清理楼道堆物" and share.reported_at is not None
    case = factories.act(street, case, "resolve", "cityops", note="已联合整改")
    assert case.state == State.RESOLVED


def test_a_decision_needs_a_lead_party_and_a_deadline_in_the_future(street):
    case = escalated(street)
    meeting = plan(street)
    item = agenda.add_case(meeting, case, user=secretary(street))
    hold(street, meeting)
    past = timezone.now() - timedelta(hours=1)
    future = timezone.now() + timedelta(days=3)
    attempts = [
        ({"lead_party": None, "deadline": future}, "lead_party", "请选择主办单位。"),
        (
            {"lead_party": street.parties["cityops"], "deadline": past},
            "deadline",
            "期限必须晚于当前时间。",
        ),
        ({"lead_party": street.parties["cityops"], "deadline": None}, "deadline", "请填写期限。"),
    ]
    for inputs, field, message in attempts:
        with pytest.raises(MeetingError) as refused:
            decisions.record_decision(item, user=secretary(street), **inputs)
        assert (refused.value.field, str(refused.value)) == (field, message)
    with pytest.raises(MeetingError) as refused:
        decisions.record_decision(
            item,
            user=secretary(street),
            lead_party=street.parties["cityops"],
            co_parties=[street.parties["cityops"]],
            deadline=future,
        )
    assert refused.value.field == "co_parties"
    case.refresh_from_db()
    assert case.state == State.AWAITING_MEETING
    assert not Decision.objects.exists() and not case.events.filter(kind="decide").exists()
    assert not fresh(meeting).events.filter(kind="decided").exists()


def test_decisions_are_recorded_only_while_the_meeting_is_held(street):
    case = escalated(street)
    meeting = plan(street)
    item = agenda.add_case(meeting, case, user=secretary(street))
    with pytest.raises(MeetingError, match="召开"):
        decide(street, item)
    assert not Decision.objects.exists()


def test_only_a_secretary_records_the_workflows_decision(street):
    """The supervisor changes meetings, but the workflow's decide is the secretary's."""
    case = escalated(street)
    meeting = plan(street)
    item = agenda.add_case(meeting, case, user=secretary(street))
    hold(street, meeting)
    with pytest.raises(MeetingError):
        decisions.record_decision(
            item,
            user=street.users["supervisor"],
            lead_party=street.parties["cityops"],
            deadline=timezone.now() + timedelta(days=2),
        )
    assert not Decision.objects.exists()
    case.refresh_from_db()
    assert case.state == State.AWAITING_MEETING


def test_a_second_decision_on_a_decided_case_is_a_task(street):
    _meeting, item, first = meeting_with_decided_case(street)
    second = decide(street, item, lead="merchants", co=())
    assert first.case is not None and second.case is None and second.is_task
    assert Event.objects.filter(kind="decide").count() == 1


def test_a_decision_on_a_topic_is_a_follow_up_task(street):
    meeting = plan(street)
    topic = agenda.add_topic(meeting, user=secretary(street), title="店招店牌集中整治")
    hold(street, meeting)
    task = decide(street, topic, lead="cityops", co=("merchants",), days=20)
    assert task.is_task and not task.is_done
    assert list(Decision.objects.open()) == [task]
    assert set(task.co_parties.values_list("code", flat=True)) == {"merchants"}


def test_a_decision_is_done_when_its_case_closes(street):
    _meeting, _item, decision = meeting_with_decided_case(street, lead="rc-hangtian")
    case = decision.case
    assert list(Decision.objects.open()) == [decision]
    case = factories.act(street, case, "accept", "hangtian")
    factories.act(street, case, "report_share", "yongzhao", note="已配合")
    case = factories.act(street, case, "resolve", "hangtian", note="已整改")
    assert list(Decision.objects.open()) == [decision]  # resolved is not closed
    factories.act(street, case, "verify", "inspector")
    decision = Decision.objects.get(pk=decision.pk)
    assert decision.is_done and list(Decision.objects.done()) == [decision]
    assert not Decision.objects.open().exists()


def test_a_task_is_done_when_marked_done_with_a_note(street):
    meeting = plan(street)
    topic = agenda.add_topic(meeting, user=secretary(street), title="共享单车停放")
    hold(street, meeting)
    task = decide(street, topic, lead="cityops", co=("rc-yongzhao",))
    with pytest.raises(MeetingError) as refused:
        decisions.mark_done(task, user=street.users["cityops"], note="  ")
    assert refused.value.field == "note"
    with pytest.raises(MeetingError):  # a co-party does not close the lead's task
        decisions.mark_done(task, user=street.users["yongzhao"], note="已完成")
    decisions.mark_done(task, user=street.users["cityops"], note="停放区已施划")
    task.refresh_from_db()
    assert (task.done_note, task.done_by, task.is_done) == (
        "停放区已施划",
        street.users["cityops"],
        True,
    )
    event = fresh(meeting).events.get(kind="task_done")
    assert (event.decision, event.actor, event.note) == (task, task.done_by, "停放区已施划")
    with pytest.raises(MeetingError):
        decisions.mark_done(task, user=secretary(street), note="again")


def test_a_decision_on_a_case_is_not_marked_done_by_hand(street):
    _meeting, _item, decision = meeting_with_decided_case(street)
    with pytest.raises(MeetingError):
        decisions.mark_done(decision, user=secretary(street), note="done")
    assert not decision.is_done


def test_overdue_decisions_are_open_ones_past_their_deadline(street):
    meeting = plan(street)
    late, early, done = (
        agenda.add_topic(meeting, user=secretary(street), title=t) for t in ("迟", "早", "完")
    )
    hold(street, meeting)
    late_task = decide(street, late, days=1)
    decide(street, early, days=30)
    done_task = decide(street, done, days=1)
    decisions.mark_done(done_task, user=secretary(street), note="ok")
    later = timezone.now() + timedelta(days=2)
    assert list(decisions.overdue(later)) == [late_task]
    assert list(decisions.overdue()) == []


def test_decisions_on_approved_minutes_are_refused(street):
    meeting, item, _decision = meeting_with_decided_case(street)
    minutes.approve(meeting, user=secretary(street))
    with pytest.raises(MeetingError):
        decide(street, item, lead="market", co=())
    assert Decision.objects.count() == 1


def test_a_decision_sent_twice_is_recorded_once(street):
    _meeting, item, decision = meeting_with_decided_case(street)
    with pytest.raises(MeetingError):
        decisions.record_decision(
            item,
            user=secretary(street),
            lead_party=decision.lead_party,
            deadline=decision.deadline,
        )
    assert Decision.objects.count() == 1
