"""Audit rows that are not a case's history: who exported what."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportRecord(models.Model):
    """One download of a spreadsheet of cases or figures (cases.exports): who, when,
    which export, with which filter, and how many rows it held. Written when the export
    starts; the row count is filled in once the last row has been sent (it stays empty
    when the download was broken off)."""

    class Kind(models.TextChoices):
        CASE_LIST = "case_list", _("Staff case list (CSV)")
        DASHBOARD = "dashboard", _("Dashboard table (CSV)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("export"), max_length=20, choices=Kind.choices)
    parameters = models.JSONField(_("filter"), default=dict, blank=True)
    rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    created_at = models.DateTimeField(_("exported"), default=timezone.now)

    class Meta:
        verbose_name = _("export record")
        verbose_name_plural = _("export records")
        indexes = [models.Index(fields=["created_at", "id"], name="export_record_time")]

    def __str__(self):
        return f"{self.user_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"
