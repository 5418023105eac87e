"""Receipts pushed by Alibaba Cloud SMS (its HTTP batch push of SmsReport) to
/integrations/sms/aliyun/<token>/: recorded on the outbox rows, behind a shared token."""

import json

import pytest

from cases import notifications, workflow
from cases.models import Notification, Reporter
from cases.workflow import Actor
from tests.factories import aware

Receipt = Notification.Receipt
TOKEN = "k3V9q-receipts-7Zp2"


@pytest.fixture
def pushed(settings, sms_gateway):
    settings.HONGMEI_SMS_RECEIPT_TOKEN = TOKEN
    return sms_gateway


def sent_row(street, phone="13800138000"):
    case = workflow.file_case(
        actor=Actor.anonymous_reporter(),
        category=street.categories["litter"],
        description="路边有暴露垃圾",
        channel="web",
        reporter=Reporter.objects.create(phone=phone),
        route=False,
    )
    row = Notification.objects.get(case=case, channel="sms")
    notifications.deliver(row.pk)
    row.refresh_from_db()
    assert row.receipt == Receipt.WAITING
    return row


def report(row, *, success=True, code="DELIVERED", message="用户接收成功"):
    """One receipt as the service pushes it."""
    return {
        "phone_number": "13800138000",
        "send_time": "2026-12-02 10:15:03",
        "report_time": "2026-12-02 10:15:07",
        "success": success,
        "err_code": code,
        "err_msg": message,
        "sms_size": "1",
        "biz_id": row.provider_id,
        "out_id": str(row.pk),
    }


def push(client, body, token=TOKEN):
    return client.post(f"/integrations/sms/aliyun/{token}/", body, content_type="application/json")


def test_pushed_receipts_are_recorded_and_acknowledged(client, street, pushed):
    delivered, lost = sent_row(street), sent_row(street, phone="13900139000")
    body = [report(delivered), report(lost, success=False, code="MK:0005", message="空号")]
    response = push(client, json.dumps(body, ensure_ascii=False))
    assert response.status_code == 200
    assert response.json() == {"code": 0, "msg": "接收成功"}
    delivered.refresh_from_db()
    lost.refresh_from_db()
    at = aware(2026, 12, 2, 10, 15, 7)
    assert (delivered.receipt, delivered.receipt_at, delivered.receipt_error) == (
        Receipt.DELIVERED,
        at,
        "",
    )
    assert (lost.receipt, lost.receipt_at, lost.receipt_error) == (
        Receipt.UNDELIVERED,
        at,
        "MK:0005 空号",
    )
    assert delivered.receipt_poll_at is None and lost.receipt_poll_at is None


def test_a_repeated_push_changes_nothing(client, street, pushed):
    row = sent_row(street)
    push(client, json.dumps([report(row)]))
    again = [report(row, success=False, code="MK:0005") | {"report_time": "2026-12-02 11:00:00"}]
    assert push(client, json.dumps(again)).status_code == 200
    row.refresh_from_db()
    assert (row.receipt, row.receipt_at) == (Receipt.DELIVERED, aware(2026, 12, 2, 10, 15, 7))


def test_a_receipt_for_no_message_of_ours_is_acknowledged_and_ignored(client, street, pushed):
    row = sent_row(street)
    stranger = report(row) | {"biz_id": "999999999999999999^0"}
    assert push(client, json.dumps([stranger])).json()["code"] == 0
    row.refresh_from_db()
    assert row.receipt == Receipt.WAITING


@pytest.mark.parametrize("token", ["wrong-token", TOKEN + "x", "x"])
def test_another_token_finds_nothing(client, street, pushed, token):
    row = sent_row(street)
    assert push(client, json.dumps([report(row)]), token=token).status_code == 404
    row.refresh_from_db()
    assert row.receipt == Receipt.WAITING


def test_without_a_token_set_the_address_does_not_exist(client, street, sms_gateway, settings):
    settings.HONGMEI_SMS_RECEIPT_TOKEN = ""
    row = sent_row(street)
    assert push(client, json.dumps([report(row)]), token="anything").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "{}",
        "[1, 2]",
        '[{"biz_id": "1^0"}]',
        '[{"success": true}]',
        '[{"biz_id": 5, "success": true}]',
        '[{"biz_id": "1^0", "success": "true"}]',
        "[" * 100_000 + "]" * 100_000,
        b"\xff\xfe[]",
    ],
    ids=lambda body: repr(body[:40]),
)
def test_a_malformed_push_is_refused_with_400(client, street, pushed, body):
    row = sent_row(street)
    response = push(client, body)
    assert response.status_code == 400 and response.json()["code"] == 400
    row.refresh_from_db()
    assert row.receipt == Receipt.WAITING


def test_only_post_is_answered(client, pushed):
    assert client.get(f"/integrations/sms/aliyun/{TOKEN}/").status_code == 405
