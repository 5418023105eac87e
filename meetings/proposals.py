"""Recurring problems proposed for the joint meeting's agenda (docs/learning.md).

cases.recurrence finds the groups; propose() keeps one Proposal per group: a new group
becomes a proposal; a group that overlaps a proposal still waiting adds its new cases to
it; a group that overlaps proposals already accepted or dismissed is proposed again only
when it has cases none of them had (it grew). The secretary (or the supervisor) accepts a
proposal, which puts one topic on a planned meeting's agenda linking all its cases, or
dismisses it with a reason. These are the only writers of Proposal.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import recurrence
from cases.models import Case, Party
from meetings import invitations
from meetings.access import check_can_change
from meetings.agenda import _check_agenda_open, _next_position, add_members
from meetings.history import MeetingError, record
from meetings.models import AgendaItem, Meeting, Proposal

MAX_TEXT = 4000
# New proposals one run may make, largest groups first: the secretary reads each one, and a
# street where many places cross the threshold at once needs its thresholds raised, not a
# flood (docs/learning.md). Growing a waiting proposal is not limited.
MAX_NEW = 20


def propose(clusters, *, at=None, max_new=MAX_NEW):
    """Record `clusters` (cases.recurrence.Cluster, largest first) as proposals, at most
    `max_new` new ones. Returns the proposals created or grown. Safe to run again: the same
    cases make no second proposal."""
    at = at or timezone.now()
    changed, created = [], 0
    with transaction.atomic():
        for cluster in clusters:
            proposal, new = _propose_one(cluster, at, may_create=created < max_new)
            if proposal is not None:
                created += new
                changed.append(proposal)
    return changed


def _propose_one(cluster, at, *, may_create=True):
    ids = set(cluster.case_ids)
    overlapping = list(
        Proposal.objects.filter(category=cluster.category, kind=cluster.kind, cases__in=ids)
        .distinct()
        .order_by("-created_at", "-id")
    )
    waiting = next((p for p in overlapping if p.state == Proposal.State.PROPOSED), None)
    if waiting is not None:
        known = set(waiting.cases.values_list("pk", flat=True))
        if ids <= known:
            return None, False
        waiting.cases.add(*(ids - known))
        waiting.case_count = len(known | ids)
        waiting.first_at = min(waiting.first_at, cluster.first_at)
        waiting.last_at = max(waiting.last_at, cluster.last_at)
        waiting.save(update_fields=["case_count", "first_at", "last_at"])
        return waiting, False
    seen = set(
        Proposal.cases.through.objects.filter(proposal__in=overlapping).values_list(
            "case_id", flat=True
        )
    )
    if (overlapping and ids <= seen) or not may_create:
        return None, False  # decided before and not grown since, or enough new tonight
    proposal = Proposal.objects.create(
        category=cluster.category,
        kind=cluster.kind,
        case_count=len(ids),
        first_at=cluster.first_at,
        last_at=cluster.last_at,
        lat=cluster.lat,
        lng=cluster.lng,
        shop=cluster.shop[:200],
        created_at=at,
    )
    proposal.cases.set(ids)
    return proposal, True


def propose_recurring(*, now=None):
    """Detect the recurring problems now and propose them (the nightly beat task)."""
    return propose(recurrence.detect(now=now), at=now)


def next_meeting(at=None):
    """The next planned meeting (the first from now on), or None."""
    return (
        Meeting.objects.filter(state=Meeting.State.PLANNED, starts_at__gte=at or timezone.now())
        .order_by("starts_at", "id")
        .first()
    )


def _check_waiting(proposal):
    if proposal.state != Proposal.State.PROPOSED:
        raise MeetingError(_("This proposal has been decided already."))


def _title(proposal):
    where = proposal.shop or ""
    if not where:
        first = proposal.cases.select_related("area").order_by("created_at", "id").first()
        if first is not None:
            where = first.address or (first.area.name if first.area_id else "")
    title = _("Recurring problem: %(category)s, %(count)s reports") % {
        "category": proposal.category.name,
        "count": proposal.case_count,
    }
    return f"{title}（{where}）" if where else title


def _description(proposal, cases):
    lines = [
        _("%(count)s reports from %(first)s to %(last)s.")
        % {
            "count": len(cases),
            "first": f"{timezone.localtime(proposal.first_at):%Y-%m-%d}",
            "last": f"{timezone.localtime(proposal.last_at):%Y-%m-%d}",
        }
    ]
    parties = involved_parties(cases)
    if parties:
        lines.append(_("Parties involved so far: %(parties)s.") % {"parties": "、".join(
            p.name for p in parties
        )})  # fmt: skip
    lines += [
        f"{c.number} {timezone.localtime(c.created_at):%Y-%m-%d} {c.get_state_display()}"
        for c in cases
    ]
    return "\n".join(lines)


def involved_parties(cases):
    """The lead parties and co-parties the cases have had so far, by name."""
    ids = {c.lead_party_id for c in cases if c.lead_party_id}
    ids |= set(
        Case.co_parties.through.objects.filter(case__in=cases).values_list("party_id", flat=True)
    )
    return list(Party.objects.filter(pk__in=ids).order_by("name"))


def accept(proposal, meeting, *, user, at=None):
    """Put the proposal on `meeting`'s agenda: one topic linking all its cases, presented by
    no party (the street office raises it); the parties involved join the meeting."""
    check_can_change(user)
    if meeting is None:
        raise MeetingError(_("Plan a meeting first: there is no meeting to add it to."))
    _check_agenda_open(meeting)
    at = at or timezone.now()
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        _check_waiting(proposal)
        cases = list(proposal.cases.select_related("lead_party").order_by("created_at", "id"))
        item = AgendaItem.objects.create(
            meeting=meeting,
            kind=AgendaItem.Kind.TOPIC,
            position=_next_position(meeting),
            title=_title(proposal)[:200],
            description=_description(proposal, cases),
            created_at=at,
        )
        item.linked_cases.set(cases)
        add_members(meeting, involved_parties(cases))
        proposal.state, proposal.item = Proposal.State.ACCEPTED, item
        proposal.decided_by, proposal.decided_at = user, at
        proposal.save(update_fields=["state", "item", "decided_by", "decided_at"])
        record(
            meeting,
            "item_added",
            actor=user,
            at=at,
            data={
                "item": item.pk,
                "title": item.title,
                "proposal": proposal.pk,
                "cases": [c.number for c in cases],
            },
        )
        invitations.agenda_changed(meeting, at=at)
    return item


def dismiss(proposal, *, user, reason, at=None):
    """Dismiss the proposal with a reason; its cases are not proposed again unless new
    reports join them."""
    check_can_change(user)
    reason = (reason or "").strip()
    if not reason:
        raise MeetingError(_("Please give a reason."), field="reason")
    if len(reason) > MAX_TEXT:
        raise MeetingError(
            _("Please keep it under %(n)s characters.") % {"n": MAX_TEXT}, field="reason"
        )
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        _check_waiting(proposal)
        proposal.state, proposal.reason = Proposal.State.DISMISSED, reason
        proposal.decided_by, proposal.decided_at = user, at or timezone.now()
        proposal.save(update_fields=["state", "reason", "decided_by", "decided_at"])
    return proposal
