"""What the tracker learns from the street's own history (docs/learning.md): the category
model that suggests a category from a description (cases/suggest.py trains and reads it).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CategoryModel(models.Model):
    """One trained category model. The newest row is the one in use; older rows stay as the
    record of how the suggestion measured over time. `parameters` is the naive Bayes model
    as JSON (cases.suggest.NaiveBayes.to_json)."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    trained_at = models.DateTimeField(_("trained"), default=timezone.now)
    training_size = models.PositiveIntegerField(_("training cases"))
    holdout_size = models.PositiveIntegerField(_("held-out cases"))
    top1 = models.FloatField(_("held-out top-1 accuracy"), null=True, blank=True)
    top3 = models.FloatField(_("held-out top-3 accuracy"), null=True, blank=True)
    parameters = models.JSONField(_("parameters"))

    class Meta:
        verbose_name = _("category model")
        verbose_name_plural = _("category models")
        ordering = ["-version"]

    def __str__(self):
        return f"v{self.version} {self.trained_at:%Y-%m-%d}"
