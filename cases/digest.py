"""The daily digests (beat runs them every day at 08:30): on working days each party's
handlers get their open, due-soon and overdue cases; every day the supervisors get the
street digest of the day before, the Merkle root over every case history that grew that day
(cases.ledger), so that a copy of each day's root lives outside the database."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from cases import ledger, notifications, sla
from cases.models import Case, Party

LISTED = 20  # cases named per list; the counts cover all


def send_digests(*, now=None):
    """Write today's digest for every party with open cases. Safe to run twice a day: a
    person gets one digest per day. Returns the number of parties."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not sla.is_workday(today):
        return 0
    soon = sla.add_working_hours(now, sla.hours_per_day())
    open_cases = Case.objects.open().filter(lead_party__isnull=False)
    counts = (
        open_cases.values("lead_party")
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(due_at__lt=now)),
            due_soon=Count("pk", filter=Q(due_at__gte=now, due_at__lt=soon)),
        )
        .order_by("lead_party")
    )
    parties = Party.objects.filter(is_active=True).in_bulk()
    done = 0
    for row in counts:
        party = parties.get(row["lead_party"])
        if party is None:
            continue
        mine = open_cases.filter(lead_party=party).order_by("due_at", "pk")
        data = {
            "party": party.pk,
            "date": today.isoformat(),
            "open": row["open"],
            "overdue": row["overdue"],
            "due_soon": row["due_soon"],
            "overdue_cases": _listed(mine.filter(due_at__lt=now)),
            "due_soon_cases": _listed(mine.filter(due_at__gte=now, due_at__lt=soon)),
        }
        with transaction.atomic():
            notifications.notify_party(
                party, "digest", data=data, at=now, key=f"digest:{today.isoformat()}"
            )
        done += 1
    return done


def send_street_digest(*, now=None):
    """Seal the finished days and send yesterday's root to the supervisors, once a day
    (every day: the chain does not rest on days off). Returns the digest."""
    now = now or timezone.now()
    day = timezone.localdate(now, sla.TZ) - timedelta(days=1)
    with transaction.atomic():
        ledger.seal_days(now=now)
        digest = ledger.seal_day(day, now=now)
        data = {"day": day.isoformat(), "root": digest.root, "cases": digest.leaves}
        notifications.notify_users(
            notifications.supervisors(),
            "street_digest",
            data=data,
            at=now,
            key=f"street_digest:{day.isoformat()}",
        )
    return digest


def _listed(cases):
    return [
        {"number": number, "due_at": due_at.isoformat(), "category": category_id}
        for number, due_at, category_id in cases.values_list("number", "due_at", "category_id")[
            :LISTED
        ]
    ]
