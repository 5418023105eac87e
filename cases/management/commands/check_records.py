from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from cases import records


class Command(BaseCommand):
    help = (
        "Check that the records are whole: every case has its filing event, its state is "
        "where its events lead, every stored file exists and every file has its row "
        "(docs/operations.md). Exits 1 when something is not."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-files", action="store_true", help="skip the stored files")
        parser.add_argument(
            "--allow-orphans",
            action="store_true",
            help="count files without a row but do not fail on them (a restored backup "
            "holds files of cases newer than its database dump)",
        )
        parser.add_argument(
            "--remove-orphans",
            type=float,
            metavar="HOURS",
            help="first delete files without a row older than HOURS (0: all of them)",
        )

    def handle(self, *args, **options):
        if options["remove_orphans"] is not None:
            if options["remove_orphans"] < 0:
                raise CommandError("--remove-orphans takes hours, 0 or more.")
            removed = records.remove_orphans(older_than=timedelta(hours=options["remove_orphans"]))
            self.stdout.write(f"files without a row removed: {len(removed)}")
        report = records.check(files=not options["no_files"])
        for line in report.lines():
            self.stdout.write(line)
        problems = report.problems - (len(report.orphan_files) if options["allow_orphans"] else 0)
        if problems:
            raise CommandError(f"{problems} problem(s) in the records.")
        self.stdout.write("records whole: 0 problems")
