"""Invitations to a joint meeting (docs/meetings.md): the handlers of every member party
hear of the meeting with its agenda, in the portal and by e-mail where they have an
address, through the outbox of cases.notifications (docs/operations.md).

The secretary (or the supervisor) sends them while the meeting is planned; from then on,
every change of the meeting's details or agenda sends the new agenda again. The message
carries a snapshot of the meeting as it was sent, and its key is made of that snapshot, so
nobody gets the same agenda twice, however often a change is saved.
"""

import hashlib
import json

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import notifications
from meetings.access import check_can_change
from meetings.history import MeetingError, record
from meetings.models import Meeting

KIND = "meeting"
INVITATION = "meeting_invitation"
CHANGED = "meeting_changed"


def snapshot(meeting):
    """The meeting and its agenda as the message shows them (JSON)."""
    items = meeting.items.select_related("presenter").order_by("position", "id")
    return {
        "meeting": meeting.pk,
        "title": meeting.title,
        "starts_at": meeting.starts_at.isoformat(),
        "place": meeting.place,
        "agenda": [
            {"title": item.title, "presenter": item.presenter.name if item.presenter else ""}
            for item in items
        ],
        "path": reverse("meetings:detail", args=[meeting.pk]),
    }


def _digest(content):
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]


def _sent(meeting):
    """The data of the invitation events so far, oldest first."""
    return list(
        meeting.events.filter(kind="invited")
        .order_by("created_at", "id")
        .values_list("data", flat=True)
    )


def _send(meeting, template, at, sent):
    """Write the messages for every member party; returns the event data to record.

    Each version of the agenda has its own key: a person gets each version once (so saving
    without a change, or adding a member, reaches only those who have not had it), and a
    changed agenda reaches everyone again, even one changed back to an earlier version."""
    content = snapshot(meeting)
    digest = _digest(content)
    last = sent[-1] if sent else {}
    version = last.get("version", 0) + (0 if last.get("agenda") == digest else 1)
    key = f"meeting:{meeting.pk}:v{version}"
    parties = list(meeting.members.filter(is_active=True).order_by("kind", "name"))
    rows = []
    for party in parties:
        rows += notifications.notify_party(
            party, KIND, template=template, data=content, at=at, key=key
        )
    return {
        "parties": [p.pk for p in parties],
        "messages": len(rows),
        "agenda": digest,
        "version": version,
    }


def invite(meeting, *, user, at=None):
    """Send the invitations with the agenda as it stands (again: only to those who have not
    had this version). Returns the event recorded."""
    check_can_change(user)
    at = at or timezone.now()
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.state != Meeting.State.PLANNED:
            raise MeetingError(_("Invitations go out before the meeting is held."))
        data = _send(meeting, INVITATION, at, _sent(meeting))
        return record(meeting, "invited", actor=user, at=at, data=data)


def agenda_changed(meeting, *, at=None):
    """Once invitations are out, a planned meeting's new details, agenda or members get the
    new version. Call it inside the transaction of the change. Returns the event recorded
    when messages were written."""
    if meeting.state != Meeting.State.PLANNED:
        return None
    sent = _sent(meeting)
    if not sent:
        return None
    data = _send(meeting, CHANGED, at or timezone.now(), sent)
    if not data["messages"]:
        return None
    return record(meeting, "invited", at=at, data=data | {"update": True})
