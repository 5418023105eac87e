"""Holding a meeting, writing its minutes, signing them off and correcting them after.

Minutes are written while the meeting is held: the attendance, and per agenda item a text
and its decisions (meetings/decisions.py). Approval checks that every escalated case was
decided or deferred, records how each followed-up decision stood, and makes the minutes
read-only; later corrections are appended as events, never written over the minutes.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import State
from meetings import agenda
from meetings.access import check_can_change
from meetings.history import MeetingError, record
from meetings.models import AgendaItem, Meeting

MAX_TEXT = 20000


def locked(meeting):
    return Meeting.objects.select_for_update().get(pk=meeting.pk)


def _check_text(text, field):
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise MeetingError(
            _("Please keep it under %(n)s characters.") % {"n": MAX_TEXT}, field=field
        )
    return text


def hold(meeting, *, user, at=None):
    """The meeting took place: minutes and decisions can be recorded."""
    check_can_change(user)
    at = at or timezone.now()
    with transaction.atomic():
        meeting = locked(meeting)
        if meeting.state != Meeting.State.PLANNED:
            raise MeetingError(_("This meeting is marked as held already."))
        agenda.carry_over(meeting, at=at)
        meeting.state = Meeting.State.HELD
        meeting.held_at = at
        meeting.save(update_fields=["state", "held_at"])
        record(meeting, "held", actor=user, at=at)
    return meeting


def check_writable(meeting):
    if meeting.state == Meeting.State.PLANNED:
        raise MeetingError(_("Decisions and minutes are recorded once the meeting is held."))
    if meeting.state == Meeting.State.APPROVED:
        raise MeetingError(
            _("The minutes are approved and read-only; record a correction instead.")
        )


def write_minutes(item, *, user, text):
    """The minutes of one agenda item (a draft until the minutes are approved)."""
    check_can_change(user)
    text = _check_text(text, "minutes")
    with transaction.atomic():
        meeting = locked(item.meeting)
        check_writable(meeting)
        AgendaItem.objects.filter(pk=item.pk).update(minutes=text)
    item.minutes = text
    return item


def write_attendance(meeting, *, user, text):
    check_can_change(user)
    text = _check_text(text, "attendance")
    with transaction.atomic():
        check_writable(locked(meeting))
        Meeting.objects.filter(pk=meeting.pk).update(attendance=text)
    meeting.attendance = text
    return meeting


def undecided_cases(meeting):
    """Case items neither decided nor deferred whose case still awaits the meeting."""
    return list(
        meeting.items.filter(
            kind=AgendaItem.Kind.CASE, outcome="", case__state=State.AWAITING_MEETING
        )
        .select_related("case")
        .order_by("position", "id")
    )


def approve(meeting, *, user, at=None):
    """Sign the minutes off. Refused while an escalated case on the agenda has neither a
    decision nor a deferral. Follow-up items keep how their decision stood at this moment."""
    check_can_change(user)
    at = at or timezone.now()
    with transaction.atomic():
        meeting = locked(meeting)
        if meeting.state == Meeting.State.PLANNED:
            raise MeetingError(_("Minutes are approved after the meeting is held."))
        if meeting.state == Meeting.State.APPROVED:
            raise MeetingError(_("These minutes are approved already."))
        waiting = undecided_cases(meeting)
        if waiting:
            numbers = "、".join(item.case.number for item in waiting)
            raise MeetingError(
                _(
                    "Record a decision, or defer to the next meeting, for every escalated "
                    "case first: %(cases)s."
                )
                % {"cases": numbers}
            )
        follow_ups = meeting.items.filter(kind=AgendaItem.Kind.FOLLOW_UP).select_related(
            "follows", "follows__case"
        )
        stood = {}
        for item in follow_ups:
            outcome = AgendaItem.Outcome.DONE if item.follows.is_done else AgendaItem.Outcome.OPEN
            AgendaItem.objects.filter(pk=item.pk).update(outcome=outcome)
            stood[str(item.follows_id)] = outcome
        meeting.state = Meeting.State.APPROVED
        meeting.approved_at = at
        meeting.approved_by = user
        meeting.save(update_fields=["state", "approved_at", "approved_by"])
        record(meeting, "approved", actor=user, at=at, data={"follow_ups": stood})
        agenda.carry_over_into_planned(at=at)
    return meeting


def correct(meeting, *, user, text, item=None, at=None):
    """A correction to approved minutes, appended to the meeting's history."""
    check_can_change(user)
    if Meeting.objects.get(pk=meeting.pk).state != Meeting.State.APPROVED:
        raise MeetingError(_("Until the minutes are approved, edit them directly."))
    text = _check_text(text, "text")
    if not text:
        raise MeetingError(_("Write the correction."), field="text")
    if item is not None and item.meeting_id != meeting.pk:
        raise MeetingError(_("Choose an item of this meeting."), field="item")
    data = {"item": item.pk, "title": item.title} if item is not None else {}
    return record(meeting, "correction", actor=user, at=at, note=text, data=data)
