"""Who hears what, and the outbox that tells them (docs/operations.md).

Whatever must tell someone something writes Notification rows in its own transaction: the
workflow for each event (for_event, called by cases.effects), the sweeps for deadlines and
digests, and other modules through notify_party() / notify_users(). In-app rows are
delivered by being written. E-mail and text messages wait as `pending`; after commit a
Celery task sends each one (deliver), and the outbox sweep (sweep_outbox) sends whatever
that task did not: the broker was down, a worker was lost, the gateway refused for now.

Text messages are held to a daily cap per number, and their delivery receipts are recorded
on the row (cases.sms_outbox). Sending first claims the row with a conditional UPDATE, so
a task that runs twice, or a task and the sweep at once, send one message. Failures are
retried with a growing delay; after HONGMEI_NOTIFICATION_MAX_ATTEMPTS the row is
`failed`, listed in the admin.

How a message reads (rendered when sent, in the recipient's language) is cases.wording's.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.utils import timezone

from cases import replay, sms, sms_outbox
from cases.models import (
    Case,
    Event,
    Follower,
    Notification,
    Party,
    Reporter,
    Role,
)
from cases.retries import TRANSIENT
from cases.wording import Message, render

log = logging.getLogger(__name__)
Channel, Status = Notification.Channel, Notification.Status

# Audiences, and what each hears of a case's events (issue 5). Followers hear what the
# reporter hears. Whoever acted is never told of their own action.
REPORTER = "reporter"
LEAD_PARTY = "lead_party"
CO_PARTIES = "co_parties"
DISPATCHERS = "dispatchers"
SUPERVISORS = "supervisors"
NEW_FOLLOWER = "new_follower"

HEARS = {
    "file": (REPORTER,),
    "dispatch": (REPORTER, LEAD_PARTY, CO_PARTIES),
    "reassign": (LEAD_PARTY, CO_PARTIES),
    "decide": (LEAD_PARTY, CO_PARTIES),
    "rework": (LEAD_PARTY,),
    "supervise": (LEAD_PARTY, SUPERVISORS),
    "return": (DISPATCHERS,),
    "request_extension": (DISPATCHERS,),
    "resolve": (REPORTER,),
    "verify": (REPORTER,),
    "reject": (REPORTER,),
    "reopen": (REPORTER,),
    "merge": (NEW_FOLLOWER,),
}

# A claimed row is someone's to send for this long; after that the sweep may take it back.
# (HONGMEI_NOTIFICATION_CLAIM_SECONDS; the drills shorten it to see a crashed worker's
# rows sent again within their time.)
CLAIM = timedelta(seconds=settings.HONGMEI_NOTIFICATION_CLAIM_SECONDS)
# The sweep leaves fresh rows to the task published at commit for this long.
GRACE = timedelta(minutes=1)
SWEEP_BATCH = 1000


# ---------------------------------------------------------------------------- writing


def for_event(event: Event) -> list[Notification]:
    """Write the notifications `event` causes (see HEARS). Runs inside the event's
    transaction; returns the rows written."""
    rows = []
    for audience in HEARS.get(event.kind, ()):
        rows += _AUDIENCES[audience](event)
    return _write(rows)


def notify_users(
    users: Iterable[Any],
    kind: str,
    *,
    template: str | None = None,
    case: Case | None = None,
    event: Event | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
    key: str = "",
) -> list[Notification]:
    """Tell staff `users` something of `kind`: in the portal, and by e-mail where they
    have an address. The message comes from templates/notifications/staff/<template>.txt
    (default: the kind). With a `key`, a person gets that message once, however often
    this is called. Call it inside the transaction that makes the news; returns the rows."""
    about = dict(kind=kind, template=template or kind, case=case, event=event, data=data or {})
    at = at or timezone.now()
    rows = []
    for user in users:
        rows += _staff_rows(user, at=at, key=key, **about)
    if key:
        taken = set(
            Notification.objects.filter(key=key, user__in=[r.user for r in rows]).values_list(
                "user_id", "channel"
            )
        )
        rows = [r for r in rows if (r.user.pk, r.channel) not in taken]
    return _write(rows)


def notify_party(party: Party, kind: str, **options: Any) -> list[Notification]:
    """Tell every active handler of `party` (see notify_users for the options). The joint
    meetings and the sweeps call this, e.g.
    notify_party(party, "meeting", template="meeting_invitation", data={...})."""
    return notify_users(handlers_of([party.pk]), kind, **options)


def notify_reporter(
    case: Case,
    kind: str,
    *,
    template: str | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
    followers: bool = False,
) -> list[Notification]:
    """Tell the reporter of `case` (and its followers, if asked) by e-mail or text message,
    when they left a way to reach them. Template: notifications/reporter/<template>.txt."""
    about = dict(kind=kind, template=template or kind, case=case, event=None, data=data or {})
    return _write(_reporter_rows(at=at or timezone.now(), followers=followers, **about))


def handlers_of(party_ids: Iterable[int]) -> QuerySet[Any]:
    """The active staff users who handle cases for these parties."""
    return _staff(memberships__party_id__in=party_ids, memberships__role=Role.HANDLER)


def dispatchers() -> QuerySet[Any]:
    """The active staff users of the operations centre who dispatch."""
    return _staff(memberships__role=Role.DISPATCHER)


def supervisors() -> QuerySet[Any]:
    """The active duty leaders (值班长), who hear of whatever concerns the whole street."""
    return _staff(memberships__role=Role.SUPERVISOR)


def _staff(**membership):
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__party__is_active=True,
            **membership,
        )
        .select_related("staff_profile")
        .distinct()
        .order_by("pk")
    )


def _lead_party(event):
    party_id = event.data.get("lead_party") or event.case.lead_party_id
    return _for_staff(event, handlers_of([party_id]) if party_id else [])


def _co_parties(event):
    party_ids = event.data.get("co_parties") or []
    if not party_ids:
        return []
    lead = event.data.get("lead_party") or event.case.lead_party_id
    # Someone who handles for the lead party too hears it once, as the lead party.
    users = handlers_of(party_ids).exclude(pk__in=handlers_of([lead]).values("pk"))
    return _for_staff(event, users, template="share")


def _dispatchers(event):
    return _for_staff(event, dispatchers())


def _supervisors(event):
    return _for_staff(event, supervisors())


def _for_staff(event, users, template=None):
    about = _about(event, template)
    rows = []
    for user in users:
        if user.pk != event.actor_id:
            rows += _staff_rows(user, at=event.created_at, **about)
    return rows


def _reporter(event):
    return _reporter_rows(at=event.created_at, followers=True, **_about(event))


def _new_follower(event):
    follower = (
        Follower.objects.select_related("reporter").filter(pk=event.data.get("follower")).first()
    )
    if follower is None:
        return []
    about = _about(event, "follow") | {"kind": "follow", "data": {"follower": follower.pk}}
    return _reporter_channel(follower.reporter, at=event.created_at, **about)


def _about(event, template=None):
    return dict(
        kind=event.kind, template=template or event.kind, case=event.case, event=event, data={}
    )


_AUDIENCES = {
    REPORTER: _reporter,
    LEAD_PARTY: _lead_party,
    CO_PARTIES: _co_parties,
    DISPATCHERS: _dispatchers,
    SUPERVISORS: _supervisors,
    NEW_FOLLOWER: _new_follower,
}


def _staff_rows(user, *, kind, template, case, event, data, at, key=""):
    """Staff always hear in the portal, and by e-mail when they have an address."""
    common = dict(
        kind=kind,
        template=f"staff/{template}",
        user=user,
        case=case,
        event=event,
        data=data,
        key=key,
        created_at=at,
    )
    rows = [Notification(channel=Channel.APP, status=Status.SENT, sent_at=at, **common)]
    if user.email and not replay.is_replaying():
        rows.append(Notification(channel=Channel.EMAIL, attempt_at=at, **common))
    return rows


def _reporter_rows(*, followers, **about):
    """The case's reporter and, with `followers`, everyone following it: one query."""
    case, rows = about["case"], list[Notification]()
    if replay.is_replaying():
        return rows
    reach = Q(pk=case.reporter_id) if case.reporter_id else Q(pk__in=[])
    following = Follower.objects.filter(case=case)
    if followers:
        reach |= Q(pk__in=following.values("reporter_id"))
    reporters = (
        Reporter.objects.filter(reach)
        .exclude(phone="", email="")
        .annotate(follower=Subquery(following.filter(reporter=OuterRef("pk")).values("pk")[:1]))
        .order_by("pk")
    )
    for reporter in reporters:
        if reporter.pk == case.reporter_id:
            rows += _reporter_channel(reporter, **about)
        else:
            data = {**about["data"], "follower": reporter.follower}
            rows += _reporter_channel(reporter, **(about | {"data": data}))
    return rows


def _reporter_channel(reporter, *, kind, template, case, event, data, at):
    """One message per reporter: by e-mail when they gave one (it costs nothing and
    carries more), else by text message."""
    if replay.is_replaying() or not reporter.has_contact:
        return []
    return [
        Notification(
            kind=kind,
            template=f"reporter/{template}",
            channel=Channel.EMAIL if reporter.email else Channel.SMS,
            reporter=reporter,
            case=case,
            event=event,
            data=data,
            created_at=at,
            attempt_at=at,
        )
    ]


def _write(rows):
    if not rows:
        return []
    Notification.objects.bulk_create(rows)
    pending = [r.pk for r in rows if r.status == Status.PENDING]
    if pending:
        transaction.on_commit(lambda: publish(pending))
    return rows


def publish(ids: Iterable[int]) -> None:
    """Queue a delivery task per notification. Never raises: with the broker away the rows
    wait in the outbox, and the sweep sends them once it is back."""
    for pk in ids:
        try:
            deliver_notification.delay(pk)
        except Exception as error:
            log.warning("Could not queue notification %s (%s); the outbox sweep will.", pk, error)
            return


# ---------------------------------------------------------------------------- delivery


@shared_task(name="cases.tasks.deliver_notification", **TRANSIENT)
def deliver_notification(notification_id: int) -> bool:
    """The worker's side of publish(): send one notification (safe to run twice)."""
    return deliver(notification_id)


def deliver(notification_id: int, *, now: datetime | None = None) -> bool:
    """Send one e-mail or text message, if it is still waiting. Returns whether this call
    sent it. Safe to run twice or at once: only the caller whose UPDATE claims the row
    sends."""
    now = now or timezone.now()
    claimable = Q(status=Status.PENDING, attempts=0) | Q(
        status__in=(Status.PENDING, Status.SENDING), attempt_at__lte=now
    )
    claimed = (
        Notification.objects.filter(claimable, pk=notification_id)
        .exclude(channel=Channel.APP)
        .update(status=Status.SENDING, attempts=F("attempts") + 1, attempt_at=now + CLAIM)
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related(
        "user__staff_profile", "reporter", "case__category", "event"
    ).get(pk=notification_id)
    address = _address(notification)
    if not address:
        _finish(notification, Status.CANCELLED, error="no address any more")
        return False
    if notification.channel == Channel.SMS and not sms_outbox.take_daily_place(
        notification, address, now=now
    ):
        log.warning("Notification %s not sent: its number is over the daily cap.", notification.pk)
        _finish(notification, Status.CAPPED, error=sms_outbox.cap_reached_text())
        return False
    try:
        message = render(notification)
        accepted = _SEND[notification.channel](notification, address, message)
    except Exception as error:
        _failed(notification, error, now)
        return False
    _finish(notification, Status.SENT, **({"sent_at": timezone.now()} | accepted))
    return True


def _address(notification):
    if notification.channel == Channel.EMAIL:
        person = notification.user or notification.reporter
        return person.email
    return notification.reporter.phone if notification.reporter else ""


def _send_email(notification, address, message):
    email = EmailMultiAlternatives(
        message.subject,
        message.text,
        settings.DEFAULT_FROM_EMAIL,
        [address],
        headers={"Auto-Submitted": "auto-generated", **_identity(notification)},
    )
    email.attach_alternative(message.html, "text/html")
    email.send()
    return {}


def _identity(notification: Notification) -> dict[str, str]:
    """Message-ID from the outbox row: a retry after a crash between the SMTP server's
    acceptance and the row's update repeats the same Message-ID (the delivery drill counts
    by it; mail servers and clients drop such a duplicate)."""
    domain = urlsplit(settings.SITE_URL).hostname or "hongmei.invalid"
    return {"Message-ID": f"<notification-{notification.pk}@{domain}>"}


def _send_sms(notification, address, message):
    """Send through the configured gateway; returns what to record of its answer (when it
    was sent, its id, a receipt to wait for)."""
    backend = sms.get_backend()
    accepted = backend.send(
        sms.TextMessage(
            phone=address,
            text=message.sms,
            template=notification.template.rpartition("/")[2],
            params=message.params,
            reference=str(notification.pk),
        )
    )
    return sms_outbox.on_accepted(backend, accepted, now=timezone.now())


_SEND: dict[str, Callable[[Notification, str, Message], dict[str, Any]]] = {
    Channel.EMAIL: _send_email,
    Channel.SMS: _send_sms,
}


def _is_permanent(error):
    if isinstance(error, (sms.PermanentError, TemplateDoesNotExist, TemplateSyntaxError)):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def _failed(notification, error, now):
    attempts = notification.attempts
    text = f"{type(error).__name__}: {error}"[:2000]
    if _is_permanent(error) or attempts >= settings.HONGMEI_NOTIFICATION_MAX_ATTEMPTS:
        log.error("Notification %s failed for good: %s", notification.pk, text)
        _finish(notification, Status.FAILED, error=text)
        return
    delay = min(
        timedelta(seconds=settings.HONGMEI_NOTIFICATION_RETRY_SECONDS * 2 ** (attempts - 1)),
        timedelta(hours=6),
    )
    log.warning("Notification %s not sent (%s); next try in %s.", notification.pk, text, delay)
    _finish(notification, Status.PENDING, error=text, attempt_at=now + delay)


def _finish(notification, status, *, error="", **fields):
    """Record the outcome, unless the claim was lost meanwhile (another worker took over an
    expired claim): then the row is theirs."""
    if status != Status.PENDING:
        fields.setdefault("attempt_at", None)
    Notification.objects.filter(
        pk=notification.pk, status=Status.SENDING, attempts=notification.attempts
    ).update(status=status, last_error=error, **fields)


def sweep_outbox(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> int:
    """Queue delivery of every message still waiting whose time has come (left over by a
    broker outage, a lost worker or a failed try). Reads only such rows (a partial index).
    Returns how many were queued."""
    now = now or timezone.now()
    ids = list(
        Notification.objects.due(now - GRACE)
        .order_by("attempt_at")
        .values_list("pk", flat=True)[:batch]
    )
    publish(ids)
    return len(ids)


def retry_failed(queryset: QuerySet[Notification]) -> int:
    """Give failed messages a fresh set of attempts (the admin's action)."""
    now = timezone.now()
    ids = list(queryset.filter(status=Status.FAILED).values_list("pk", flat=True))
    Notification.objects.filter(pk__in=ids).update(
        status=Status.PENDING, attempts=0, attempt_at=now, last_error=""
    )
    transaction.on_commit(lambda: publish(ids))
    return len(ids)


# ---------------------------------------------------------------------------- in the portal


def inbox(user: Any, *, before: Any = None, limit: int = 30) -> list[Notification]:
    """A page of the user's in-app notifications, newest first (by when the news
    happened: replayed history is backdated); `before` is the id of the last row shown
    (keyset pagination)."""
    rows = Notification.objects.in_app(user).select_related("case__category", "event")
    if before:
        last = Notification.objects.in_app(user).filter(pk=before).values("created_at").first()
        if last:
            at = last["created_at"]
            rows = rows.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=before))
    return list(rows.order_by("-created_at", "-pk")[:limit])


def unread_count(user: Any, cap: int = 99) -> int:
    """What the bell counts, up to `cap` + 1 (it shows "99+"): unread in-app notifications
    grouped by case, each case once however many messages it sent, and each message about
    no case (a meeting) on its own. Reads at most GROUP_READ unread rows."""
    cases = Notification.objects.unread(user).values_list("case_id", flat=True)
    seen, loose = set(), 0
    for case_id in cases.order_by()[:GROUP_READ]:
        if case_id is None:
            loose += 1
        else:
            seen.add(case_id)
    return min(len(seen) + loose, cap + 1)


# The bell reads this many unread rows at most to count their cases.
GROUP_READ = 1000


def mark_read(
    user: Any, ids: Iterable[int] | None = None, *, cases: Iterable[int] | None = None
) -> int:
    """Mark the user's notifications read: those of `ids`, every one about `cases`, or all
    unread ones when neither is given."""
    rows = Notification.objects.unread(user)
    if ids is not None or cases is not None:
        wanted = Q(pk__in=list(ids or ())) | Q(case_id__in=list(cases or ()))
        rows = rows.filter(wanted)
    return rows.update(read_at=timezone.now())
