"""A meeting's history: its append-only events, and the error every refused change raises."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetings.models import MeetingEvent


class MeetingError(Exception):
    """A change to a meeting was refused; nothing was changed. `field` names the input at
    fault, if any; str(error) is a sentence for people."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self):
        return str(self.message)


EVENT_LABELS = {
    "created": _("Meeting planned"),
    "updated": _("Details changed"),
    "item_added": _("Agenda item added"),
    "item_changed": _("Agenda item changed"),
    "item_removed": _("Agenda item removed"),
    "item_moved": _("Agenda reordered"),
    "file_added": _("File attached"),
    "held": _("Meeting held"),
    "decided": _("Decision recorded"),
    "deferred": _("Deferred to the next meeting"),
    "approved": _("Minutes approved"),
    "correction": _("Correction to the approved minutes"),
    "task_done": _("Follow-up task done"),
    "invited": _("Invitations sent"),
}


def record(meeting, kind, *, actor=None, note="", data=None, decision=None, at=None):
    """Append one event to `meeting`'s history."""
    assert kind in EVENT_LABELS, kind
    return MeetingEvent.objects.create(
        meeting=meeting,
        kind=kind,
        actor=actor,
        note=note,
        data=data or {},
        decision=decision,
        created_at=at or timezone.now(),
    )
