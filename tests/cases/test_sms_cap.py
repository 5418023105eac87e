"""The daily cap on text messages to one mobile number (cases.sms_outbox): counted per
calendar day in Shanghai across every reporter with that number; a message over it is not
sent, and its row says so for good."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection

from cases import notifications, sms, sms_outbox, workflow
from cases.models import Notification, Reporter
from cases.workflow import Actor
from tests import factories
from tests.factories import aware

Status = Notification.Status
EVENING = aware(2026, 3, 10, 23, 50)  # Shanghai time


@pytest.fixture
def texts(settings):
    settings.HONGMEI_SMS_BACKEND = "cases.sms.MemoryBackend"
    settings.HONGMEI_SMS_DAILY_CAP_PER_NUMBER = 2
    sms.MemoryBackend.outbox = []
    return sms.MemoryBackend.outbox


def message_to(street, phone):
    """A new case filed by a new reporter with `phone`: its text-message row."""
    case = workflow.file_case(
        actor=Actor.anonymous_reporter(),
        category=street.categories["litter"],
        description="路边有暴露垃圾",
        channel="web",
        reporter=Reporter.objects.create(phone=phone),
        route=False,
    )
    return Notification.objects.get(case=case, channel="sms")


def test_a_number_gets_its_cap_a_day_and_the_next_message_is_capped(street, texts):
    rows = [message_to(street, "13800138000") for _ in range(3)]
    sent = [
        notifications.deliver(r.pk, now=EVENING + timedelta(minutes=i)) for i, r in enumerate(rows)
    ]
    assert sent == [True, True, False]
    assert len(texts) == 2
    capped = Notification.objects.get(pk=rows[2].pk)
    assert (capped.status, capped.attempt_at, capped.sent_at) == (Status.CAPPED, None, None)
    assert (
        capped.last_error == "Not sent: this number has had its 2 text messages today (daily cap)."
    )
    # Final: neither the sweep nor a second task sends it.
    assert notifications.deliver(capped.pk, now=EVENING + timedelta(hours=1)) is False
    assert not Notification.objects.due(EVENING + timedelta(days=1)).filter(pk=capped.pk).exists()


def test_the_cap_starts_again_at_midnight_in_shanghai(street, texts):
    rows = [message_to(street, "13800138000") for _ in range(3)]
    notifications.deliver(rows[0].pk, now=EVENING)
    notifications.deliver(rows[1].pk, now=EVENING)
    # 00:01 on 11 March in Shanghai is still 10 March in UTC: the day is Shanghai's.
    assert notifications.deliver(rows[2].pk, now=aware(2026, 3, 11, 0, 1)) is True
    assert Notification.objects.get(pk=rows[2].pk).sms_day.isoformat() == "2026-03-11"


def test_another_number_is_not_held_back(street, texts):
    for _ in range(2):
        notifications.deliver(message_to(street, "13800138000").pk, now=EVENING)
    assert notifications.deliver(message_to(street, "13900139000").pk, now=EVENING) is True
    assert [phone for phone, _ in texts] == ["13800138000", "13800138000", "13900139000"]


def test_a_message_the_gateway_refused_uses_no_place(street, texts, monkeypatch):
    first = message_to(street, "13800138000")

    def busy(self, message):
        raise sms.TransientError("isv.BUSINESS_LIMIT_CONTROL")

    with monkeypatch.context() as patch:
        patch.setattr(sms.MemoryBackend, "send", busy)
        notifications.deliver(first.pk, now=EVENING)
    assert Notification.objects.get(pk=first.pk).status == Status.PENDING
    others = [message_to(street, "13800138000") for _ in range(2)]
    assert [notifications.deliver(r.pk, now=EVENING) for r in others] == [True, True]


def test_no_cap_when_it_is_zero(street, texts, settings):
    settings.HONGMEI_SMS_DAILY_CAP_PER_NUMBER = 0
    rows = [message_to(street, "13800138000") for _ in range(4)]
    assert all(notifications.deliver(r.pk, now=EVENING) for r in rows)


def test_capped_messages_are_listed_in_the_admin(client, street, texts):
    rows = [message_to(street, "13800138000") for _ in range(3)]
    for row in rows:
        notifications.deliver(row.pk, now=EVENING)
    client.force_login(street.users["admin"])
    page = client.get("/admin/cases/notification/?status=capped", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == [Notification.objects.get(pk=rows[2].pk)]
    detail = client.get(f"/admin/cases/notification/{rows[2].pk}/change/")
    assert "daily cap" in detail.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_workers_cannot_both_take_the_last_place(settings, monkeypatch):
    """Counting a number's messages and taking a place happen under a lock on the number:
    of two messages sent at once for the last place, one goes and one is capped. Each
    count is slowed down so that without the lock both would count before either took
    its place (checked by removing the lock by hand: both are sent)."""
    settings.HONGMEI_SMS_BACKEND = "cases.sms.MemoryBackend"
    settings.HONGMEI_SMS_DAILY_CAP_PER_NUMBER = 2
    sms.MemoryBackend.outbox = []
    # Committed rows would be sent by the (eager) task at once: here the threads send them.
    monkeypatch.setattr(notifications, "publish", lambda ids: None)
    street = factories.street()
    notifications.deliver(message_to(street, "13800138000").pk, now=EVENING)
    rows = [message_to(street, "13800138000") for _ in range(2)]
    count = sms_outbox.counted

    def slow_count(*args, **kwargs):
        result = count(*args, **kwargs)
        time.sleep(0.4)
        return result

    monkeypatch.setattr(sms_outbox, "counted", slow_count)
    start = threading.Barrier(2)
    results = {}

    def send(row):
        try:
            start.wait()
            results[row.pk] = notifications.deliver(row.pk, now=EVENING)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(row,)) for row in rows]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results.values()) == [False, True]
    statuses = Notification.objects.filter(pk__in=[r.pk for r in rows]).values_list("status")
    assert sorted(s for (s,) in statuses) == [Status.CAPPED, Status.SENT]
    assert len(sms.MemoryBackend.outbox) == 2
