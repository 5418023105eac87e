import time

from django.core.management.base import BaseCommand

from demo import synthetic


class Command(BaseCommand):
    help = "Bulk synthetic cases with consistent histories, for benchmarks (run seed_demo first)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--days", type=int, default=365, help="spread over this many days")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, count, days, seed, **options):
        started = time.monotonic()

        def progress(done):
            rate = done / max(time.monotonic() - started, 1e-9)
            self.stdout.write(f"{done} cases ({rate:,.0f}/s)")

        synthetic.generate(count, days=days, seed=seed, progress=progress)
        self.stdout.write(f"Generated {count} cases in {time.monotonic() - started:.1f}s.")
