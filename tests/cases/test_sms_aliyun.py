"""Text messages through Alibaba Cloud SMS (cases.sms_aliyun), always against the local
stand-in of its HTTP API (tests/sms_gateway.py, the `sms_gateway` fixture): the signature,
what a message sends, which answers are retried and which fail for good, delivery
receipts, and the whole way from a resident's report to a delivered message."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from cases import intake, notifications, sms, sms_aliyun, sms_outbox, tasks, workflow
from cases.models import Case, Notification, Reporter
from cases.workflow import Actor
from tests import factories
from tests.factories import HANGTIAN_POINT, aware
from tests.sms_gateway import expected_signature

Status, Receipt = Notification.Status, Notification.Receipt

# The example of the signature documentation ("HTTP协议及签名", SendSms with the test key
# testId / testSecret), with the signature it gives.
DOCUMENTED = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}


def test_the_signature_is_the_documented_one():
    assert sms_aliyun.signature(DOCUMENTED, "testSecret", "GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    # The stand-in computes it its own way, and agrees.
    assert expected_signature(DOCUMENTED, "testSecret", "GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_the_signature_encodes_spaces_stars_and_tildes_as_the_documentation_says():
    params = {"A": "a b*c~d", "B": "+/="}
    assert sms_aliyun.string_to_sign(params) == "POST&%2F&A%3Da%2520b%252Ac~d%26B%3D%252B%252F%253D"


def filed(phone="13800138000", category="litter", street=None):
    reporter = Reporter.objects.create(phone=phone)
    case = workflow.file_case(
        actor=Actor.anonymous_reporter(),
        category=street.categories[category],
        description="路边有暴露垃圾",
        channel="web",
        reporter=reporter,
        route=False,
    )
    return case, Notification.objects.get(case=case, channel=Notification.Channel.SMS)


def test_a_message_sends_the_approved_template_with_its_values(street, sms_gateway):
    case, row = filed(street=street)
    assert notifications.deliver(row.pk) is True
    [sent] = sms_gateway.actions("SendSms")
    assert sent["PhoneNumbers"] == "13800138000"
    assert sent["SignName"] == "虹梅街道"
    assert sent["TemplateCode"] == "SMS_480100001"
    assert json.loads(sent["TemplateParam"]) == {"number": case.number, "token": case.token}
    assert sent["OutId"] == str(row.pk)
    row.refresh_from_db()
    [biz_id] = sms_gateway.sent
    assert (row.status, row.provider_id, row.receipt) == (Status.SENT, biz_id, Receipt.WAITING)
    assert row.receipt_poll_at == row.sent_at + timedelta(minutes=1)


def test_a_dispatch_message_names_the_party_in_its_template(street, sms_gateway):
    case, row = filed(street=street)
    notifications.deliver(row.pk)
    hangtian = street.parties["rc-hangtian"]
    case = factories.act(street, case, "dispatch", "dispatcher", lead_party=hangtian)
    row = Notification.objects.get(case=case, kind="dispatch", channel="sms")
    notifications.deliver(row.pk)
    sent = sms_gateway.actions("SendSms")[-1]
    assert sent["TemplateCode"] == "SMS_480100002"
    assert json.loads(sent["TemplateParam"]) == {
        "number": case.number,
        "party": hangtian.name,
        "token": case.token,
    }


def test_a_message_without_an_approved_template_fails_at_once_and_is_never_sent(
    street, sms_gateway, settings
):
    settings.HONGMEI_SMS_ALIYUN_TEMPLATES = {"dispatch": "SMS_480100002"}
    _, row = filed(street=street)
    assert notifications.deliver(row.pk) is False
    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert "No approved template for text message 'file'" in row.last_error
    assert sms_gateway.requests == []


# ---------------------------------------------------------------------------- answers


# From the service's error-code list: what may pass later, and what never will.
PASSING = [
    "isv.BUSINESS_LIMIT_CONTROL",  # flow control per number
    "isv.DAY_LIMIT_CONTROL",  # the account's daily limit
    "Throttling.User",  # API rate
    "isp.SYSTEM_ERROR",
    "isp.GATEWAY_ERROR",
    "isv.AMOUNT_NOT_ENOUGH",  # no credit: waits for a top-up
    "isv.OUT_OF_SERVICE",  # suspended for want of credit
    "isp.SOMETHING_NEW",  # an unknown code of the service's side
]
NEVER = [
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.INVALID_JSON_PARAM",
    "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.PARAM_LENGTH_LIMIT",
    "isv.PARAM_NOT_SUPPORT_URL",
    "isv.DENY_IP_RANGE",
    "isv.PRODUCT_UN_SUBSCRIPT",
    "isv.ACCOUNT_ABNORMAL",
    "isp.RAM_PERMISSION_DENY",
    "isv.SOMETHING_NEW",  # an unknown code about our request
]


@pytest.mark.parametrize("code", PASSING)
def test_a_passing_refusal_is_tried_again_later(street, sms_gateway, code, settings):
    settings.HONGMEI_NOTIFICATION_RETRY_SECONDS = 60
    sms_gateway.refuse["13800138000"] = code
    _, row = filed(street=street)
    now = timezone.now()
    assert notifications.deliver(row.pk, now=now) is False
    row.refresh_from_db()
    assert (row.status, row.attempts, row.attempt_at) == (
        Status.PENDING,
        1,
        now + timedelta(seconds=60),
    )
    assert row.last_error.startswith(f"TransientError: {code}: ")
    assert (row.provider_id, row.receipt, row.sms_day) == ("", "", sms_outbox.day_of(now))


@pytest.mark.parametrize("code", NEVER)
def test_a_final_refusal_fails_the_message_at_once(street, sms_gateway, code):
    sms_gateway.refuse["13800138000"] = code
    _, row = filed(street=street)
    assert notifications.deliver(row.pk) is False
    row.refresh_from_db()
    assert (row.status, row.attempts, row.attempt_at) == (Status.FAILED, 1, None)
    assert row.last_error.startswith(f"PermanentError: {code}: ")


def test_a_number_the_service_finds_illegal_fails_at_once(street, sms_gateway):
    _, row = filed(phone="1380013800", street=street)  # ten digits
    notifications.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert row.last_error.startswith("PermanentError: isv.MOBILE_NUMBER_ILLEGAL: ")


def test_a_wrong_secret_is_refused_by_the_signature_check_and_fails_for_good(
    street, sms_gateway, settings
):
    settings.HONGMEI_SMS_ALIYUN_ACCESS_KEY_SECRET = "not-the-secret"
    _, row = filed(street=street)
    notifications.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert row.last_error.startswith("PermanentError: SignatureDoesNotMatch: ")
    assert sms_gateway.requests == []


def test_an_unknown_access_key_fails_for_good(street, sms_gateway, settings):
    settings.HONGMEI_SMS_ALIYUN_ACCESS_KEY_ID = "LTAI-unknown"
    _, row = filed(street=street)
    notifications.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert row.last_error.startswith("PermanentError: InvalidAccessKeyId.NotFound: ")


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_without_an_answer_is_tried_again(street, sms_gateway, status):
    sms_gateway.status = status
    _, row = filed(street=street)
    notifications.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.PENDING
    assert row.last_error.startswith(f"TransientError: SendSms: HTTP {status}, unreadable")


def test_a_gateway_that_does_not_answer_in_time_is_tried_again(street, sms_gateway, settings):
    settings.HONGMEI_SMS_TIMEOUT_SECONDS = 0.2
    sms_gateway.delay = 1
    _, row = filed(street=street)
    notifications.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.PENDING
    assert "unreachable" in row.last_error and "timed out" in row.last_error


def test_a_gateway_that_cannot_be_reached_is_tried_again(street, sms_gateway, settings):
    url = sms_gateway.url
    sms_gateway.stop()  # nothing listens on its port any more
    settings.HONGMEI_SMS_ALIYUN_ENDPOINT = url
    _, row = filed(street=street)
    notifications.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == Status.PENDING
    assert row.last_error.startswith(f"TransientError: SendSms: {url} unreachable")


def test_each_request_is_signed_afresh_so_a_retry_is_not_a_replay(street, sms_gateway):
    sms_gateway.refuse["13800138000"] = "isp.SYSTEM_ERROR"
    _, row = filed(street=street)
    now = timezone.now()
    notifications.deliver(row.pk, now=now)
    del sms_gateway.refuse["13800138000"]
    assert notifications.deliver(row.pk, now=now + timedelta(minutes=2)) is True
    first, second = sms_gateway.actions("SendSms")
    assert first["SignatureNonce"] != second["SignatureNonce"]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 2)


# ---------------------------------------------------------------------------- receipts


def sent_row(street, sms_gateway, phone="13800138000"):
    _, row = filed(phone=phone, street=street)
    notifications.deliver(row.pk)
    row.refresh_from_db()
    return row


def test_a_delivered_receipt_is_recorded_on_the_row(street, sms_gateway):
    row = sent_row(street, sms_gateway)
    sms_gateway.deliver(row.provider_id, at="2026-12-02 10:15:07")
    assert sms_outbox.poll_receipts(now=row.receipt_poll_at) == 1
    [query] = sms_gateway.actions("QuerySendDetails")
    assert (query["PhoneNumber"], query["BizId"]) == ("13800138000", row.provider_id)
    assert query["SendDate"] == row.sent_at.astimezone(sms_aliyun.BEIJING).strftime("%Y%m%d")
    row.refresh_from_db()
    assert (row.receipt, row.receipt_at, row.receipt_error, row.receipt_poll_at) == (
        Receipt.DELIVERED,
        aware(2026, 12, 2, 10, 15, 7),
        "",
        None,
    )


def test_an_undelivered_receipt_keeps_the_operators_code(street, sms_gateway):
    row = sent_row(street, sms_gateway)
    sms_gateway.undeliver(row.provider_id, "MK:0001", at="2026-12-02 10:15:07")
    sms_outbox.poll_receipts(now=row.receipt_poll_at)
    row.refresh_from_db()
    assert (row.status, row.receipt, row.receipt_error) == (
        Status.SENT,
        Receipt.UNDELIVERED,
        "MK:0001",
    )


def test_a_receipt_not_yet_final_is_asked_for_again_at_growing_intervals(street, sms_gateway):
    row = sent_row(street, sms_gateway)
    sent = row.sent_at
    assert sms_outbox.poll_receipts(now=sent) == 0  # not due before the first minute
    sms_outbox.poll_receipts(now=sent + timedelta(minutes=1))
    row.refresh_from_db()
    assert (row.receipt, row.receipt_poll_at) == (Receipt.WAITING, sent + timedelta(minutes=2))
    sms_outbox.poll_receipts(now=sent + timedelta(minutes=10))
    row.refresh_from_db()
    assert row.receipt_poll_at == sent + timedelta(minutes=20)
    sms_outbox.poll_receipts(now=sent + timedelta(hours=5))
    row.refresh_from_db()
    assert row.receipt_poll_at == sent + timedelta(hours=6)  # at most an hour apart
    assert len(sms_gateway.actions("QuerySendDetails")) == 3


def test_a_receipt_that_never_comes_expires_without_asking_again(street, sms_gateway, settings):
    settings.HONGMEI_SMS_RECEIPT_HOURS = 72
    row = sent_row(street, sms_gateway)
    assert sms_outbox.poll_receipts(now=row.sent_at + timedelta(hours=72)) == 1
    row.refresh_from_db()
    assert (row.receipt, row.receipt_poll_at) == (Receipt.EXPIRED, None)
    assert sms_gateway.actions("QuerySendDetails") == []


def test_polling_reads_a_bounded_batch_oldest_first(street, sms_gateway):
    rows = [sent_row(street, sms_gateway, phone=f"1390000000{i}") for i in range(3)]
    later = max(r.receipt_poll_at for r in rows)
    assert sms_outbox.poll_receipts(now=later, batch=2) == 2
    asked = [q["BizId"] for q in sms_gateway.actions("QuerySendDetails")]
    assert asked == [rows[0].provider_id, rows[1].provider_id]


def test_a_gateway_down_while_polling_leaves_the_receipt_waiting(street, sms_gateway):
    row = sent_row(street, sms_gateway)
    sms_gateway.status = 503
    sms_outbox.poll_receipts(now=row.receipt_poll_at)
    row.refresh_from_db()
    assert row.receipt == Receipt.WAITING and row.receipt_poll_at > row.sent_at + timedelta(
        minutes=1
    )


def test_a_receipt_that_cannot_be_read_holds_up_only_its_own_row(street, sms_gateway, monkeypatch):
    broken, fine = sent_row(street, sms_gateway), sent_row(street, sms_gateway, "13900139000")
    sms_gateway.deliver(fine.provider_id, at="2026-12-02 10:15:07")
    receipt = sms_aliyun.AliyunBackend.receipt

    def odd(self, message_id, phone, sent_at):
        if message_id == broken.provider_id:
            raise KeyError("SmsSendDetailDTOs")
        return receipt(self, message_id, phone, sent_at)

    monkeypatch.setattr(sms_aliyun.AliyunBackend, "receipt", odd)
    now = max(broken.receipt_poll_at, fine.receipt_poll_at)
    assert sms_outbox.poll_receipts(now=now) == 2
    broken.refresh_from_db()
    fine.refresh_from_db()
    assert (broken.receipt, fine.receipt) == (Receipt.WAITING, Receipt.DELIVERED)
    assert broken.receipt_poll_at > now


def test_backends_without_receipts_record_none(street, settings):
    settings.HONGMEI_SMS_BACKEND = "cases.sms.MemoryBackend"
    sms.MemoryBackend.outbox = []
    _, row = filed(street=street)
    notifications.deliver(row.pk)
    row.refresh_from_db()
    assert (row.status, row.provider_id, row.receipt, row.receipt_poll_at) == (
        Status.SENT,
        "",
        "",
        None,
    )


# ---------------------------------------------------------------------------- end to end


def test_a_residents_report_reaches_their_phone_and_its_receipt_is_recorded(
    client, street, sms_gateway, django_capture_on_commit_callbacks
):
    cache.clear()  # the public form's rate limits
    form = {
        "key": intake.new_key(),
        "category": "litter",
        "description": "路边有暴露垃圾，很久没人清理。",
        "lat": str(HANGTIAN_POINT[0]),
        "lng": str(HANGTIAN_POINT[1]),
        "area": "",
        "address": "",
        "kind": "resident",
        "name": "",
        "phone": "138 0013 8000",
        "email": "",
        "website": "",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/", form)
    case = Case.objects.get()
    assert response.status_code == 302
    # Filed and dispatched by its routing rule: two messages, each sent by the worker's
    # task (eager here) to the stand-in.
    rows = {r.kind: r for r in Notification.objects.filter(case=case, channel="sms")}
    assert set(rows) == {"file", "dispatch"}
    sent = {r["TemplateCode"]: r for r in sms_gateway.actions("SendSms")}
    assert set(sent) == {"SMS_480100001", "SMS_480100002"}
    assert {r["PhoneNumbers"] for r in sent.values()} == {"13800138000"}
    assert {r["SignName"] for r in sent.values()} == {"虹梅街道"}
    assert json.loads(sent["SMS_480100001"]["TemplateParam"]) == {
        "number": case.number,
        "token": case.token,
    }
    assert json.loads(sent["SMS_480100002"]["TemplateParam"]) == {
        "number": case.number,
        "party": case.lead_party.name,
        "token": case.token,
    }
    for row in rows.values():
        row.refresh_from_db()
        assert (row.status, row.receipt) == (Status.SENT, Receipt.WAITING)
        sms_gateway.deliver(row.provider_id, at="2026-12-02 10:15:07")
    # A minute later the beat's task asks for the receipts.
    with time_machine.travel(max(r.receipt_poll_at for r in rows.values())):
        tasks.poll_sms_receipts.delay()
    assert len(sms_gateway.actions("QuerySendDetails")) == 2
    for row in rows.values():
        row.refresh_from_db()
        assert (row.receipt, row.receipt_at) == (Receipt.DELIVERED, aware(2026, 12, 2, 10, 15, 7))
