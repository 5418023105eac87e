"""The staff portal's in-app notifications: the list, opening one, marking all read, and
the language of the messages sent to the user."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from cases import notifications, wording
from cases.access import staff_required
from cases.models import Notification, StaffProfile

PAGE = 30


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
    items = [(n, *wording.headline(n)) for n in rows]
    context = {
        "items": items,
        "next_before": rows[-1].pk if more else None,
        "has_unread": any(n.read_at is None for n in rows),
        "form": form,
    }
    return render(request, "notifications/inbox.html", context)


@require_GET
@staff_required
def inbox(request):
    return _page(request, MessageLanguageForm(instance=_profile(request.user)))


@require_POST
@staff_required
def open_notification(request, pk):
    notification = get_object_or_404(Notification.objects.in_app(request.user), pk=pk)
    notifications.mark_read(request.user, [pk])
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
