"""What the meeting pages show, read in a fixed number of queries whatever the agenda's
length: the agenda with its decisions, follow-ups and files, the forms the reader may use,
and the meeting's history."""

from django.db.models import Prefetch
from django.utils import timezone

from cases.choices import PartyChoices
from cases.models import Case
from meetings import agenda, decisions
from meetings.access import can_change
from meetings.forms import (
    AttachmentForm,
    AttendanceForm,
    CorrectionForm,
    DecisionForm,
    DeferForm,
    DoneForm,
    MinutesForm,
    TopicForm,
)
from meetings.history import EVENT_LABELS
from meetings.models import AgendaItem, Decision, Meeting


def agenda_items(meeting):
    """The agenda in order, with everything an item shows."""
    item_decisions = Decision.objects.select_related("lead_party", "case").prefetch_related(
        "co_parties"
    )
    items = list(
        meeting.items.select_related(
            "presenter",
            "case",
            "case__category",
            "case__lead_party",
            "follows",
            "follows__meeting",
            "follows__lead_party",
            "follows__case",
            "follows__item",
        )
        .prefetch_related(
            Prefetch("decisions", queryset=item_decisions.order_by("id")),
            "follows__co_parties",
            "attachments",
        )
        .order_by("position", "id")
    )
    approved = meeting.state == Meeting.State.APPROVED
    for number, item in enumerate(items, start=1):
        item.number = number
        item.decided = list(item.decisions.all())
        if item.is_follow_up:
            # Approved minutes show how the decision stood then; before, how it stands now.
            item.follow_up_done = (
                item.outcome == AgendaItem.Outcome.DONE if approved else item.follows.is_done
            )
    return items


def all_decisions(items):
    return [d for item in items for d in item.decided]


def corrections(meeting):
    return list(
        meeting.events.filter(kind="correction")
        .select_related("actor")
        .order_by("created_at", "id")
    )


def _visible_case_ids(user, items):
    ids = {i.case_id for i in items if i.case_id}
    ids |= {i.follows.case_id for i in items if i.is_follow_up and i.follows.case_id}
    if not ids:
        return set()
    return set(Case.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def _failed(failed, name, item=None):
    if failed is None:
        return None
    key, form = failed
    return form if key == (name, item.pk if item else None) else None


def meeting_page(request, meeting, failed=None):
    """The context of a meeting's page. `failed` is ((form name, item id), bound form) of
    a change that was refused, shown again with its errors and everything typed."""
    user, now = request.user, timezone.now()
    changer = can_change(user)
    source = PartyChoices()
    items = agenda_items(meeting)
    for item in items:
        item.visible_case = False
        for decision in item.decided:
            decision.done_form = None
            if (
                decision.is_task
                and not decision.is_done
                and decisions.may_mark_done(user, decision)
            ):
                decision.done_form = _failed(failed, "done", decision) or DoneForm(
                    prefix=f"done-{decision.pk}"
                )
        if not changer:
            continue
        if meeting.agenda_open:
            item.attach_form = _failed(failed, "attach", item) or AttachmentForm(
                prefix=f"file-{item.pk}"
            )
        if meeting.minutes_open:
            item.minutes_form = _failed(failed, "minutes", item) or MinutesForm(
                prefix=f"minutes-{item.pk}", initial={"minutes": item.minutes}
            )
            if not item.is_follow_up:
                item.decision_form = _failed(failed, "decide", item) or DecisionForm(
                    prefix=f"decide-{item.pk}", source=source
                )
            if item.is_case and not any(d.case_id for d in item.decided):
                item.defer_form = _failed(failed, "defer", item) or DeferForm(
                    prefix=f"defer-{item.pk}"
                )
    visible = _visible_case_ids(user, items)
    for item in items:
        item.visible_case = item.case_id in visible or (
            item.is_follow_up and item.follows.case_id in visible
        )
    context = {
        "meeting": meeting,
        "members": list(meeting.members.order_by("kind", "name")),
        "items": items,
        "now": now,
        "can_change": changer,
        "events": list(meeting.events.select_related("actor").order_by("created_at", "id")),
        "labels": EVENT_LABELS,
        "item_labels": dict(AgendaItem.Kind.choices),
    }
    context["invited"] = next((e for e in reversed(context["events"]) if e.kind == "invited"), None)
    if changer and meeting.agenda_open:
        context["offered"] = agenda.offered_cases(meeting)
        context["topic_form"] = _failed(failed, "topic") or TopicForm(prefix="topic", source=source)
    if changer and meeting.minutes_open:
        context["attendance_form"] = _failed(failed, "attendance") or AttendanceForm(
            initial={"attendance": meeting.attendance}
        )
    if meeting.state == Meeting.State.APPROVED:
        context["corrections"] = [e for e in context["events"] if e.kind == "correction"]
        if changer:
            context["correction_form"] = _failed(failed, "correct") or CorrectionForm(items=items)
    return context
