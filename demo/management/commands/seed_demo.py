from django.core.management.base import BaseCommand

from demo.seed import seed


class Command(BaseCommand):
    help = "Create or update the demo street (idempotent); adds demo cases to an empty database."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=300, help="demo cases to create")

    def handle(self, *args, cases, **options):
        created = seed(case_count=cases)
        if created:
            self.stdout.write(f"Demo street ready, with {created} demo cases.")
        else:
            self.stdout.write("Demo street up to date; cases exist already, none added.")
