"""How long the sweeps take, with nothing to do and with N alarms due, on the database
DATABASE_URL names (fill it with manage.py generate_cases first). Everything a sweep
writes is rolled back, so the figures can be taken again.

    DATABASE_URL=postgres://.../hongmei_big python bench/sweeps.py [N ...]
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongmei.settings")

import django

django.setup()

from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from cases import digest, notifications, recurrence, sla, sweeps  # noqa: E402
from cases.models import Alarm, Case, Notification  # noqa: E402
from meetings import proposals  # noqa: E402


def timed(label, work):
    reset_queries()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = work()
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    print(f"{label:58} {elapsed * 1000:9.1f} ms {len(queries):6} queries  -> {result}")


def main(sizes):
    now = timezone.now()
    print(
        f"cases {Case.objects.count():,}, open {Case.objects.open().count():,}, "
        f"alarms {Alarm.objects.count():,}, notifications {Notification.objects.count():,}"
    )
    deadline_alarms = Alarm.objects.filter(kind__in=sweeps.DEADLINE_KINDS).order_by("fire_at")
    first = deadline_alarms.values_list("fire_at", flat=True).first()
    quiet = min(now, first - timezone.timedelta(seconds=1))
    timed("deadline sweep, nothing due", lambda: sweeps.sweep(sweeps.DEADLINE_KINDS, now=quiet))
    timed("satisfaction sweep, nothing due", lambda: sweeps.sweep(["satisfaction"], now=now))
    timed("retention sweep, nothing due", lambda: sweeps.sweep(["retention"], now=now))
    timed("outbox sweep, nothing due", lambda: notifications.sweep_outbox(now=now))
    for n in sizes:
        at = deadline_alarms.values_list("fire_at", flat=True)[n - 1]
        timed(
            f"deadline sweep, {n} alarms due",
            lambda at=at: sweeps.sweep(sweeps.DEADLINE_KINDS, now=at),
        )
    morning = timezone.localtime(now).replace(hour=8, minute=30, second=0, microsecond=0)
    while not sla.is_workday(morning.date()):
        morning += timezone.timedelta(days=1)
    timed("daily digest (every party)", lambda: digest.send_digests(now=morning))
    # The nightly search for recurring problems (docs/learning.md): bounded per category.
    timed("recurring problems found (every category)", lambda: len(recurrence.detect(now=now)))
    timed("recurring problems proposed", lambda: len(proposals.propose_recurring(now=now)))
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (ANALYZE, BUFFERS) SELECT id, case_id FROM cases_alarm "
            "WHERE kind IN ('due_soon', 'overdue', 'supervise') AND fire_at <= %s "
            "ORDER BY fire_at, id LIMIT 500",
            [quiet],
        )
        print("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main([int(n) for n in sys.argv[1:]] or [100, 1000])
