"""The street's daily digests of the case histories (cases.ledger, docs/ledger.md)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.case import Case


class StreetDigest(models.Model):
    """One day's Merkle root over the heads of every case whose history grew that day
    (Asia/Shanghai). Written once, after the day ended; copies leave the database in the
    supervisors' daily e-mail and on the public ledger, so a rewritten history shows."""

    day = models.DateField(_("day"), unique=True)
    root = models.CharField(_("root"), max_length=64)
    leaves = models.PositiveIntegerField(_("cases"))
    created_at = models.DateTimeField(_("sealed"), default=timezone.now)

    class Meta:
        verbose_name = _("street digest")
        verbose_name_plural = _("street digests")
        ordering = ["-day"]

    def __str__(self):
        return f"{self.day} {self.root[:12]}…"


class DigestLeaf(models.Model):
    """A case's head in one day's digest, at its place among the leaves (by case number)."""

    digest = models.ForeignKey(StreetDigest, on_delete=models.CASCADE, related_name="leaf_rows")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    seq = models.PositiveIntegerField()
    head = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("digest leaf")
        verbose_name_plural = _("digest leaves")
        constraints = [
            models.UniqueConstraint(fields=["digest", "position"], name="digest_leaf_position"),
        ]
        indexes = [models.Index(fields=["case", "digest"], name="digest_leaf_case")]

    def __str__(self):
        return f"{self.digest_id}#{self.position}"


class LedgerCheck(models.Model):
    """How far the beat's re-verification of the chains reached: every event with a
    larger id belongs to a chain still to check. One row."""

    name = models.CharField(max_length=30, primary_key=True)
    last_event_id = models.BigIntegerField(default=0)
    checked_at = models.DateTimeField(_("checked"), default=timezone.now)
    chains = models.PositiveIntegerField(_("histories checked"), default=0)
    broken = models.PositiveIntegerField(_("broken histories found"), default=0)

    class Meta:
        verbose_name = _("history check")
        verbose_name_plural = _("history checks")

    def __str__(self):
        return f"{self.name} up to event {self.last_event_id}"
