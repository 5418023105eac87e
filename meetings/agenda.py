"""Planning a meeting and building its agenda (docs/meetings.md).

The agenda holds three kinds of items: escalated cases (every case awaiting the joint
meeting is offered), free topics, and the follow-up (落实情况) of earlier decisions, which
carry_over() puts on every planned meeting by itself: each decision of an earlier meeting
comes back until a meeting has seen it done. Cases deferred at an earlier meeting come back
the same way.
"""

from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Event, Party, State
from meetings import files, invitations
from meetings.access import check_can_change
from meetings.history import MeetingError, record
from meetings.models import AgendaAttachment, AgendaItem, Decision, Meeting

OFFERED_MAX = 100
ITEM = AgendaItem.Kind
PENDING_MEETING_STATES = (Meeting.State.PLANNED, Meeting.State.HELD)


# ---------------------------------------------------------------------------- meetings


def _check_details(title, place, convener, starts_at):
    if not (title or "").strip():
        raise MeetingError(_("Give the meeting a title."), field="title")
    if not (place or "").strip():
        raise MeetingError(_("Say where the meeting takes place."), field="place")
    if starts_at is None:
        raise MeetingError(_("Give the date and time."), field="starts_at")
    if convener is None or convener.kind != Party.Kind.STREET_OFFICE:
        raise MeetingError(_("The street office convenes the meeting."), field="convener")


def create_meeting(*, user, title, starts_at, place, convener, members, at=None):
    """Plan a meeting; earlier decisions and deferred cases join its agenda at once."""
    check_can_change(user)
    _check_details(title, place, convener, starts_at)
    at = at or timezone.now()
    with transaction.atomic():
        meeting = Meeting.objects.create(
            title=title.strip(),
            starts_at=starts_at,
            place=place.strip(),
            convener=convener,
            created_by=user,
            created_at=at,
        )
        meeting.members.set(members)
        record(meeting, "created", actor=user, at=at)
        carry_over(meeting, at=at)
    return meeting


def update_meeting(meeting, *, user, title, starts_at, place, convener, members):
    check_can_change(user)
    _check_details(title, place, convener, starts_at)
    _check_agenda_open(meeting)
    with transaction.atomic():
        before = {p.pk for p in meeting.members.all()}
        changed = [
            name
            for name, value in (
                ("title", title.strip()),
                ("starts_at", starts_at),
                ("place", place.strip()),
                ("convener", convener),
            )
            if getattr(meeting, name) != value
        ]
        meeting.title, meeting.starts_at = title.strip(), starts_at
        meeting.place, meeting.convener = place.strip(), convener
        meeting.save(update_fields=["title", "starts_at", "place", "convener"])
        meeting.members.set(members)
        if {p.pk for p in members} != before:
            changed.append("members")
        if changed:
            record(meeting, "updated", actor=user, data={"changed": changed})
            invitations.agenda_changed(meeting)
    return meeting


def _check_agenda_open(meeting):
    if meeting.state == Meeting.State.APPROVED:
        raise MeetingError(
            _("The minutes are approved and read-only; record a correction instead.")
        )


def add_members(meeting, parties):
    """Parties that present an item or are given a decision join the meeting."""
    present = set(meeting.members.values_list("pk", flat=True))
    missing = [p for p in parties if p is not None and p.pk not in present]
    if missing:
        meeting.members.add(*missing)
    return missing


# ---------------------------------------------------------------------------- items


def _next_position(meeting):
    last = meeting.items.aggregate(last=Max("position"))["last"]
    return (last or 0) + 1


def _pending_elsewhere(case, meeting):
    """The other meeting where `case` waits on the agenda (not yet decided or deferred)."""
    item = (
        AgendaItem.objects.filter(case=case, outcome="", meeting__state__in=PENDING_MEETING_STATES)
        .exclude(meeting=meeting)
        .select_related("meeting")
        .first()
    )
    return item.meeting if item else None


def offered_cases(meeting, limit=OFFERED_MAX):
    """Escalated cases the secretary may put on this agenda: every case awaiting the joint
    meeting that is not already waiting on this or another meeting's agenda, oldest first,
    each with the reason it was escalated (`case.escalation`)."""
    waiting = AgendaItem.objects.filter(
        case=OuterRef("pk"), outcome="", meeting__state__in=PENDING_MEETING_STATES
    )
    here = AgendaItem.objects.filter(case=OuterRef("pk"), meeting=meeting)
    cases = list(
        Case.objects.filter(state=State.AWAITING_MEETING)
        .exclude(Exists(waiting))
        .exclude(Exists(here))
        .select_related("category", "area", "lead_party")
        .defer("search")
        .order_by("updated_at", "id")[:limit]
    )
    escalations = _escalations(cases)
    for case in cases:
        case.escalation = escalations.get(case.pk)
    return cases


def _escalations(cases):
    """The latest escalate event of each case, by case id (one query)."""
    events = (
        Event.objects.filter(case__in=[c.pk for c in cases], kind="escalate")
        .select_related("actor_party")
        .order_by("case_id", "-created_at", "-id")
    )
    latest = {}
    for event in events:
        latest.setdefault(event.case_id, event)
    return latest


def _case_title(case):
    where = case.area.name if case.area_id else ""
    if case.address:
        where = f"{where} {case.address}".strip()
    return f"{case.number} {case.category.name}" + (f"（{where}）" if where else "")


def add_case(meeting, case, *, user, at=None):
    """Put an escalated case on the agenda, presented by the party that escalated it."""
    check_can_change(user)
    _check_agenda_open(meeting)
    at = at or timezone.now()
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("category", "area")
            .get(pk=case.pk)
        )
        if case.state != State.AWAITING_MEETING:
            raise MeetingError(_("Only cases awaiting the joint meeting go on the agenda."))
        if meeting.items.filter(case=case).exists():
            raise MeetingError(_("This case is on the agenda already."))
        other = _pending_elsewhere(case, meeting)
        if other is not None:
            raise MeetingError(
                _("This case waits on the agenda of “%(meeting)s” already.") % {"meeting": other}
            )
        item = _add_case_item(meeting, case, user=user, at=at)
        invitations.agenda_changed(meeting, at=at)
    return item


def _add_case_item(meeting, case, *, user, at, carried=False):
    escalation = _escalations([case]).get(case.pk)
    presenter = (escalation.actor_party if escalation else None) or case.lead_party
    item = AgendaItem.objects.create(
        meeting=meeting,
        kind=ITEM.CASE,
        position=_next_position(meeting),
        case=case,
        title=_case_title(case)[:200],
        description=case.description,
        presenter=presenter,
        created_at=at,
    )
    add_members(meeting, [presenter])
    record(
        meeting,
        "item_added",
        actor=user,
        at=at,
        data={"item": item.pk, "title": item.title, "case": case.number, "carried": carried},
    )
    return item


def add_topic(meeting, *, user, title, description="", presenter=None, at=None):
    """A free topic, such as a campaign along Hongmei Road."""
    check_can_change(user)
    _check_agenda_open(meeting)
    if not (title or "").strip():
        raise MeetingError(_("Give the topic a title."), field="title")
    at = at or timezone.now()
    with transaction.atomic():
        item = AgendaItem.objects.create(
            meeting=meeting,
            kind=ITEM.TOPIC,
            position=_next_position(meeting),
            title=title.strip(),
            description=(description or "").strip(),
            presenter=presenter,
            created_at=at,
        )
        add_members(meeting, [presenter])
        record(
            meeting, "item_added", actor=user, at=at, data={"item": item.pk, "title": item.title}
        )
        invitations.agenda_changed(meeting, at=at)
    return item


def update_item(item, *, user, title, description, presenter):
    check_can_change(user)
    _check_agenda_open(item.meeting)
    if not (title or "").strip():
        raise MeetingError(_("Give the topic a title."), field="title")
    with transaction.atomic():
        item.title, item.description = title.strip(), (description or "").strip()
        item.presenter = presenter
        item.save(update_fields=["title", "description", "presenter"])
        add_members(item.meeting, [presenter])
        record(
            item.meeting, "item_changed", actor=user, data={"item": item.pk, "title": item.title}
        )
        invitations.agenda_changed(item.meeting)
    return item


def remove_item(item, *, user):
    """Take a case or topic off a planned agenda. Follow-up items stay: they come back by
    themselves until their decision is done."""
    check_can_change(user)
    meeting = item.meeting
    if meeting.state != Meeting.State.PLANNED:
        raise MeetingError(_("Items can be removed only before the meeting is held."))
    if item.is_follow_up:
        raise MeetingError(
            _("A follow-up item stays on the agenda until the decision it follows is done.")
        )
    with transaction.atomic():
        stored = [a.file for a in item.attachments.all()]
        data = {"item": item.pk, "title": item.title}
        if item.case_id:
            data["case"] = item.case.number
        item.delete()
        record(meeting, "item_removed", actor=user, data=data)
        invitations.agenda_changed(meeting)
        transaction.on_commit(lambda: files.remove(stored))


def move_item(item, *, user, up):
    """Swap an item with its neighbour above (up=True) or below."""
    check_can_change(user)
    meeting = item.meeting
    _check_agenda_open(meeting)
    with transaction.atomic():
        items = list(meeting.items.select_for_update().order_by("position", "id"))
        index = next(i for i, other in enumerate(items) if other.pk == item.pk)
        other = index - 1 if up else index + 1
        if not 0 <= other < len(items):
            return item
        items[index], items[other] = items[other], items[index]
        for position, each in enumerate(items, start=1):
            if each.position != position:
                AgendaItem.objects.filter(pk=each.pk).update(position=position)
        record(meeting, "item_moved", actor=user, data={"item": item.pk, "up": up})
        invitations.agenda_changed(meeting)
    return item


def attach(item, upload, *, user, at=None):
    """Store a file for an item (photos cleaned through cases.images; PDFs and Office
    documents checked by their content) under a random name."""
    check_can_change(user)
    _check_agenda_open(item.meeting)
    at = at or timezone.now()
    stored = files.clean(upload)
    attachment = AgendaAttachment(
        item=item,
        name=stored.name,
        content_type=stored.content_type,
        size=len(stored.data),
        uploaded_by=user,
        created_at=at,
    )
    attachment.file.save(stored.storage_name, stored.as_file(), save=False)
    try:
        with transaction.atomic():
            attachment.save()
            record(
                item.meeting,
                "file_added",
                actor=user,
                at=at,
                data={"item": item.pk, "name": attachment.name},
            )
    except BaseException:
        files.remove([attachment.file])
        raise
    return attachment


# ---------------------------------------------------------------------------- carry-over


def _unreviewed_decisions(meeting):
    """Decisions of earlier meetings no meeting has yet seen done, not on this agenda."""
    seen_done = AgendaItem.objects.filter(follows=OuterRef("pk"), outcome=AgendaItem.Outcome.DONE)
    here = AgendaItem.objects.filter(follows=OuterRef("pk"), meeting=meeting)
    return (
        Decision.objects.filter(meeting__starts_at__lt=meeting.starts_at)
        .exclude(meeting=meeting)
        .exclude(Exists(seen_done))
        .exclude(Exists(here))
        .select_related("item", "lead_party", "meeting")
        .order_by("meeting__starts_at", "item__position", "id")
    )


def _deferred_cases(meeting):
    """Cases deferred at an earlier meeting that still await one, not on any agenda now."""
    deferred = AgendaItem.objects.filter(
        case=OuterRef("pk"),
        outcome=AgendaItem.Outcome.DEFERRED,
        meeting__starts_at__lt=meeting.starts_at,
    )
    waiting = AgendaItem.objects.filter(
        case=OuterRef("pk"), outcome="", meeting__state__in=PENDING_MEETING_STATES
    )
    here = AgendaItem.objects.filter(case=OuterRef("pk"), meeting=meeting)
    return (
        Case.objects.filter(state=State.AWAITING_MEETING)
        .filter(Exists(deferred))
        .exclude(Exists(waiting))
        .exclude(Exists(here))
        .select_related("category", "area", "lead_party")
        .order_by("updated_at", "id")
    )


def carry_over(meeting, *, at=None):
    """Put on a planned meeting's agenda every earlier decision not yet seen done (as a
    follow-up item) and every case deferred at an earlier meeting. Safe to run again."""
    if meeting.state != Meeting.State.PLANNED:
        return []
    at = at or timezone.now()
    added = []
    with transaction.atomic():
        for decision in _unreviewed_decisions(meeting):
            item = AgendaItem.objects.create(
                meeting=meeting,
                kind=ITEM.FOLLOW_UP,
                position=_next_position(meeting),
                follows=decision,
                title=decision.item.title,
                description=decision.measures,
                presenter=decision.lead_party,
                case=None,
                created_at=at,
            )
            add_members(meeting, [decision.lead_party])
            record(
                meeting,
                "item_added",
                at=at,
                data={"item": item.pk, "title": item.title, "carried": True},
                decision=decision,
            )
            added.append(item)
        for case in _deferred_cases(meeting):
            added.append(_add_case_item(meeting, case, user=None, at=at, carried=True))
        if added:
            invitations.agenda_changed(meeting, at=at)
    return added


def carry_over_into_planned(*, at=None):
    """Run carry_over() on every planned meeting (after a decision, deferral or approval)."""
    for meeting in Meeting.objects.filter(state=Meeting.State.PLANNED).order_by("starts_at"):
        carry_over(meeting, at=at)
