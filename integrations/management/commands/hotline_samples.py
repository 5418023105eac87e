from pathlib import Path

from django.core.management.base import BaseCommand

from integrations import hotline


class Command(BaseCommand):
    help = "Write the sample 12345 work-order files (CSV and XLSX) into a folder."

    def add_arguments(self, parser):
        parser.add_argument("folder", nargs="?", default="docs/samples")

    def handle(self, *args, folder, **options):
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        rows = hotline.template_rows(sample=True)
        with open(folder / "12345-sample.csv", "wb") as out:
            hotline.write_csv(rows, out)
        with open(folder / "12345-sample.xlsx", "wb") as out:
            hotline.write_xlsx(rows, out)
        self.stdout.write(f"Wrote {folder}/12345-sample.csv and {folder}/12345-sample.xlsx")
