"""Decisions of a meeting and their follow-up (docs/meetings.md).

A decision names a lead party, co-parties, a deadline and the measures. On an escalated case
it is the workflow's `decide` action: the case is dispatched to the lead party with the
decided deadline, each co-party gets its share (协办), and the decision is done when the case
closes. On a topic it is a follow-up task, done when marked done with a note. Open decisions
come back to every later meeting (agenda.carry_over) until a meeting has seen them done.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import workflow
from cases.inputs import MAX_TEXT
from cases.models import Case, State
from cases.people import handler_parties
from cases.workflow import Actor, WorkflowError
from meetings import agenda
from meetings.access import can_change, check_can_change
from meetings.history import MeetingError, record
from meetings.minutes import check_writable, locked
from meetings.models import AgendaItem, Decision


def _check_inputs(lead_party, co_parties, deadline, measures, at):
    """The same rules, and the same words, as the workflow's decide action."""
    if lead_party is None:
        raise MeetingError(_("Choose the lead party."), field="lead_party")
    if not lead_party.is_active:
        raise MeetingError(_("Choose an active party."), field="lead_party")
    if any(p.pk == lead_party.pk for p in co_parties):
        raise MeetingError(_("The lead party cannot also be a co-party."), field="co_parties")
    if deadline is None:
        raise MeetingError(_("Give a deadline."), field="deadline")
    if not isinstance(deadline, datetime) or timezone.is_naive(deadline):
        raise MeetingError(_("Give a date and time."), field="deadline")
    if deadline <= at:
        raise MeetingError(_("The deadline must be in the future."), field="deadline")
    if len(measures) > MAX_TEXT:
        raise MeetingError(
            _("Please keep it under %(n)s characters.") % {"n": MAX_TEXT}, field="measures"
        )


def record_decision(item, *, user, lead_party, co_parties=(), deadline, measures="", at=None):
    """Record a decision on an agenda item of a held meeting. On a case awaiting the meeting
    it performs the workflow's `decide` as the secretary; any further decision on the same
    item, and every decision on a topic, is a follow-up task."""
    check_can_change(user)
    at = at or timezone.now()
    if item.is_follow_up:
        raise MeetingError(
            _("A follow-up item checks an earlier decision: write its progress in the minutes.")
        )
    co_parties = list(dict.fromkeys(co_parties))
    measures = (measures or "").strip()
    try:
        with transaction.atomic():
            meeting = locked(item.meeting)
            check_writable(meeting)
            _check_inputs(lead_party, co_parties, deadline, measures, at)
            item = AgendaItem.objects.select_for_update().get(pk=item.pk)
            if item.decisions.filter(lead_party=lead_party, deadline=deadline).exists():
                # A form sent twice: the second must not add a copy as a task.
                raise MeetingError(_("This decision is recorded already."))
            case = None
            if item.case_id:
                case = Case.objects.only("state").get(pk=item.case_id)
                if case.state != State.AWAITING_MEETING:
                    case = None  # decided already: further decisions are tasks
            decision = Decision.objects.create(
                meeting=meeting,
                item=item,
                case=case,
                lead_party=lead_party,
                deadline=deadline,
                measures=measures,
                created_by=user,
                created_at=at,
            )
            decision.co_parties.set(co_parties)
            if case is not None:
                event = workflow.perform(
                    case,
                    "decide",
                    actor=Actor.staff(user),
                    at=at,
                    lead_party=lead_party,
                    co_parties=co_parties,
                    deadline=deadline,
                    note=measures,
                    data={"meeting": meeting.pk, "decision": decision.pk},
                )
                decision.event = event
                decision.save(update_fields=["event"])
            AgendaItem.objects.filter(pk=item.pk).update(
                outcome=AgendaItem.Outcome.DECIDED, outcome_note=""
            )
            joined = agenda.add_members(meeting, [lead_party, *co_parties])
            record(
                meeting,
                "decided",
                actor=user,
                at=at,
                decision=decision,
                note=measures,
                data={
                    "item": item.pk,
                    "case": item.case.number if case is not None else None,
                    "lead_party": lead_party.pk,
                    "co_parties": [p.pk for p in co_parties],
                    "deadline": deadline.isoformat(),
                    "joined": [p.pk for p in joined],
                },
            )
            agenda.carry_over_into_planned(at=at)
    except WorkflowError as error:
        raise MeetingError(str(error), field=error.field) from None
    return decision


def defer(item, *, user, reason, at=None):
    """Defer an escalated case to the next meeting: it stays awaiting the meeting and joins
    the next agenda by itself."""
    check_can_change(user)
    at = at or timezone.now()
    if not item.is_case:
        raise MeetingError(_("Only an escalated case is deferred; a topic needs no decision."))
    reason = (reason or "").strip()
    if not reason:
        raise MeetingError(_("Please give a reason."), field="reason")
    with transaction.atomic():
        check_writable(locked(item.meeting))
        if item.decisions.filter(case__isnull=False).exists():
            raise MeetingError(_("This case has been decided already."))
        AgendaItem.objects.filter(pk=item.pk).update(
            outcome=AgendaItem.Outcome.DEFERRED, outcome_note=reason
        )
        record(
            item.meeting,
            "deferred",
            actor=user,
            at=at,
            note=reason,
            data={"item": item.pk, "case": item.case.number},
        )
        agenda.carry_over_into_planned(at=at)


def may_mark_done(user, decision):
    """The secretary, the supervisor, and the handlers of the task's lead party."""
    if can_change(user):
        return True
    return any(p.pk == decision.lead_party_id for p in handler_parties(user))


def mark_done(decision, *, user, note, at=None):
    """A follow-up task is done: say how. (A decision on a case is done when the case is
    closed, through the workflow.)"""
    at = at or timezone.now()
    if not may_mark_done(user, decision):
        raise MeetingError(
            _("Only the lead party, the secretary or the supervisor mark a task done.")
        )
    if not decision.is_task:
        raise MeetingError(_("A decision on a case is done when the case is closed."))
    note = (note or "").strip()
    if not note:
        raise MeetingError(_("Please say how it was done."), field="note")
    if len(note) > MAX_TEXT:
        raise MeetingError(
            _("Please keep it under %(n)s characters.") % {"n": MAX_TEXT}, field="note"
        )
    with transaction.atomic():
        updated = Decision.objects.filter(pk=decision.pk, done_at__isnull=True).update(
            done_at=at, done_note=note, done_by=user
        )
        if not updated:
            raise MeetingError(_("This task is done already."))
        record(decision.meeting, "task_done", actor=user, at=at, note=note, decision=decision)
    decision.refresh_from_db()
    return decision


def with_details(queryset):
    """Decisions with what their rows show, in a fixed number of queries."""
    return queryset.select_related(
        "meeting", "item", "lead_party", "case", "case__category"
    ).prefetch_related("co_parties")


def overdue(now=None):
    """Open decisions past their deadline, the most overdue first."""
    return with_details(Decision.objects.overdue(now)).order_by("deadline", "id")
