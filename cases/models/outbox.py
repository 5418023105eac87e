"""Automation: staff message preferences, the outbox of notifications and the alarms the
sweeps fire (docs/operations.md, docs/adr/0005-outbox-and-alarms.md).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.case import Case, Event, Reporter

# ---------------------------------------------------------------------------- automation
# Notifications (the outbox), alarms (the sweeps' work list) and staff preferences for
# messages; see cases/notifications.py, cases/alarms.py and docs/operations.md.


def message_languages():
    return settings.LANGUAGES


class StaffProfile(models.Model):
    """A staff user's preferences for the messages the system sends them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    language = models.CharField(
        _("language of messages"),
        max_length=10,
        choices=message_languages,
        default="zh-hans",
    )

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self):
        return str(self.user)


class NotificationQuerySet(models.QuerySet):
    def in_app(self, user):
        return self.filter(user=user, channel=Notification.Channel.APP)

    def unread(self, user):
        return self.in_app(user).filter(read_at__isnull=True)

    def due(self, now):
        """Rows a delivery must (re)try now: waiting ones whose time has come, and claimed
        ones whose worker vanished before finishing (the claim has expired)."""
        return self.filter(
            status__in=(Notification.Status.PENDING, Notification.Status.SENDING),
            attempt_at__lte=now,
        )


class Notification(models.Model):
    """One message to one person on one channel: the outbox. Rows are written in the
    transaction of the event that causes them and delivered after commit; a sweep retries
    what is still waiting. Holds no contact details: the address is looked up when sending."""

    class Channel(models.TextChoices):
        APP = "app", _("In the portal")
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("Text message")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        # A text message over the day's cap for its number: not sent, and never will be.
        CAPPED = "capped", _("Over the daily cap")

    class Receipt(models.TextChoices):
        """What the text-message gateway reported about a message it accepted."""

        WAITING = "waiting", _("Waiting for the receipt")
        DELIVERED = "delivered", _("Delivered")
        UNDELIVERED = "undelivered", _("Not delivered")
        EXPIRED = "expired", _("No receipt in time")

    kind = models.CharField(_("kind"), max_length=40)
    template = models.CharField(_("template"), max_length=80)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    reporter = models.ForeignKey(
        Reporter,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.ForeignKey(
        Event,
        verbose_name=_("event"),
        null=True,
        blank=True,
        # Events are never deleted (a trigger refuses it); leave that answer to the trigger.
        on_delete=models.DO_NOTHING,
        related_name="+",
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    key = models.CharField(
        _("key"), max_length=100, blank=True, help_text=_("Makes a message unique per person.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    attempt_at = models.DateTimeField(
        _("next attempt"),
        null=True,
        blank=True,
        help_text=_("When to try again; while being sent, when the claim expires."),
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Text messages: the gateway's id, its delivery receipt, and the day the message counts
    # against its number's daily cap (cases.sms_outbox).
    provider_id = models.CharField(
        _("gateway's message id"), max_length=64, blank=True, default="", db_default=""
    )
    receipt = models.CharField(
        _("delivery receipt"),
        max_length=12,
        choices=Receipt.choices,
        blank=True,
        default="",
        db_default="",
    )
    receipt_at = models.DateTimeField(
        _("receipt time"),
        null=True,
        blank=True,
        help_text=_("When the gateway says the message reached the phone, or failed to."),
    )
    receipt_error = models.CharField(
        _("receipt error"), max_length=200, blank=True, default="", db_default=""
    )
    receipt_poll_at = models.DateTimeField(_("next receipt query"), null=True, blank=True)
    sms_day = models.DateField(
        _("counted on"),
        null=True,
        blank=True,
        help_text=_("The day this text message counts against its number's daily cap."),
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The outbox sweep reads only rows still to deliver.
            models.Index(
                fields=["attempt_at"],
                name="notification_due",
                condition=Q(status__in=["pending", "sending"]),
            ),
            # A user's inbox, newest first (keyset on id), and the bell's unread count.
            models.Index(
                fields=["user", "-created_at", "-id"],
                name="notification_inbox",
                condition=Q(channel="app"),
            ),
            models.Index(
                fields=["user"],
                name="notification_unread",
                condition=Q(channel="app", read_at__isnull=True),
            ),
            models.Index(
                fields=["-created_at"], name="notification_failed", condition=Q(status="failed")
            ),
            # Receipts still to ask for; a pushed receipt finds its row by the gateway's id;
            # the daily cap counts a number's messages of one day.
            models.Index(
                fields=["receipt_poll_at"],
                name="notification_receipt_due",
                condition=Q(receipt="waiting"),
            ),
            models.Index(
                fields=["provider_id"],
                name="notification_provider_id",
                condition=~Q(provider_id=""),
            ),
            models.Index(
                fields=["sms_day"], name="notification_sms_day", condition=Q(sms_day__isnull=False)
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "channel", "key"],
                condition=~Q(key=""),
                name="notification_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(reporter__isnull=False),
                name="notification_has_recipient",
            ),
        ]

    def __str__(self):
        return f"{self.kind} · {self.get_channel_display()} · {self.get_status_display()}"


class Alarm(models.Model):
    """A moment a sweep must look at a case: a deadline coming up, passed, or passed by a
    working day; a satisfaction request; the end of the retention period. Written when the
    clock it belongs to starts, deleted when it fires or the clock stops, so the sweeps read
    only what is due (docs/operations.md)."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Deadline coming up")
        OVERDUE = "overdue", _("Deadline passed")
        SUPERVISE = "supervise", _("Automatic supervision")
        SATISFACTION = "satisfaction", _("Satisfaction request")
        RETENTION = "retention", _("Personal-data retention")

    class Step(models.TextChoices):
        DISPATCH = "dispatch", _("Dispatch")
        ACCEPT = "accept", _("Acceptance")
        CONTACT = "contact", _("First contact")
        RESOLVE = "resolve", _("Resolution")

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="alarms"
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    step = models.CharField(_("step"), max_length=10, choices=Step.choices, blank=True)
    deadline = models.DateTimeField(
        _("deadline"),
        null=True,
        blank=True,
        help_text=_("The deadline or moment it belongs to; a changed deadline voids it."),
    )
    fire_at = models.DateTimeField(_("due"))

    class Meta:
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        indexes = [models.Index(fields=["kind", "fire_at"], name="alarm_due")]

    def __str__(self):
        return f"{self.case_id} {self.kind} {self.step} {self.fire_at:%Y-%m-%d %H:%M}"
