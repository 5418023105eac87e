"""Alarms: the work list of the sweeps (docs/operations.md).

An event that starts a clock writes the alarms of its deadline (cases.effects): a reminder
HONGMEI_DUE_SOON_HOURS before it, a notice when it passes, and automatic supervision (督办)
one working day after it; closure adds the satisfaction request and the retention limit.
An event that stops a clock deletes its alarms. A sweep reads only the alarms that are due
(index on kind, fire_at), fires each in its own transaction and deletes it there, so its
cost follows the work to do, not the number of cases, and nothing fires twice.

An alarm fires only while it still holds: its deadline is still the case's deadline for
that step and the step is still running. So a deadline moved or met by an event the sweep
has not seen yet voids the alarm instead of raising a false alarm.
"""

import logging
from datetime import timedelta
from types import SimpleNamespace

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases import notifications, replay, retention, sla, workflow
from cases.models import Alarm, Case, State

log = logging.getLogger(__name__)
Kind = Alarm.Kind

DEADLINE_KINDS = (Kind.DUE_SOON, Kind.OVERDUE, Kind.SUPERVISE)
# The deadline steps the sweep watches (sla.STEPS says which, and when they run).
WATCHED = {step.key: step for step in sla.STEPS if step.alarms}


def plan(step, deadline, *, started, calendar_hours, clock=sla):
    """(kind, fire_at) of the alarms of one deadline of `step` (a key of sla.STEPS). The
    reminder is left out when it would come before the step began (a limit shorter than
    the reminder); a step that is not `reminded` (first contact) gets the notice only.
    `clock` is the sla module, or an sla.Clock for bulk work."""
    reminded = WATCHED[step].reminded
    alarms = []
    if reminded:
        hours = settings.HONGMEI_DUE_SOON_HOURS
        soon = clock.earlier(deadline, hours, calendar_hours=calendar_hours)
        if soon > started:
            alarms.append((Kind.DUE_SOON, soon))
    alarms.append((Kind.OVERDUE, deadline))
    if reminded:
        day = sla.hours_per_day()
        supervise = clock.deadline(deadline, day, calendar_hours=calendar_hours)
        alarms.append((Kind.SUPERVISE, supervise))
    return alarms


def planned_for_open_case(row, *, calendar_hours, after, clock=sla):
    """(kind, step, deadline, fire_at) of an open case given as a mapping of Case fields,
    for alarms still to come after `after`: for cases written in bulk (demo.synthetic,
    which passes its sla.Clock: no query may run during its COPY). Every running step is
    taken to have started at the case's dispatch."""
    case = SimpleNamespace(**row)
    out = []
    for step, deadline in sla.running_steps(case):
        if step.key not in WATCHED:
            continue
        timing = plan(
            step.key,
            deadline,
            started=case.dispatched_at,
            calendar_hours=calendar_hours,
            clock=clock,
        )
        out.extend((kind, step.key, deadline, at) for kind, at in timing if at > after)
    return out


def for_event(event):
    """Set and void alarms for `event`; runs inside its transaction."""
    case, kind, at = event.case, event.kind, event.created_at
    if kind == "reopen":
        Alarm.objects.filter(case=case).delete()
    elif kind == "rate":
        Alarm.objects.filter(case=case, kind=Kind.SATISFACTION).delete()
    elif voided := sla.voided_by(kind):
        Alarm.objects.filter(case=case, step__in=voided).delete()
    new = _deadline_alarms(case, kind, at)
    if kind == "verify" and case.reporter_id:
        delay = timedelta(hours=settings.HONGMEI_SATISFACTION_DELAY_HOURS)
        new.append(_alarm(case, Kind.SATISFACTION, "", case.closed_at, case.closed_at + delay))
    if kind in ("verify", "reject") and (case.reporter_id or case.followers.exists()):
        new.append(_alarm(case, Kind.RETENTION, "", at, at + retention.period()))
    if replay.is_replaying():
        now = timezone.now()
        new = [alarm for alarm in new if alarm.fire_at > now]
    Alarm.objects.bulk_create(new)


def _deadline_alarms(case, kind, at):
    """The alarms of the watched deadlines `kind` starts."""
    new = []
    for step in sla.started_by(kind):
        deadline = getattr(case, step.field)
        if step.key not in WATCHED or deadline is None:
            continue
        for alarm_kind, fire_at in plan(
            step.key, deadline, started=at, calendar_hours=case.calendar_hours
        ):
            new.append(_alarm(case, alarm_kind, step.key, deadline, fire_at))
    return new


def _alarm(case, kind, step, deadline, fire_at):
    return Alarm(case=case, kind=kind, step=step, deadline=deadline, fire_at=fire_at)


# ---------------------------------------------------------------------------- sweeping


def sweep(kinds, *, now=None, batch=500):
    """Fire every alarm of `kinds` that is due at `now`. Returns how many acted (sent a
    notice, supervised, anonymised). Several sweeps may run at once: each alarm is fired
    by whoever locks it first."""
    now = now or timezone.now()
    acted, broken = 0, set()
    while True:
        due = list(
            Alarm.objects.filter(kind__in=kinds, fire_at__lte=now)
            .exclude(pk__in=broken)
            .order_by("fire_at", "pk")
            .values_list("pk", "case_id")[:batch]
        )
        for alarm_id, case_id in due:
            try:
                acted += _fire(alarm_id, case_id, now)
            except Exception:
                # Left in place for the next sweep; this one goes on with the rest.
                log.exception("Alarm %s of case %s could not fire", alarm_id, case_id)
                broken.add(alarm_id)
        if len(due) < batch:
            return acted


def _fire(alarm_id, case_id, now):
    with transaction.atomic():
        # Case first, then alarm: the order the workflow locks them in.
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("category", "lead_party")
            .get(pk=case_id)
        )
        alarm = Alarm.objects.select_for_update(skip_locked=True).filter(pk=alarm_id).first()
        if alarm is None:
            return 0  # fired by another sweep meanwhile
        alarm.delete()
        return _FIRE[alarm.kind](alarm, case, now)


def _holds(alarm, case):
    """Whether the deadline the alarm belongs to is still the running one."""
    return WATCHED[alarm.step].due(case) == alarm.deadline


def _notice(kind):
    def fire(alarm, case, now):
        if not _holds(alarm, case) or case.lead_party is None:
            return 0
        if kind == Kind.DUE_SOON and now >= alarm.deadline:
            return 0  # the sweep was away; the overdue notice says it better
        data = {"step": alarm.step, "deadline": alarm.deadline.isoformat()}
        if kind == Kind.DUE_SOON:
            data["hours"] = settings.HONGMEI_DUE_SOON_HOURS
        notifications.notify_party(case.lead_party, kind, case=case, data=data, at=now)
        return 1

    return fire


def _supervise(alarm, case, now):
    if not _holds(alarm, case):
        return 0
    if case.supervised_at and case.supervised_at >= alarm.deadline:
        return 0  # a supervisor took it up since it fell overdue
    workflow.perform(
        case,
        "supervise",
        actor=workflow.Actor.system("deadline sweep"),
        at=now,
        data={"step": alarm.step, "deadline": alarm.deadline.isoformat()},
    )
    return 1


def _satisfaction(alarm, case, now):
    if case.state != State.CLOSED or case.closed_at != alarm.deadline or case.satisfaction:
        return 0
    data = {"closed_at": case.closed_at.isoformat()}
    return int(bool(notifications.notify_reporter(case, "satisfaction", data=data, at=now)))


def _retention(alarm, case, now):
    return retention.anonymise_reporters(case, now)


_FIRE = {
    Kind.DUE_SOON: _notice(Kind.DUE_SOON),
    Kind.OVERDUE: _notice(Kind.OVERDUE),
    Kind.SUPERVISE: _supervise,
    Kind.SATISFACTION: _satisfaction,
    Kind.RETENTION: _retention,
}
