"""The dashboard's daily facts and their roll-up (docs/indicators.md)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IndicatorDay(models.Model):
    """One day's indicator counts (cases.indicators, docs/indicators.md), kept by
    cases.rollup so the dashboard never scans the history of cases.

    Each day is stored as a small data cube: `grain` says which dimensions a row is split
    by (1 party, 2 category, 4 area; 7 all three, 0 none) and the others are summed over.
    Any dashboard question (a filter on some dimensions, grouped by one) reads the rows of
    one grain only, so it reads at most days × (size of one dimension) rows whatever the
    number of cases. Keys are plain ids, 0 for "none" (a case with no party or no area)
    and for dimensions the grain sums over.
    """

    PARTY, CATEGORY, AREA = 1, 2, 4

    day = models.DateField(_("day"))
    grain = models.PositiveSmallIntegerField(_("grain"))
    party_key = models.BigIntegerField(_("party"), default=0)
    category_key = models.BigIntegerField(_("category"), default=0)
    area_key = models.BigIntegerField(_("area"), default=0)

    filed = models.PositiveIntegerField(default=0)
    dispatched = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    intake = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    closed_reworked = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    dispatch_due = models.PositiveIntegerField(default=0)
    dispatch_met = models.PositiveIntegerField(default=0)
    contact_due = models.PositiveIntegerField(default=0)
    contact_met = models.PositiveIntegerField(default=0)
    resolve_due = models.PositiveIntegerField(default=0)
    resolve_met = models.PositiveIntegerField(default=0)
    rated_satisfied = models.PositiveIntegerField(default=0)
    rated_basic = models.PositiveIntegerField(default=0)
    rated_dissatisfied = models.PositiveIntegerField(default=0)
    # Handling times of the day's closures: {half-hours, rounded up: count}.
    handling = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("indicator day")
        verbose_name_plural = _("indicator days")
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "day", "party_key", "category_key", "area_key"],
                name="indicator_day_unique",
            )
        ]

    def __str__(self):
        keys = f"{self.party_key}, {self.category_key}, {self.area_key}"
        return f"{self.day} grain {self.grain} ({keys})"


class IndicatorRollup(models.Model):
    """How far the roll-up reaches: IndicatorDay holds every indicator fact up to
    `covered_until`; the dashboard adds the facts after it live. One row."""

    name = models.CharField(max_length=30, primary_key=True)
    covered_until = models.DateTimeField(_("covered until"))
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("indicator roll-up")
        verbose_name_plural = _("indicator roll-ups")

    def __str__(self):
        return f"{self.name} until {self.covered_until:%Y-%m-%d %H:%M}"
