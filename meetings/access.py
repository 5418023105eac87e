"""Who may see and who may change joint meetings (docs/meetings.md).

- Street-wide roles (dispatcher, inspector, supervisor, secretary) see every meeting; a
  handler sees the meetings their party belongs to. Anything else answers 404, the same as
  a meeting that does not exist.
- Only the secretary and the supervisor change meetings.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from cases.people import Role, roles_of
from meetings.history import MeetingError
from meetings.models import Meeting

CHANGERS = frozenset({Role.SECRETARY, Role.SUPERVISOR})


def can_change(user):
    return bool(roles_of(user) & CHANGERS)


def check_can_change(user):
    if not can_change(user):
        raise MeetingError(
            _("Only the joint-meeting secretary and the supervisor change meetings.")
        )


def meeting_for(request, pk, queryset=None):
    """The meeting `pk` if request.user may see it; Http404 otherwise."""
    queryset = queryset if queryset is not None else Meeting.objects.all()
    return get_object_or_404(queryset.visible_to(request.user), pk=pk)
