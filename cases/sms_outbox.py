"""What the outbox does for text messages besides sending them (docs/operations.md, "Text
messages"): the daily cap per mobile number, and delivery receipts, polled from the gateway
or pushed by it, recorded on the outbox row.

The cap: at most HONGMEI_SMS_DAILY_CAP_PER_NUMBER messages a calendar day (Asia/Shanghai)
to one number, counted from the outbox rows themselves (those sent or being sent that day,
to any reporter with that number). Checking and counting a message in are one step under a
lock on the number, so two workers cannot both take the last place. A message over the cap
is not sent: its row becomes `capped`, final, and listed in the admin.

Receipts: a message the gateway accepted waits for its receipt (`waiting`); the beat's
poll_receipts asks the gateway for the due ones, a few at a time, at growing intervals
(one minute after sending, then about as long again as the message is old, at most an
hour), until the receipt is final or HONGMEI_SMS_RECEIPT_HOURS have passed (`expired`).
A pushed receipt is recorded by record() at once, whatever the poll's schedule.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cases import sms
from cases.models import Notification

log = logging.getLogger(__name__)
Channel, Status, Receipt = Notification.Channel, Notification.Status, Notification.Receipt

# The cap's days are the street's calendar days, whatever TIME_ZONE says.
SHANGHAI = ZoneInfo("Asia/Shanghai")
# pg_advisory_xact_lock(key1, key2): key1 says whose lock it is (here: "SMS" in ASCII).
LOCK_NAMESPACE = 0x534D53
FIRST_POLL = timedelta(minutes=1)
LONGEST_POLL = timedelta(hours=1)
POLL_BATCH = 200


# ---------------------------------------------------------------------------- the daily cap


def day_of(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def take_daily_place(notification: Notification, phone: str, *, now: datetime) -> bool:
    """Count `notification` (claimed, being sent) against `phone`'s cap for the day of
    `now`; False if the number has had its cap that day (the message must not be sent)."""
    cap = settings.HONGMEI_SMS_DAILY_CAP_PER_NUMBER
    if cap <= 0:
        return True
    day = day_of(now)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [LOCK_NAMESPACE, phone]
                )
        if counted(phone, day, besides=notification.pk) >= cap:
            return False
        Notification.objects.filter(pk=notification.pk).update(sms_day=day)
    return True


def counted(phone: str, day: date, *, besides: int) -> int:
    """The text messages to `phone` counted against its cap on `day`, besides one row:
    those sent, or being sent, that day."""
    return (
        Notification.objects.filter(
            channel=Channel.SMS,
            sms_day=day,
            status__in=(Status.SENDING, Status.SENT),
            reporter__phone=phone,
        )
        .exclude(pk=besides)
        .count()
    )


def cap_reached_text() -> str:
    cap = settings.HONGMEI_SMS_DAILY_CAP_PER_NUMBER
    return f"Not sent: this number has had its {cap} text messages today (daily cap)."


# ---------------------------------------------------------------------------- receipts


def on_accepted(backend: sms.BaseBackend, message_id: str, *, now: datetime) -> dict:
    """The fields to record on a row whose message the gateway accepted at `now` under
    `message_id` ("" if it gives none)."""
    fields: dict = {"sent_at": now}
    if not message_id:
        return fields
    fields["provider_id"] = message_id[:64]
    if isinstance(backend, sms.ReceiptBackend):
        fields |= {"receipt": Receipt.WAITING, "receipt_poll_at": now + FIRST_POLL}
    return fields


def record(receipts: Iterable[sms.Receipt]) -> int:
    """Record final receipts on their rows (found by the gateway's id); a receipt that is
    not final, or whose row has its final receipt already, changes nothing. A receipt
    arriving after its row expired is recorded still. Returns the rows updated."""
    updated = 0
    for receipt in receipts:
        if receipt.delivered is None:
            continue
        updated += Notification.objects.filter(
            channel=Channel.SMS,
            provider_id=receipt.message_id,
            receipt__in=(Receipt.WAITING, Receipt.EXPIRED),
        ).update(
            receipt=Receipt.DELIVERED if receipt.delivered else Receipt.UNDELIVERED,
            receipt_at=receipt.at or timezone.now(),
            receipt_error=receipt.error[:200],
            receipt_poll_at=None,
        )
    return updated


def poll_receipts(*, now: datetime | None = None, batch: int = POLL_BATCH) -> int:
    """Ask the gateway for the receipts whose time has come (at most `batch`); returns how
    many rows it asked about. Reads only waiting rows (a partial index)."""
    now = now or timezone.now()
    backend = sms.get_backend()
    rows = list(
        Notification.objects.filter(receipt=Receipt.WAITING, receipt_poll_at__lte=now)
        .select_related("reporter")
        .order_by("receipt_poll_at")[:batch]
    )
    give_up = timedelta(hours=settings.HONGMEI_SMS_RECEIPT_HOURS)
    for row in rows:
        phone = row.reporter.phone if row.reporter else ""
        sent_at = row.sent_at or row.created_at
        if not isinstance(backend, sms.ReceiptBackend) or not phone or now - sent_at >= give_up:
            _waiting(row).update(receipt=Receipt.EXPIRED, receipt_poll_at=None)
            continue
        try:
            receipt = backend.receipt(row.provider_id, phone, sent_at)
        except Exception as error:
            # Whatever went wrong, this row waits for its next query; the others go on.
            log.warning("Receipt of notification %s not read: %s", row.pk, error)
            receipt = sms.Receipt(row.provider_id, None)
        if receipt.delivered is None or not record([receipt]):
            wait = min(max(now - sent_at, FIRST_POLL), LONGEST_POLL)
            _waiting(row).update(receipt_poll_at=now + wait)
    return len(rows)


def _waiting(row):
    return Notification.objects.filter(pk=row.pk, receipt=Receipt.WAITING)
