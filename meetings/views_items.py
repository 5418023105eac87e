"""Changes to a meeting's agenda items: add an escalated case or a topic, edit, reorder,
remove, attach files, write minutes, record decisions and deferrals. Every change is made
by the secretary or the supervisor; a refusal shows the meeting's page again with the
reason next to the field."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import media
from cases.access import staff_required
from cases.choices import PartyChoices
from cases.models import Case
from meetings import agenda, decisions, minutes
from meetings.access import meeting_for
from meetings.forms import (
    AddCaseForm,
    AttachmentForm,
    DecisionForm,
    DeferForm,
    MinutesForm,
    TopicForm,
    add_refusal,
)
from meetings.history import MeetingError
from meetings.models import AgendaAttachment
from meetings.views import changer_of, refused


def _item(request, pk, item_pk):
    meeting = meeting_for(request, pk)
    user = changer_of(request)
    item = get_object_or_404(meeting.items.select_related("meeting", "case"), pk=item_pk)
    return meeting, item, user


def _to_item(item):
    return redirect(item.meeting.get_absolute_url() + f"#item-{item.pk}")


@staff_required
@require_POST
def add_case(request, pk):
    meeting = meeting_for(request, pk)
    user = changer_of(request)
    form = AddCaseForm(request.POST)
    case = None
    if form.is_valid():
        case = Case.objects.filter(number=form.cleaned_data["number"].strip().upper()).first()
    if case is None:
        messages.error(request, _("There is no case with this number."))
        return redirect(meeting)
    try:
        item = agenda.add_case(meeting, case, user=user)
    except MeetingError as error:
        messages.error(request, str(error))
        return redirect(meeting)
    messages.success(request, _("%(number)s is on the agenda.") % {"number": case.number})
    return _to_item(item)


@staff_required
@require_POST
def add_topic(request, pk):
    meeting = meeting_for(request, pk)
    user = changer_of(request)
    form = TopicForm(request.POST, prefix="topic", source=PartyChoices())
    if not form.is_valid():
        return refused(request, meeting, ("topic", None), form)
    try:
        item = agenda.add_topic(meeting, user=user, **form.cleaned_data)
    except MeetingError as error:
        return refused(request, meeting, ("topic", None), form, error)
    messages.success(request, _("Topic added to the agenda."))
    return _to_item(item)


@staff_required
@require_http_methods(["GET", "POST"])
def item_edit(request, pk, item_pk):
    meeting, item, user = _item(request, pk, item_pk)
    initial = {
        "title": item.title,
        "description": item.description,
        "presenter": str(item.presenter_id or ""),
    }
    form = TopicForm(request.POST or None, source=PartyChoices(), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            agenda.update_item(item, user=user, **form.cleaned_data)
        except MeetingError as error:
            add_refusal(form, error)
        else:
            messages.success(request, _("Agenda item saved."))
            return _to_item(item)
    status = 400 if form.is_bound else 200
    context = {"meeting": meeting, "item": item, "form": form}
    return render(request, "meetings/item_form.html", context, status=status)


@staff_required
@require_POST
def item_move(request, pk, item_pk):
    _meeting, item, user = _item(request, pk, item_pk)
    try:
        agenda.move_item(item, user=user, up=request.POST.get("direction") != "down")
    except MeetingError as error:
        messages.error(request, str(error))
    return _to_item(item)


@staff_required
@require_POST
def item_remove(request, pk, item_pk):
    meeting, item, user = _item(request, pk, item_pk)
    try:
        agenda.remove_item(item, user=user)
    except MeetingError as error:
        messages.error(request, str(error))
        return _to_item(item)
    messages.success(request, _("Agenda item removed."))
    return redirect(meeting)


@staff_required
@require_POST
def item_attach(request, pk, item_pk):
    meeting, item, user = _item(request, pk, item_pk)
    form = AttachmentForm(request.POST, request.FILES, prefix=f"file-{item.pk}")
    key = ("attach", item.pk)
    if not form.is_valid():
        return refused(request, meeting, key, form)
    upload = form.cleaned_data.get("file")
    if not upload:
        return refused(request, meeting, key, form, MeetingError(_("Choose a file."), "file"))
    try:
        agenda.attach(item, upload, user=user)
    except MeetingError as error:
        return refused(request, meeting, key, form, error)
    messages.success(request, _("File attached."))
    return _to_item(item)


@staff_required
@require_POST
def item_minutes(request, pk, item_pk):
    meeting, item, user = _item(request, pk, item_pk)
    form = MinutesForm(request.POST, prefix=f"minutes-{item.pk}")
    if not form.is_valid():
        return refused(request, meeting, ("minutes", item.pk), form)
    try:
        minutes.write_minutes(item, user=user, text=form.cleaned_data["minutes"])
    except MeetingError as error:
        return refused(request, meeting, ("minutes", item.pk), form, error)
    messages.success(request, _("Minutes saved."))
    return _to_item(item)


@staff_required
@require_POST
def item_decide(request, pk, item_pk):
    meeting, item, user = _item(request, pk, item_pk)
    form = DecisionForm(request.POST, prefix=f"decide-{item.pk}", source=PartyChoices())
    if not form.is_valid():
        return refused(request, meeting, ("decide", item.pk), form)
    try:
        decisions.record_decision(item, user=user, **form.cleaned_data)
    except MeetingError as error:
        return refused(request, meeting, ("decide", item.pk), form, error)
    messages.success(request, _("Decision recorded."))
    return _to_item(item)


@staff_required
@require_POST
def item_defer(request, pk, item_pk):
    meeting, item, user = _item(request, pk, item_pk)
    form = DeferForm(request.POST, prefix=f"defer-{item.pk}")
    if not form.is_valid():
        return refused(request, meeting, ("defer", item.pk), form)
    try:
        decisions.defer(item, user=user, reason=form.cleaned_data["reason"])
    except MeetingError as error:
        return refused(request, meeting, ("defer", item.pk), form, error)
    messages.success(request, _("Deferred to the next meeting."))
    return _to_item(item)


@staff_required
@require_GET
def attachment(request, pk, file_pk):
    """A file of an agenda item, to those who may see the meeting; always as a download
    (photos are shown inline), with the type found when it was taken in."""
    meeting = meeting_for(request, pk)
    stored = get_object_or_404(AgendaAttachment, pk=file_pk, item__meeting=meeting)
    return media.serve(stored.file, content_type=stored.content_type, filename=stored.name)
