import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from cases import rollup


class Command(BaseCommand):
    help = (
        "Recompute the dashboard's daily indicator roll-up from the cases' histories: all of "
        "it, or from a day on (--since YYYY-MM-DD). Run it after generate_cases or a "
        "backdated import; the beat task keeps it current otherwise."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", help="first day to recompute (YYYY-MM-DD)")

    def handle(self, *args, since=None, **options):
        try:
            first = date.fromisoformat(since) if since else None
        except ValueError:
            raise CommandError("--since takes a date such as 2026-05-01.") from None
        started = time.monotonic()

        def progress(done):
            if done % 100_000 < 5000:
                self.stdout.write(f"{done} cases replayed ({time.monotonic() - started:.0f}s)")

        facts = rollup.rebuild(first, progress=progress)
        elapsed = time.monotonic() - started
        self.stdout.write(f"Rolled up {facts} indicator facts in {elapsed:.1f}s.")
