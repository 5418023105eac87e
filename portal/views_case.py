"""Staff portal: one case (detail, its actions, its photos) and filing a case from patrol.

Buttons are exactly workflow.allowed_actions(); each form's fields come from the action's
row in workflow.ACTIONS; refusals are workflow.WorkflowError shown next to the field.
Every action posts to staff:case_action; with htmx the case panel is swapped in place,
without JavaScript the browser follows a redirect (or sees the page with the errors).
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from cases import ledger, ledger_page, media, privacy, questions, routing, sla, suggest, workflow
from cases.access import case_for, staff_required
from cases.choices import PartyChoices
from cases.inputs import unreported_shares
from cases.models import Case, Role, State
from cases.people import handler_parties, roles_of
from cases.workflow import ACTIONS, EVENT_LABELS, Actor, WorkflowError
from portal.forms import ActionForm, PatrolForm, standard_replies

ROUTED = ("dispatch", "reassign", "decide")


def _detail_queryset():
    return Case.objects.select_related(
        "category", "category__parent", "area", "lead_party", "reporter", "duplicate_of"
    ).defer("search")


@dataclass
class Deadline:
    label: str
    due: object
    hours_left: float
    calendar_hours: bool

    @property
    def overdue(self):
        return self.hours_left < 0

    @property
    def remaining(self):
        """The time left (or past) as people say it: 剩余3.5个工作小时, 剩余不足1个工作小时,
        已超期2个工作小时; whole hours without a decimal."""
        left = self.hours_left
        unit = CALENDAR_HOURS if self.calendar_hours else WORKING_HOURS
        if left < 0:
            if -left < 1:
                return OVERDUE_UNDER_AN_HOUR[unit]
            return OVERDUE_BY[unit] % {"h": _hours(-left)}
        if left < 1:
            return UNDER_AN_HOUR_LEFT[unit]
        return LEFT[unit] % {"h": _hours(left)}


CALENDAR_HOURS, WORKING_HOURS = "calendar", "working"
LEFT = {
    WORKING_HOURS: gettext_lazy("%(h)s working hours left"),
    CALENDAR_HOURS: gettext_lazy("%(h)s hours left"),
}
UNDER_AN_HOUR_LEFT = {
    WORKING_HOURS: gettext_lazy("less than one working hour left"),
    CALENDAR_HOURS: gettext_lazy("less than an hour left"),
}
OVERDUE_BY = {
    WORKING_HOURS: gettext_lazy("overdue by %(h)s working hours"),
    CALENDAR_HOURS: gettext_lazy("overdue by %(h)s hours"),
}
OVERDUE_UNDER_AN_HOUR = {
    WORKING_HOURS: gettext_lazy("overdue by less than one working hour"),
    CALENDAR_HOURS: gettext_lazy("overdue by less than an hour"),
}


def _hours(value):
    """Hours to the half hour, without a trailing .0: 3, 3.5."""
    halves = round(value * 2) / 2
    return f"{halves:.0f}" if halves == int(halves) else f"{halves:.1f}"


def deadlines(case, now=None):
    """The deadlines running now, with the time left in the clock the case runs on."""
    now = now or timezone.now()
    calendar = case.calendar_hours
    return [
        Deadline(step.label, due, sla.hours_left(due, now, calendar_hours=calendar), calendar)
        for step, due in sla.running_steps(case)
    ]


def _takes_text(spec):
    return bool({"note", "reason"} & (set(spec.needs) | set(spec.accepts)))


def waiting_first(case, allowed):
    """The allowed actions with the step the case waits for first (sla.STEPS: the step of
    its state, and the action that meets it), so that the primary button is that step and
    not, say, escalation, which comes earlier in the workflow's table."""
    step = sla.step_for_state(case.state)
    waited = step.done_by if step else None
    return sorted(allowed, key=lambda name: name != waited)


def share_hint(case, user):
    """The co-parties that have not reported on their share, for a handler of the lead
    party while the case is with it: they must report before the case is resolved (or the
    handler gives a reason). Empty for anyone else."""
    if case.state not in (State.DISPATCHED, State.IN_PROGRESS) or case.lead_party_id is None:
        return []
    if case.lead_party_id not in {p.pk for p in handler_parties(user)}:
        return []
    return [share.party.label for share in unreported_shares(case)]


def _point(case):
    """What the case page's small map draws: the point, and its area's outline."""
    if case.lat is None or case.lng is None:
        return None
    outline = case.area.boundary if case.area_id else None
    return {
        "lat": case.lat,
        "lng": case.lng,
        "tiles": settings.HONGMEI_TILE_URL,
        "outline": outline,
    }


def case_context(request, case, *, failed=None, revealed=False):
    """Everything the case panel shows; `failed` is a form that came back with errors."""
    actor = Actor.staff(request.user)
    allowed = waiting_first(case, workflow.allowed_actions(case, actor))
    source = PartyChoices()
    with_text = any(
        {"note", "reason"} & (set(ACTIONS[a].needs) | set(ACTIONS[a].accepts)) for a in allowed
    )
    replies = standard_replies(case) if with_text else []
    suggestion = routing.suggest(case) if set(allowed) & set(ROUTED) else None
    guess = category_guess(case) if "recategorise" in allowed else None
    forms = []
    for name in allowed:
        if name == "show_contact":
            continue
        if failed is not None and failed.spec.name == name:
            forms.append(failed)
        else:
            forms.append(
                ActionForm(
                    ACTIONS[name],
                    case,
                    user=request.user,
                    data_source=source,
                    replies=replies,
                    suggestion=suggestion,
                    guess=guess,
                )
            )
    events = list(
        case.events.select_related("actor", "actor_party")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    photos = [a for e in events for a in e.attachments.all()]
    return {
        "case": case,
        "allowed": allowed,
        "forms": forms,
        "failed": failed,
        "events": events,
        "labels": EVENT_LABELS,
        "photos": photos,
        "shares": list(case.shares.filter(is_active=True).select_related("party")),
        "share_hint": share_hint(case, request.user),
        "point": _point(case),
        "contact": privacy.contact_for(case, request.user, revealed=revealed),
        "can_show_contact": "show_contact" in allowed,
        "deadlines": deadlines(case),
        "suggestion": suggestion,
        "category_guess": guess,
        "answers": questions.answers_shown(case),
        "states": dict(State.choices),
        "roles": workflow.ACTOR_ROLE_LABELS,
    }


def category_guess(case):
    """(category, confidence) when the category suggestion is confident the case's own
    category is wrong (cases.suggest.doubt); None otherwise or without a model."""
    doubt = suggest.doubt(case)
    found = suggest.with_categories([doubt]) if doubt else []
    return found[0] if found else None


@staff_required
def case_history_json(request, number):
    """The case's verifiable history, whole, as a file (docs/ledger.md)."""
    case = case_for(request, number)
    return ledger_page.download(ledger.history(case))


@staff_required
def case_history_print(request, number):
    case = case_for(request, number)
    history = ledger.history(case)
    context = ledger_page.context(history) | {
        "back": reverse("staff:case_detail", args=[case.number]),
        "download": reverse("staff:case_history_json", args=[case.number]),
    }
    return render(request, "staff/case_history.html", context)


@staff_required
def case_detail(request, number):
    case = case_for(request, number, queryset=_detail_queryset())
    return render(request, "staff/case_detail.html", case_context(request, case))


def _form_for(request, case, spec, data=None, files=None):
    suggestion = routing.suggest(case) if spec.name in ROUTED else None
    guess = category_guess(case) if spec.name == "recategorise" else None
    has_text = _takes_text(spec)
    return ActionForm(
        spec,
        case,
        user=request.user,
        data_source=PartyChoices(),
        replies=standard_replies(case) if has_text else [],
        suggestion=suggestion,
        guess=guess,
        data=data,
        files=files,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def case_action(request, number, action):
    case = case_for(request, number, queryset=_detail_queryset())
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    if request.method == "GET":
        return _action_page(request, case, spec)
    form = _form_for(request, case, spec, request.POST, request.FILES)
    if form.is_valid():
        try:
            workflow.perform(case, action, actor=Actor.staff(request.user), **form.inputs())
        except WorkflowError as error:
            form.add_refusal(error)
        else:
            return _done(request, case, spec)
    context = case_context(request, case, failed=form)
    if request.htmx:
        return render(request, "staff/_case.html", context)
    return render(request, "staff/case_detail.html", context, status=400)


def _action_page(request, case, spec):
    """One action's form on a page of its own (a link that works without JavaScript)."""
    allowed = spec.name in workflow.allowed_actions(case, Actor.staff(request.user))
    form = _form_for(request, case, spec) if allowed else None
    return render(request, "staff/action.html", {"case": case, "spec": spec, "form": form})


def _done(request, case, spec):
    if spec.name != "show_contact":
        messages.success(request, _("Done: %(action)s.") % {"action": spec.label})
    detail = reverse("staff:case_detail", args=[case.number])
    try:
        case = case_for(request, case.number, queryset=_detail_queryset())
    except Http404:
        # The case has left the user's sight (e.g. returned to the dispatcher).
        if request.htmx:
            return HttpResponseClientRedirect(reverse("staff:home"))
        return redirect("staff:home")
    if request.htmx:
        context = case_context(request, case, revealed=spec.name == "show_contact")
        return render(request, "staff/_case.html", context)
    return redirect(detail)


@staff_required
def case_photo(request, number, pk):
    case = case_for(request, number)
    attachment = get_object_or_404(case.attachments, pk=pk)
    return media.serve(attachment.file, content_type=attachment.content_type)


@staff_required
@require_http_methods(["GET", "POST"])
def file_patrol_case(request):
    """An inspector files what they found on patrol; a dispatcher what came by phone."""
    roles = roles_of(request.user)
    if not roles & {Role.INSPECTOR, Role.DISPATCHER}:
        raise PermissionDenied
    channel = Case.Channel.PATROL if Role.INSPECTOR in roles else Case.Channel.PHONE
    form = PatrolForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = workflow.file_case(
                actor=Actor.staff(request.user),
                category=data["category"],
                description=data["description"],
                channel=channel,
                lat=data.get("lat"),
                lng=data.get("lng"),
                area=data.get("area"),
                address=data.get("address", ""),
                photos=data.get("photos") or [],
                priority=data["priority"],
            )
        except WorkflowError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, _("Case %(number)s filed.") % {"number": case.number})
            return redirect("staff:case_detail", case.number)
    return render(request, "staff/file_case.html", {"form": form, "channel": channel})
