"""Recurring problems proposed for the agenda (docs/learning.md): the list with each one's
evidence, and the secretary's accept and dismiss (meetings/proposals.py does the writing)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.access import staff_required
from cases.intake import distance_m
from cases.people import is_street_wide
from meetings import proposals
from meetings.access import can_change
from meetings.forms import AcceptProposalForm, DismissProposalForm
from meetings.history import MeetingError
from meetings.models import Meeting, Proposal
from meetings.views import changer_of

LIST_SIZE = 50
DECIDED_SIZE = 20
MAP_SIZE = 160  # pixels of the small map, square
MAP_METRES = 200  # metres from the centre to the map's edge


def _street_wide(request):
    """Proposals are street-wide matters: handlers never see them (404, as elsewhere)."""
    if not is_street_wide(request.user):
        raise Http404


def small_map(proposal, cases):
    """The cases as points on a small square map around the proposal's centre, with the
    circle of the category's radius: {"circle": r, "points": [(x, y, case)]} in pixels."""
    if proposal.lat is None or proposal.lng is None:
        return None
    half = MAP_SIZE / 2
    scale = half / MAP_METRES
    points = []
    for case in cases:
        if case.lat is None or case.lng is None:
            continue
        dx = distance_m(proposal.lat, proposal.lng, proposal.lat, case.lng)
        dy = distance_m(proposal.lat, proposal.lng, case.lat, proposal.lng)
        dx = dx if case.lng >= proposal.lng else -dx
        dy = dy if case.lat >= proposal.lat else -dy
        x = min(max(half + dx * scale, 4), MAP_SIZE - 4)
        y = min(max(half - dy * scale, 4), MAP_SIZE - 4)
        points.append((round(x, 1), round(y, 1), case))
    radius = (proposal.category.recurrence_metres or 100) * scale
    return {"size": MAP_SIZE, "centre": half, "circle": round(radius, 1), "points": points}


def _evidence(proposal):
    cases = sorted(proposal.cases.all(), key=lambda c: (c.created_at, c.id))
    parties = {c.lead_party.pk: c.lead_party for c in cases if c.lead_party_id}
    for case in cases:
        parties.update({s.party.pk: s.party for s in case.shares.all()})
    proposal.evidence_cases = cases
    proposal.parties = sorted(parties.values(), key=lambda p: p.name)
    proposal.map = small_map(proposal, cases)
    return proposal


@staff_required
@require_GET
def proposal_list(request):
    _street_wide(request)
    base = Proposal.objects.select_related("category", "item__meeting", "decided_by")
    prefetch = ("cases__lead_party", "cases__shares__party", "cases__category")
    waiting = [
        _evidence(p)
        for p in base.filter(state=Proposal.State.PROPOSED).prefetch_related(*prefetch)[:LIST_SIZE]
    ]
    decided = list(
        base.exclude(state=Proposal.State.PROPOSED).order_by("-decided_at", "-id")[:DECIDED_SIZE]
    )
    meetings = list(
        Meeting.objects.filter(state=Meeting.State.PLANNED).order_by("starts_at", "id")[:10]
    )
    following = proposals.next_meeting()
    context = {
        "waiting": waiting,
        "decided": decided,
        "can_change": can_change(request.user),
        "accept_form": AcceptProposalForm(meetings=meetings, initial_meeting=following),
        "dismiss_form": DismissProposalForm(),
    }
    return render(request, "meetings/proposals.html", context)


@staff_required
@require_POST
def proposal_accept(request, pk):
    _street_wide(request)
    user = changer_of(request)
    proposal = get_object_or_404(Proposal, pk=pk)
    meetings = Meeting.objects.filter(state=Meeting.State.PLANNED)
    form = AcceptProposalForm(request.POST, meetings=meetings)
    if not form.is_valid():
        messages.error(request, _("Choose a planned meeting."))
        return redirect("meetings:proposals")
    try:
        item = proposals.accept(proposal, form.cleaned_data["meeting"], user=user)
    except MeetingError as error:
        messages.error(request, str(error))
        return redirect("meetings:proposals")
    messages.success(request, _("The recurring problem is on the agenda."))
    return redirect(f"{item.meeting.get_absolute_url()}#item-{item.pk}")


@staff_required
@require_POST
def proposal_dismiss(request, pk):
    _street_wide(request)
    user = changer_of(request)
    proposal = get_object_or_404(Proposal, pk=pk)
    form = DismissProposalForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        proposals.dismiss(proposal, user=user, reason=reason)
    except MeetingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The proposal is dismissed."))
    return redirect("meetings:proposals")
