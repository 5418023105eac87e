"""Category suggestion from a description (docs/learning.md).

A multinomial naive Bayes model over the description's tokens: jieba's words and every pair
of adjacent Chinese characters (cases.search.tokens, the same cut as search), each counted
once per description. It is trained on the street's closed cases, labelled with their final
category (a dispatcher's `recategorise` changes it), plus each category's own name,
keywords and description, so that a category with no history yet is still found.
Pure Python: training is counting, prediction is a sum of logarithms per category.

The trained model is a CategoryModel row (its version, training date, training set size,
held-out accuracy and parameters as JSON); the newest row is used. Without one, predict()
returns nothing and every form shows its plain list.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cases import search
from cases.memo import ttl_cached
from cases.models import Case, Category, CategoryModel, State

ALPHA = 1.0  # Laplace smoothing: small classes are not favoured for unseen words (docs/learning.md)
MAX_TRAINING = 50_000  # the newest closed cases; older history adds little and costs time
HOLDOUT_EVERY = 5  # one case in five, by a hash of its id, is held out to measure
MAX_TEXT = 1000  # characters of a description looked at when predicting
# The case page flags a category as doubtful when the model puts another one first with at
# least this confidence.
DOUBT_CONFIDENCE = 0.8


def tokens(text: str) -> list[str]:
    return search.tokens((text or "")[:MAX_TEXT])


@dataclass(frozen=True)
class Guess:
    code: str
    confidence: float


class NaiveBayes:
    """Class counts, token counts per class, and the vocabulary size: all it needs."""

    def __init__(self, classes, doc_counts, token_counts, vocabulary, alpha=ALPHA):
        self.classes = list(classes)
        self.doc_counts = dict(doc_counts)
        self.token_counts = {c: dict(token_counts.get(c, {})) for c in self.classes}
        self.vocabulary = vocabulary
        self.alpha = alpha
        docs = sum(self.doc_counts.values()) or 1
        self._prior = {
            c: math.log((self.doc_counts.get(c, 0) + 1) / (docs + len(self.classes)))
            for c in self.classes
        }
        # log P(token | class) for seen tokens; the unseen ones share one value per class.
        self._log = {}
        self._unseen = {}
        for c in self.classes:
            counts = self.token_counts[c]
            denominator = sum(counts.values()) + alpha * max(vocabulary, 1)
            self._unseen[c] = math.log(alpha / denominator)
            self._log[c] = {t: math.log((n + alpha) / denominator) for t, n in counts.items()}

    @classmethod
    def train(
        cls, documents: Iterable[tuple[Sequence[str], str]], alpha: float = ALPHA
    ) -> NaiveBayes:
        doc_counts: Counter[str] = Counter()
        token_counts: dict[str, Counter[str]] = defaultdict(Counter)
        vocabulary = set()
        for words, code in documents:
            doc_counts[code] += 1
            unique = set(words)
            token_counts[code].update(unique)
            vocabulary |= unique
        classes = sorted(doc_counts)
        return cls(classes, doc_counts, token_counts, len(vocabulary), alpha)

    def scores(self, words: Sequence[str]) -> list[Guess]:
        """Every class with its posterior probability, most likely first."""
        unique = set(words)
        logs = {}
        for c in self.classes:
            table, unseen = self._log[c], self._unseen[c]
            logs[c] = self._prior[c] + sum(table.get(t, unseen) for t in unique)
        top = max(logs.values(), default=0.0)
        weights = {c: math.exp(v - top) for c, v in logs.items()}
        total = sum(weights.values()) or 1.0
        return sorted(
            (Guess(c, w / total) for c, w in weights.items()), key=lambda g: -g.confidence
        )

    def to_json(self) -> dict:
        return {
            "kind": "multinomial-nb",
            "alpha": self.alpha,
            "classes": self.classes,
            "doc_counts": self.doc_counts,
            "token_counts": self.token_counts,
            "vocabulary": self.vocabulary,
        }

    @classmethod
    def from_json(cls, data: dict) -> NaiveBayes:
        return cls(
            data["classes"],
            data["doc_counts"],
            data["token_counts"],
            data["vocabulary"],
            data.get("alpha", ALPHA),
        )


# ---------------------------------------------------------------------------- measuring


@dataclass
class Measure:
    """Top-1 and top-3 accuracy of a model on labelled texts, and the confusion between
    categories: confusion[true][predicted top-1] = count."""

    size: int
    top1: float
    top3: float
    confusion: dict[str, Counter]

    def confused_pairs(self, limit=10):
        """The most frequent (true, predicted, count) mistakes."""
        pairs = [
            (true, guess, n)
            for true, row in self.confusion.items()
            for guess, n in row.items()
            if guess != true
        ]
        return sorted(pairs, key=lambda p: (-p[2], p[0], p[1]))[:limit]


def measure(model: NaiveBayes, labelled: Iterable[tuple[str, str]]) -> Measure:
    hits1 = hits3 = size = 0
    confusion: dict[str, Counter] = defaultdict(Counter)
    for text, code in labelled:
        ranked = [g.code for g in model.scores(tokens(text))]
        size += 1
        hits1 += bool(ranked) and ranked[0] == code
        hits3 += code in ranked[:3]
        confusion[code][ranked[0] if ranked else ""] += 1
    return Measure(
        size=size,
        top1=hits1 / size if size else 0.0,
        top3=hits3 / size if size else 0.0,
        confusion=dict(confusion),
    )


# ---------------------------------------------------------------------------- training


def category_documents(categories: Iterable[Category]) -> list[tuple[list[str], str]]:
    """Each category's name, keywords and description as one document of it."""
    return [
        (tokens(" ".join((c.name, c.keywords.replace(",", " "), c.description))), c.code)
        for c in categories
    ]


def _held_out(case_id: int) -> bool:
    return zlib.crc32(str(case_id).encode()) % HOLDOUT_EVERY == 0


def training_cases(limit=MAX_TRAINING):
    """(id, description, final category code) of the newest closed cases whose category
    is still offered. Bounded: the index on closed_at gives the newest `limit` rows."""
    return list(
        Case.objects.filter(
            state=State.CLOSED,
            closed_at__isnull=False,
            category__is_active=True,
            category__parent__isnull=False,
        )
        .order_by("-closed_at")
        .values_list("id", "description", "category__code")[:limit]
    )


@dataclass
class Trained:
    row: CategoryModel
    holdout: Measure


def train(*, at: datetime | None = None, limit: int = MAX_TRAINING) -> Trained:
    """Train on the closed cases, measure on the held-out fifth, then store a model trained
    on all of them as the next version. Safe to run twice (it adds another version)."""
    at = at or timezone.now()
    categories = list(Category.objects.filter(is_active=True, parent__isnull=False))
    prior = category_documents(categories)
    cases = [(pk, text, tokens(text), code) for pk, text, code in training_cases(limit)]
    kept = [(words, code) for pk, _text, words, code in cases if not _held_out(pk)]
    held = [(text, code) for pk, text, _words, code in cases if _held_out(pk)]
    holdout = measure(NaiveBayes.train(prior + kept), held)
    model = NaiveBayes.train(prior + [(words, code) for _pk, _text, words, code in cases])
    with transaction.atomic():
        last = CategoryModel.objects.select_for_update().aggregate(v=Max("version"))["v"]
        row = CategoryModel.objects.create(
            version=(last or 0) + 1,
            trained_at=at,
            training_size=len(cases),
            holdout_size=holdout.size,
            top1=holdout.top1 if holdout.size else None,
            top3=holdout.top3 if holdout.size else None,
            parameters=model.to_json(),
        )
    return Trained(row=row, holdout=holdout)


# ---------------------------------------------------------------------------- predicting

_loaded: dict[int, NaiveBayes] = {}


@ttl_cached
def _current_id():
    return CategoryModel.objects.order_by("-version").values_list("pk", flat=True).first()


def current_model() -> NaiveBayes | None:
    """The newest stored model, parsed once per process and version."""
    pk = _current_id()
    if pk is None:
        return None
    if pk not in _loaded:
        parameters = CategoryModel.objects.values_list("parameters", flat=True).get(pk=pk)
        _loaded.clear()
        _loaded[pk] = NaiveBayes.from_json(parameters)
    return _loaded[pk]


def predict(text: str, *, k: int = 3, model: NaiveBayes | None = None) -> list[Guess]:
    """The `k` most likely category codes for `text`, with their confidence; empty when
    there is no model or nothing to go on."""
    model = model or current_model()
    words = tokens(text)
    if model is None or not words:
        return []
    return model.scores(words)[:k]


def doubt(case: Case, *, model: NaiveBayes | None = None) -> Guess | None:
    """The category the model would give `case` instead of its own, when it is confident
    (DOUBT_CONFIDENCE) that the case's category is wrong; else None."""
    guesses = predict(case.description, k=1, model=model)
    if not guesses:
        return None
    top = guesses[0]
    if top.code != case.category.code and top.confidence >= DOUBT_CONFIDENCE:
        return top
    return None


def with_categories(guesses: Sequence[Guess]) -> list[tuple[Category, float]]:
    """The guesses as (active sub-category, confidence), in order; unknown codes dropped."""
    found = {
        c.code: c
        for c in Category.objects.filter(
            code__in=[g.code for g in guesses], is_active=True, parent__isnull=False
        )
    }
    return [(found[g.code], g.confidence) for g in guesses if g.code in found]
