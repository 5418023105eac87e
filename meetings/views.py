"""Joint-meeting pages: the list, planning a meeting, a meeting's page with its agenda,
minutes and decisions, sign-off and corrections, the printable agenda and minutes, and the
follow-up list of decisions (docs/meetings.md). Agenda item changes: views_items.py."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import keyset
from cases.access import staff_required
from cases.choices import PartyChoices
from cases.people import is_street_wide
from meetings import decisions, invitations, minutes, pages, pdf
from meetings.access import can_change, meeting_for
from meetings.agenda import create_meeting, update_meeting
from meetings.forms import AttendanceForm, CorrectionForm, DoneForm, MeetingForm, add_refusal
from meetings.history import MeetingError
from meetings.models import Decision, Meeting, Proposal

PAGE_SIZE = 20
PAST = (("starts_at", True), ("id", True))
BY_DEADLINE = (("deadline", False), ("id", False))
PRINT_LANGUAGE = "zh-hans"


def changer_of(request):
    """The signed-in user if they may change meetings (secretary, supervisor); else 403."""
    if not can_change(request.user):
        raise PermissionDenied
    return request.user


@staff_required
@require_GET
def meeting_list(request):
    visible = Meeting.objects.visible_to(request.user).select_related("convener")
    upcoming = list(visible.filter(state=Meeting.State.PLANNED).order_by("starts_at", "id"))
    past = keyset.paginate(
        visible.exclude(state=Meeting.State.PLANNED), PAST, request.GET.get("after"), PAGE_SIZE
    )
    overdue = decisions.overdue().visible_to(request.user)[:1]
    context = {
        "upcoming": upcoming,
        "page": past,
        "can_change": can_change(request.user),
        "has_overdue": bool(list(overdue)),
        "proposals_waiting": (
            Proposal.objects.filter(state=Proposal.State.PROPOSED).count()
            if is_street_wide(request.user)
            else 0
        ),
    }
    return render(request, "meetings/list.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def meeting_create(request):
    user = changer_of(request)
    source = PartyChoices()
    previous = Meeting.objects.order_by("-starts_at", "-id").first()
    form = MeetingForm(
        request.POST or None,
        source=source,
        initial={"members": MeetingForm.proposed_members(source, previous)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            meeting = create_meeting(user=user, **form.cleaned_data)
        except MeetingError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Meeting planned."))
            return redirect(meeting)
    status = 400 if form.is_bound else 200
    return render(request, "meetings/meeting_form.html", {"form": form}, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk):
    meeting = meeting_for(request, pk)
    user = changer_of(request)
    if not meeting.agenda_open:
        messages.error(
            request, _("The minutes are approved and read-only; record a correction instead.")
        )
        return redirect(meeting)
    initial = {
        "title": meeting.title,
        "starts_at": timezone.localtime(meeting.starts_at),
        "place": meeting.place,
        "convener": str(meeting.convener_id),
        "members": [str(pk) for pk in meeting.members.values_list("pk", flat=True)],
    }
    form = MeetingForm(request.POST or None, source=PartyChoices(), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            update_meeting(meeting, user=user, **form.cleaned_data)
        except MeetingError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Meeting details saved."))
            return redirect(meeting)
    status = 400 if form.is_bound else 200
    context = {"form": form, "meeting": meeting}
    return render(request, "meetings/meeting_form.html", context, status=status)


@staff_required
@require_GET
def meeting_detail(request, pk):
    meeting = meeting_for(request, pk, Meeting.objects.select_related("convener"))
    return render(request, "meetings/detail.html", pages.meeting_page(request, meeting))


def refused(request, meeting, key, form, error=None):
    """The meeting's page again, with the refused form showing why next to its field."""
    if error is not None:
        add_refusal(form, error)
    context = pages.meeting_page(request, meeting, failed=(key, form))
    return render(request, "meetings/detail.html", context, status=400)


def _state_change(request, pk, change, done_message):
    meeting = meeting_for(request, pk)
    user = changer_of(request)
    try:
        change(meeting, user=user)
    except MeetingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done_message)
    return redirect(meeting)


@staff_required
@require_POST
def meeting_hold(request, pk):
    """Mark the meeting held; before its date and time, only once the secretary confirms
    (a page asks, so that it works without JavaScript)."""
    meeting = meeting_for(request, pk)
    changer_of(request)
    early = meeting.state == Meeting.State.PLANNED and meeting.starts_at > timezone.now()
    if early and request.POST.get("confirm") != "early":
        return render(request, "meetings/confirm_hold.html", {"meeting": meeting})
    return _state_change(request, pk, minutes.hold, _("The meeting is held: record the minutes."))


@staff_required
@require_POST
def meeting_invite(request, pk):
    return _state_change(
        request, pk, invitations.invite, _("Invitations sent to the member parties.")
    )


@staff_required
@require_POST
def meeting_approve(request, pk):
    return _state_change(request, pk, minutes.approve, _("Minutes approved."))


@staff_required
@require_POST
def meeting_attendance(request, pk):
    meeting = meeting_for(request, pk)
    user = changer_of(request)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        try:
            minutes.write_attendance(meeting, user=user, text=form.cleaned_data["attendance"])
        except MeetingError as error:
            return refused(request, meeting, ("attendance", None), form, error)
        messages.success(request, _("Saved."))
        return redirect(meeting.get_absolute_url() + "#attendance")
    return refused(request, meeting, ("attendance", None), form)


@staff_required
@require_POST
def meeting_correct(request, pk):
    meeting = meeting_for(request, pk)
    user = changer_of(request)
    form = CorrectionForm(request.POST, items=pages.agenda_items(meeting))
    if form.is_valid():
        try:
            minutes.correct(
                meeting, user=user, text=form.cleaned_data["text"], item=form.cleaned_data["item"]
            )
        except MeetingError as error:
            return refused(request, meeting, ("correct", None), form, error)
        messages.success(request, _("Correction recorded."))
        return redirect(meeting.get_absolute_url() + "#corrections")
    return refused(request, meeting, ("correct", None), form)


def _sheet(request, pk):
    """What a printed agenda or minutes shows."""
    meeting = meeting_for(request, pk, Meeting.objects.select_related("convener", "approved_by"))
    items = pages.agenda_items(meeting)
    return {
        "meeting": meeting,
        "members": list(meeting.members.order_by("kind", "name")),
        "items": items,
        "decisions": pages.all_decisions(items),
        "corrections": pages.corrections(meeting),
        "now": timezone.now(),
        "print_language": PRINT_LANGUAGE,
    }


def _print(request, pk, template):
    """A printable page, in Chinese whatever the reader's language (A4, print stylesheet)."""
    context = _sheet(request, pk)
    with translation.override(PRINT_LANGUAGE):
        return render(request, template, context)


def _pdf(data, name):
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@staff_required
@require_GET
def print_agenda(request, pk):
    return _print(request, pk, "meetings/print_agenda.html")


@staff_required
@require_GET
def print_minutes(request, pk):
    return _print(request, pk, "meetings/print_minutes.html")


@staff_required
@require_GET
def agenda_pdf(request, pk):
    sheet = _sheet(request, pk)
    data = pdf.agenda(sheet["meeting"], sheet["members"], sheet["items"])
    return _pdf(data, f"议程-{timezone.localtime(sheet['meeting'].starts_at):%Y%m%d}.pdf")


@staff_required
@require_GET
def minutes_pdf(request, pk):
    sheet = _sheet(request, pk)
    data = pdf.minutes(
        sheet["meeting"], sheet["members"], sheet["items"], sheet["decisions"], sheet["corrections"]
    )
    return _pdf(data, f"纪要-{timezone.localtime(sheet['meeting'].starts_at):%Y%m%d}.pdf")


SHOW = {
    "open": lambda qs, now: qs.open(),
    "overdue": lambda qs, now: qs.overdue(now),
    "done": lambda qs, now: qs.done(),
    "all": lambda qs, now: qs,
}


@staff_required
@require_GET
def decision_list(request):
    """Every decision the reader may see, open ones first by deadline (follow-up)."""
    show = request.GET.get("show") if request.GET.get("show") in SHOW else "open"
    now = timezone.now()
    queryset = SHOW[show](Decision.objects.visible_to(request.user), now)
    page = keyset.paginate(
        decisions.with_details(queryset), BY_DEADLINE, request.GET.get("after"), PAGE_SIZE
    )
    for decision in page.items:
        decision.done_form = None
        open_task = decision.is_task and not decision.is_done
        if open_task and decisions.may_mark_done(request.user, decision):
            decision.done_form = DoneForm(prefix=f"done-{decision.pk}")
    context = {"page": page, "show": show, "now": now, "choices": list(SHOW)}
    return render(request, "meetings/decisions.html", context)


@staff_required
@require_POST
def decision_done(request, pk):
    decision = get_object_or_404(
        Decision.objects.visible_to(request.user).select_related("meeting"), pk=pk
    )
    form = DoneForm(request.POST, prefix=f"done-{decision.pk}")
    back = request.POST.get("next") == "meeting"
    if form.is_valid():
        try:
            decisions.mark_done(decision, user=request.user, note=form.cleaned_data["note"])
        except MeetingError as error:
            if back:
                return refused(request, decision.meeting, ("done", decision.pk), form, error)
            messages.error(request, str(error))
        else:
            messages.success(request, _("Task marked done."))
    if back:
        return redirect(decision.meeting.get_absolute_url() + f"#item-{decision.item_id}")
    return redirect("meetings:decisions")
