"""Alarms: the work list of the sweeps (cases.sweeps fires them; docs/operations.md).

An event that starts a clock writes the alarms of its deadline (cases.effects): a reminder
HONGMEI_DUE_SOON_HOURS before it, a notice when it passes, and automatic supervision (督办)
one working day after it; closure adds the satisfaction request and the retention limit.
An event that stops a clock deletes its alarms. This module only plans them: it runs
inside the workflow's transaction and acts on nothing.
"""

from datetime import timedelta
from types import SimpleNamespace

from django.conf import settings
from django.utils import timezone

from cases import replay, retention, sla
from cases.models import Alarm

Kind = Alarm.Kind

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
    taken to have started at the case's dispatch (intake, at its filing)."""
    case = SimpleNamespace(**row)
    out = []
    for step, deadline in sla.running_steps(case):
        if step.key not in WATCHED:
            continue
        timing = plan(
            step.key,
            deadline,
            started=case.created_at if step.key == "dispatch" else case.dispatched_at,
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
