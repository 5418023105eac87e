from django.core.management.base import BaseCommand

from cases import sla


class Command(BaseCommand):
    help = "Copy statutory holidays and make-up working days from the chinese-calendar package."

    def handle(self, *args, **options):
        created = sla.load_calendar_from_package()
        self.stdout.write(f"{created} calendar days added.")
        for warning in sla.calendar_warnings():
            self.stdout.write(self.style.WARNING(warning))
