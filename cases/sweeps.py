"""The sweeps: fire the alarms that are due (cases.alarms plans them; docs/operations.md).

A sweep reads only the alarms that are due (index on kind, fire_at), fires each in its own
transaction and deletes it there, so its cost follows the work to do, not the number of
cases, and nothing fires twice. An alarm fires only while it still holds: its deadline is
still the case's deadline for that step and the step is still running. So a deadline moved
or met by an event the sweep has not seen yet voids the alarm instead of raising a false
alarm. Firing sends notices (cases.notifications), supervises through the workflow, or
anonymises (cases.retention).
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases import notifications, retention, workflow
from cases.alarms import WATCHED
from cases.models import Alarm, Case, State

log = logging.getLogger(__name__)
Kind = Alarm.Kind

DEADLINE_KINDS = (Kind.DUE_SOON, Kind.OVERDUE, Kind.SUPERVISE)


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
        # Intake waits for the dispatchers; every other step for the lead party.
        if alarm.step == "dispatch":
            audience = notifications.dispatchers()
        elif case.lead_party is not None:
            audience = notifications.handlers_of([case.lead_party_id])
        else:
            return 0
        if not _holds(alarm, case):
            return 0
        if kind == Kind.DUE_SOON and now >= alarm.deadline:
            return 0  # the sweep was away; the overdue notice says it better
        data = {"step": alarm.step, "deadline": alarm.deadline.isoformat()}
        if kind == Kind.DUE_SOON:
            data["hours"] = settings.HONGMEI_DUE_SOON_HOURS
        notifications.notify_users(audience, kind, case=case, data=data, at=now)
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
