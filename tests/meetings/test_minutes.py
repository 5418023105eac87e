"""Holding a meeting, approving its minutes, and correcting them afterwards: approved
minutes are read-only, corrections are appended events, and the events cannot be changed."""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from cases.models import State
from meetings import agenda, decisions, minutes
from meetings.history import MeetingError
from meetings.models import AgendaItem, Meeting, MeetingEvent
from tests.meetings.helpers import (
    escalated,
    fresh,
    hold,
    meeting_with_decided_case,
    plan,
    secretary,
)


def test_approving_asks_for_a_decision_or_a_deferral_on_every_escalated_case(street):
    case = escalated(street)
    meeting = plan(street)
    item = agenda.add_case(meeting, case, user=secretary(street))
    hold(street, meeting)
    with pytest.raises(MeetingError) as refused:
        minutes.approve(meeting, user=secretary(street))
    assert case.number in str(refused.value)
    assert fresh(meeting).state == Meeting.State.HELD
    with pytest.raises(MeetingError) as refused:
        decisions.defer(item, user=secretary(street), reason=" ")
    assert refused.value.field == "reason"
    decisions.defer(item, user=secretary(street), reason="需核实产权")
    approved = minutes.approve(meeting, user=secretary(street))
    assert approved.state == Meeting.State.APPROVED
    assert approved.approved_by == street.users["secretary"]
    item.refresh_from_db()
    assert (item.outcome, item.outcome_note) == (AgendaItem.Outcome.DEFERRED, "需核实产权")
    case.refresh_from_db()
    assert case.state == State.AWAITING_MEETING
    history = fresh(meeting).events.order_by("created_at", "id")
    assert list(history.values_list("kind", flat=True)) == [
        "created",
        "item_added",
        "held",
        "deferred",
        "approved",
    ]


def test_minutes_are_written_while_held_and_read_only_once_approved(street):
    meeting, item, _decision = meeting_with_decided_case(street)
    minutes.write_minutes(item, user=secretary(street), text="各方同意联合整改。")
    minutes.write_attendance(meeting, user=secretary(street), text="街道、居委、城管")
    minutes.approve(meeting, user=secretary(street))
    refusals = [
        lambda: minutes.write_minutes(item, user=secretary(street), text="改写"),
        lambda: minutes.write_attendance(meeting, user=secretary(street), text="改写"),
        lambda: agenda.add_topic(fresh(meeting), user=secretary(street), title="新议题"),
        lambda: minutes.approve(meeting, user=secretary(street)),
        lambda: decisions.defer(item, user=secretary(street), reason="x"),
    ]
    for attempt in refusals:
        with pytest.raises(MeetingError):
            attempt()
    item.refresh_from_db()
    meeting = fresh(meeting)
    assert item.minutes == "各方同意联合整改。" and meeting.attendance == "街道、居委、城管"
    assert meeting.items.count() == 1


def test_minutes_are_not_written_before_the_meeting_is_held(street):
    meeting = plan(street)
    item = agenda.add_topic(meeting, user=secretary(street), title="议题")
    with pytest.raises(MeetingError):
        minutes.write_minutes(item, user=secretary(street), text="纪要")
    with pytest.raises(MeetingError):
        minutes.approve(meeting, user=secretary(street))


def test_corrections_to_approved_minutes_are_appended_events(street):
    meeting, item, _decision = meeting_with_decided_case(street)
    with pytest.raises(MeetingError):  # before approval the minutes are edited directly
        minutes.correct(meeting, user=secretary(street), text="更正")
    minutes.write_minutes(item, user=secretary(street), text="原纪要")
    minutes.approve(meeting, user=secretary(street))
    with pytest.raises(MeetingError) as refused:
        minutes.correct(meeting, user=secretary(street), text="")
    assert refused.value.field == "text"
    with pytest.raises(MeetingError):
        minutes.correct(meeting, user=street.users["hangtian"], text="改一下")
    event = minutes.correct(
        meeting, user=street.users["supervisor"], text="第1项牵头单位应为城管执法中队", item=item
    )
    assert (event.kind, event.actor, event.data["item"]) == (
        "correction",
        street.users["supervisor"],
        item.pk,
    )
    item.refresh_from_db()
    assert item.minutes == "原纪要"


def test_meeting_events_cannot_be_changed_or_deleted(street):
    meeting = plan(street)
    event = meeting.events.get()
    for statement in (
        "UPDATE meetings_meetingevent SET note = 'x' WHERE id = %s",
        "DELETE FROM meetings_meetingevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])
    assert MeetingEvent.objects.get(pk=event.pk).note == ""


def test_holding_twice_is_refused(street):
    meeting = plan(street)
    hold(street, meeting)
    with pytest.raises(MeetingError):
        hold(street, meeting)
