"""The staff portal's in-app notifications: the list (grouped by case), opening one (which
marks every message about its case read), marking all read, and the language of the
messages sent to the user."""

from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from cases import notifications, wording
from cases.access import staff_required
from cases.models import Case, Notification, StaffProfile
from meetings.models import Meeting

PAGE = 30
GONE_CASE = gettext_lazy("Case %(number)s is no longer among your party's cases")
GONE_MEETING = gettext_lazy("A joint meeting your party no longer takes part in")
GONE_BODY = gettext_lazy(
    "It has left your party's scope since this message was sent, so what it said is no "
    "longer shown."
)


class MessageLanguageForm(forms.ModelForm):
    class Meta:
        model = StaffProfile
        fields = ["language"]


def _profile(user):
    return StaffProfile.objects.filter(user=user).first() or StaffProfile(user=user)


def _page(request, form):
    before = request.GET.get("before", "")
    rows = notifications.inbox(
        request.user, before=int(before) if before.isdigit() else None, limit=PAGE + 1
    )
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    gone = _out_of_scope(request.user, rows)
    items = [(n, *(_gone(n) if n.pk in gone else wording.headline(n))) for n in rows]
    context = {
        "groups": group_by_case(items),
        "next_before": rows[-1].pk if more else None,
        "has_unread": any(n.read_at is None for n in rows),
        "form": form,
    }
    return render(request, "notifications/inbox.html", context)


@dataclass
class Group:
    """The messages of one page about one case, newest first (a message about no case is
    a group of its own): shown as one entry, opened and marked read together."""

    first: Notification
    subject: str
    body: str
    earlier: list = field(default_factory=list)  # (notification, subject), newest first

    @property
    def unread(self):
        return sum(1 for n in [self.first, *(n for n, _s in self.earlier)] if n.read_at is None)

    @property
    def size(self):
        return 1 + len(self.earlier)


def group_by_case(items):
    """[(notification, subject, body)] newest first → [Group], in the order of each
    group's newest message."""
    groups, by_case = [], {}
    for n, subject, body in items:
        group = by_case.get(n.case_id) if n.case_id else None
        if group is None:
            group = Group(n, subject, body)
            groups.append(group)
            if n.case_id:
                by_case[n.case_id] = group
        else:
            group.earlier.append((n, subject))
    return groups


def _meeting_of(notification):
    data = notification.data if isinstance(notification.data, dict) else {}
    meeting = data.get("meeting") if notification.case_id is None else None
    return meeting if isinstance(meeting, int) else None


def _out_of_scope(user, rows):
    """Ids of the notifications whose case (or joint meeting) the user no longer sees: a
    party the case has left keeps the message, not its content. Two queries a page."""
    cases = {n.case_id for n in rows if n.case_id}
    meetings = {m for m in map(_meeting_of, rows) if m}
    seen_cases = set(
        Case.objects.visible_to(user).filter(pk__in=cases).values_list("pk", flat=True)
    )
    seen_meetings = set(
        Meeting.objects.visible_to(user).filter(pk__in=meetings).values_list("pk", flat=True)
    )
    return {
        n.pk
        for n in rows
        if (n.case_id and n.case_id not in seen_cases)
        or (_meeting_of(n) and _meeting_of(n) not in seen_meetings)
    }


def _gone(notification):
    if notification.case_id:
        return str(GONE_CASE % {"number": notification.case.number}), str(GONE_BODY)
    return str(GONE_MEETING), str(GONE_BODY)


@require_GET
@staff_required
def inbox(request):
    return _page(request, MessageLanguageForm(instance=_profile(request.user)))


@require_POST
@staff_required
def open_notification(request, pk):
    notification = get_object_or_404(Notification.objects.in_app(request.user), pk=pk)
    # The messages about one case are read together: opening one opens the case.
    cases = [notification.case_id] if notification.case_id else []
    notifications.mark_read(request.user, [pk], cases=cases)
    if _out_of_scope(request.user, [notification]):
        messages.info(request, _gone(notification)[0])
        return redirect("staff:notifications")
    if notification.case_id is None:
        return redirect(wording.page_path(notification) or "staff:notifications")
    return redirect(wording.staff_case_path(notification.case))


@require_POST
@staff_required
def mark_all_read(request):
    count = notifications.mark_read(request.user)
    messages.success(
        request,
        ngettext(
            "%(count)d notification marked as read.",
            "%(count)d notifications marked as read.",
            count,
        )
        % {"count": count},
    )
    return redirect("staff:notifications")


@require_POST
@staff_required
def message_language(request):
    form = MessageLanguageForm(request.POST, instance=_profile(request.user))
    if not form.is_valid():
        return _page(request, form)
    form.save()
    messages.success(request, _("Messages to you will be written in the language you chose."))
    return redirect("staff:notifications")
