"""Personal-data retention: a reporter's name and contact details are removed
HONGMEI_RETENTION_DAYS (default 365) after the last case they filed or followed ended
(closed or rejected). The removal is recorded as an `anonymise` event on each of those
cases, with no personal data in it; the history stays whole because events never held any.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q

from cases import ledger
from cases.models import Alarm, Case, Event, Reporter
from cases.people import SYSTEM


def period():
    return timedelta(days=settings.HONGMEI_RETENTION_DAYS)


def anonymise_reporters(case, now):
    """Anonymise the reporter and followers of `case` whose every case ended at least the
    retention period before `now`. A reporter with an open case waits for its end (which
    sets its own alarm); one whose last case ended later is looked at again then. Returns
    how many were anonymised."""
    reporter_ids = {case.reporter_id, *case.followers.values_list("reporter_id", flat=True)}
    done, later = 0, []
    for reporter in Reporter.objects.filter(pk__in=reporter_ids - {None}, anonymised_at=None):
        cases = list(
            Case.objects.filter(Q(reporter=reporter) | Q(followers__reporter=reporter))
            .distinct()
            .only("state", "closed_at", "updated_at")
        )
        if any(c.is_open for c in cases):
            continue
        due = max(c.closed_at or c.updated_at for c in cases) + period()
        if due > now:
            later.append(due)
            continue
        anonymise(reporter, cases, now)
        done += 1
    if later:
        Alarm.objects.create(case=case, kind=Alarm.Kind.RETENTION, deadline=now, fire_at=min(later))
    return done


def anonymise(reporter, cases, now):
    Reporter.objects.filter(pk=reporter.pk).update(name="", phone="", email="", anonymised_at=now)
    for c in cases:
        ledger.append(
            c,
            Event(
                kind="anonymise",
                actor_role=SYSTEM,
                cause="retention period",
                data={"days": settings.HONGMEI_RETENTION_DAYS},
                created_at=now,
            ),
        )
