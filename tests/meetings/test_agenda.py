"""Building the agenda: every escalated case is offered, earlier decisions and deferred
cases come back by themselves, follow-up items stay until their decision is done."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import State
from meetings import agenda, decisions, minutes
from meetings.history import MeetingError
from meetings.models import AgendaItem
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


def kinds(meeting):
    return list(meeting.items.order_by("position").values_list("kind", "title"))


def test_every_case_awaiting_the_meeting_is_offered_oldest_first(street):
    first, second = escalated(street), escalated(street)
    factories.case_in(street, State.IN_PROGRESS)
    meeting = plan(street)
    offered = agenda.offered_cases(meeting)
    assert [c.number for c in offered] == [first.number, second.number]
    assert offered[0].escalation.note == "需要多方协调"
    assert offered[0].escalation.actor_party == street.parties["rc-hangtian"]


def test_a_case_on_one_agenda_is_not_offered_to_another(street):
    case = escalated(street)
    first, second = plan(street), plan(street, days=8)
    item = agenda.add_case(first, case, user=secretary(street))
    assert agenda.offered_cases(first) == [] and agenda.offered_cases(second) == []
    with pytest.raises(MeetingError, match="已在"):
        agenda.add_case(second, case, user=secretary(street))
    assert (item.kind, item.case, item.presenter) == (
        AgendaItem.Kind.CASE,
        case,
        street.parties["rc-hangtian"],
    )
    assert item.title.startswith(case.number)


def test_only_cases_awaiting_the_meeting_go_on_the_agenda(street):
    case = factories.case_in(street, State.IN_PROGRESS)
    meeting = plan(street)
    with pytest.raises(MeetingError):
        agenda.add_case(meeting, case, user=secretary(street))
    assert not meeting.items.exists()


def test_the_presenting_party_joins_the_meeting(street):
    meeting = plan(street, members=("cityops",))
    agenda.add_case(meeting, escalated(street), user=secretary(street))
    assert set(meeting.members.values_list("code", flat=True)) == {"cityops", "rc-hangtian"}


def test_earlier_decisions_carry_over_to_the_next_meeting_as_follow_ups(street):
    first, _item, decision = meeting_with_decided_case(street)
    topic = agenda.add_topic(first, user=secretary(street), title="店招整治")
    task = decide(street, topic, lead="merchants", co=())
    minutes.approve(first, user=secretary(street))
    second = plan(street, days=9)
    follow_ups = second.items.filter(kind=AgendaItem.Kind.FOLLOW_UP).order_by("position")
    assert [i.follows for i in follow_ups] == [decision, task]
    assert [i.position for i in follow_ups] == [1, 2]
    assert follow_ups[1].presenter == street.parties["merchants"]
    # Safe to run again: nothing is added twice.
    assert agenda.carry_over(second) == []


def test_a_decision_recorded_after_the_next_meeting_was_planned_joins_its_agenda(street):
    case = escalated(street)
    first = plan(street)
    second = plan(street, days=8)
    item = agenda.add_case(first, case, user=secretary(street))
    hold(street, first)
    decision = decide(street, item)
    assert second.items.get(kind=AgendaItem.Kind.FOLLOW_UP).follows == decision


def test_a_decision_seen_done_at_a_meeting_does_not_come_back(street):
    first, _item, decision = meeting_with_decided_case(street)
    topic = agenda.add_topic(first, user=secretary(street), title="共享单车停放")
    task = decide(street, topic, lead="park", co=())
    minutes.approve(first, user=secretary(street))
    decisions.mark_done(task, user=secretary(street), note="停放区已施划")
    second = plan(street, days=3)
    hold(street, second)
    minutes.approve(second, user=secretary(street))
    outcomes = dict(second.items.values_list("follows", "outcome"))
    assert outcomes == {decision.pk: AgendaItem.Outcome.OPEN, task.pk: AgendaItem.Outcome.DONE}
    third = plan(street, days=10)
    assert list(third.items.values_list("follows", flat=True)) == [decision.pk]


def test_a_deferred_case_comes_back_on_the_next_agenda(street):
    case = escalated(street)
    first = plan(street)
    item = agenda.add_case(first, case, user=secretary(street))
    hold(street, first)
    decisions.defer(item, user=secretary(street), reason="需核实产权")
    second = plan(street, days=8)
    carried = second.items.get(kind=AgendaItem.Kind.CASE)
    assert carried.case == case
    case.refresh_from_db()
    assert case.state == State.AWAITING_MEETING


def test_follow_up_items_cannot_be_removed_but_topics_can(street):
    first, _item, _decision = meeting_with_decided_case(street)
    minutes.approve(first, user=secretary(street))
    second = plan(street, days=9)
    topic = agenda.add_topic(second, user=secretary(street), title="垃圾分类宣传")
    follow_up = second.items.get(kind=AgendaItem.Kind.FOLLOW_UP)
    with pytest.raises(MeetingError):
        agenda.remove_item(follow_up, user=secretary(street))
    agenda.remove_item(topic, user=secretary(street))
    assert kinds(second) == [(AgendaItem.Kind.FOLLOW_UP, follow_up.title)]
    assert second.events.filter(kind="item_removed").get().data["title"] == "垃圾分类宣传"


def test_items_move_up_and_down(street):
    meeting = plan(street)
    a, _b, c = (agenda.add_topic(meeting, user=secretary(street), title=t) for t in "ABC")
    agenda.move_item(c, user=secretary(street), up=True)
    agenda.move_item(a, user=secretary(street), up=True)  # first already: nothing happens
    assert [t for _k, t in kinds(meeting)] == ["A", "C", "B"]
    agenda.move_item(a, user=secretary(street), up=False)
    assert [t for _k, t in kinds(meeting)] == ["C", "A", "B"]


def test_nobody_but_the_secretary_and_supervisor_changes_a_meeting(street):
    for username in ("dispatcher", "inspector", "hangtian"):
        with pytest.raises(MeetingError, match="秘书"):
            agenda.create_meeting(
                user=street.users[username],
                title="会议",
                starts_at=timezone.now() + timedelta(days=1),
                place="会议室",
                convener=street.parties["street-office"],
                members=[],
            )
    meeting = agenda.create_meeting(
        user=street.users["supervisor"],
        title="会议",
        starts_at=timezone.now() + timedelta(days=1),
        place="会议室",
        convener=street.parties["street-office"],
        members=[],
    )
    with pytest.raises(MeetingError):
        agenda.add_topic(meeting, user=street.users["hangtian"], title="x")
    assert fresh(meeting).events.get().kind == "created"


def test_the_street_office_convenes(street):
    with pytest.raises(MeetingError) as refused:
        agenda.create_meeting(
            user=secretary(street),
            title="会议",
            starts_at=timezone.now(),
            place="会议室",
            convener=street.parties["cityops"],
            members=[],
        )
    assert refused.value.field == "convener"
