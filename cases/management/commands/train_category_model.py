import csv

from django.core.management.base import BaseCommand, CommandError

from cases import suggest


class Command(BaseCommand):
    help = (
        "Train the category suggestion on the street's closed cases (their final categories) "
        "and store it as the next model version, with its held-out accuracy "
        "(docs/learning.md). The beat runs it weekly."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit",
            type=int,
            default=suggest.MAX_TRAINING,
            help="the newest closed cases to learn from",
        )
        parser.add_argument(
            "--evaluate",
            metavar="CSV",
            help="also measure the new model on a CSV file of text,category rows",
        )

    def handle(self, *args, limit, evaluate=None, **options):
        if limit < 1:
            raise CommandError("--limit must be at least 1.")
        trained = suggest.train(limit=limit)
        row, holdout = trained.row, trained.holdout
        self.stdout.write(
            f"Category model v{row.version}: {row.training_size} closed cases, "
            f"{holdout.size} held out."
        )
        if holdout.size:
            self.stdout.write(f"Held-out top-1 {holdout.top1:.3f}, top-3 {holdout.top3:.3f}.")
            for true, guess, n in holdout.confused_pairs(5):
                self.stdout.write(f"  {true} → {guess}: {n}")
        if evaluate:
            self._evaluate(evaluate, suggest.NaiveBayes.from_json(row.parameters))

    def _evaluate(self, path, model):
        try:
            with open(path, encoding="utf-8-sig", newline="") as f:
                rows = [(r["text"], r["category"]) for r in csv.DictReader(f)]
        except (OSError, KeyError, csv.Error) as error:
            raise CommandError(f"{path}: {error}") from None
        result = suggest.measure(model, rows)
        self.stdout.write(
            f"{path}: {result.size} descriptions, top-1 {result.top1:.3f}, top-3 {result.top3:.3f}."
        )
        for true, guess, n in result.confused_pairs(15):
            self.stdout.write(f"  {true} → {guess}: {n}")
