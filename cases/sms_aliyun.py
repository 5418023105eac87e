"""Alibaba Cloud SMS (阿里云短信服务, Dysmsapi, API version 2017-05-25) over its documented
HTTP RPC API: SendSms to send, QuerySendDetails to poll a receipt, and the batch receipt
push (HTTP 批量推送) parsed for integrations.sms_receipts.

No SDK: the API is a signed form POST, done here with the standard library, so the project
gains no dependency and the tests run it against a local stand-in of the service
(docs/operations.md, "Text messages"; docs/adr/0007-sms-gateway-over-plain-http.md).

Requests are signed with the RPC signature, version 1.0: the parameters, sorted by name,
each name and value percent-encoded (RFC 3986: only A-Z a-z 0-9 - _ . ~ stay as they are),
joined as name=value&…; the string to sign is METHOD&%2F&encode(that query); the signature
is base64(HMAC-SHA1(key = AccessKeySecret + "&", string to sign)).

The service's answer codes are mapped to the outbox's two outcomes in CODES: retry later
(TransientError) or give up at once (PermanentError).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from urllib import error as urlerror
from urllib import parse, request
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from cases.sms import PermanentError, Receipt, ReceiptBackend, TextMessage, TransientError

API_VERSION = "2017-05-25"
# The service's dates (SendDate, ReceiveDate, report_time) are Beijing time.
BEIJING = ZoneInfo("Asia/Shanghai")

RETRY, FINAL = "retry", "final"

# What each documented answer code means for the message. Codes about the message (number,
# template, signature, parameters) or about how we are set up (keys, permissions, IP
# allow-list, product not opened) never succeed by trying again: final, and listed in the
# admin as failed. Flow control, the service's own errors and an account without credit
# are passing: the outbox tries again with its growing delay, up to its attempt limit.
CODES = {
    # flow control: per number per minute/hour/day, per account per day, API rate
    "isv.BUSINESS_LIMIT_CONTROL": RETRY,
    "isv.DAY_LIMIT_CONTROL": RETRY,
    "isv.SMS_OVER_LIMIT": RETRY,
    "Throttling": RETRY,
    "Throttling.User": RETRY,
    "Throttling.Api": RETRY,
    # the service's side
    "isp.SYSTEM_ERROR": RETRY,
    "isp.GATEWAY_ERROR": RETRY,
    "isp.UNKNOWN": RETRY,
    "ServiceUnavailable": RETRY,
    "InternalError": RETRY,
    # the account has no credit or is suspended for it: the message waits for a top-up
    "isv.AMOUNT_NOT_ENOUGH": RETRY,
    "isv.OUT_OF_SERVICE": RETRY,
    # a request that arrived late or reused a nonce: a fresh request may pass
    "InvalidTimeStamp.Expired": RETRY,
    "SignatureNonceUsed": RETRY,
    # the message: number, template, signature, parameters
    "isv.MOBILE_NUMBER_ILLEGAL": FINAL,
    "isv.MOBILE_COUNT_OVER_LIMIT": FINAL,
    "isv.DOMESTIC_NUMBER_NOT_SUPPORTED": FINAL,
    "isv.SMS_TEMPLATE_ILLEGAL": FINAL,
    "isv.SMS_SIGNATURE_ILLEGAL": FINAL,
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL": FINAL,
    "isv.TEMPLATE_MISSING_PARAMETERS": FINAL,
    "isv.TEMPLATE_PARAMS_ILLEGAL": FINAL,
    "isv.INVALID_PARAMETERS": FINAL,
    "isv.INVALID_JSON_PARAM": FINAL,
    "isv.BLACK_KEY_CONTROL_LIMIT": FINAL,
    "isv.PARAM_LENGTH_LIMIT": FINAL,
    "isv.PARAM_NOT_SUPPORT_URL": FINAL,
    "isv.SMS_CONTENT_ILLEGAL": FINAL,
    "isv.EXTEND_CODE_ERROR": FINAL,
    # how we are set up
    "isv.DENY_IP_RANGE": FINAL,
    "isv.PRODUCT_UN_SUBSCRIPT": FINAL,
    "isv.PRODUCT_UNSUBSCRIBE": FINAL,
    "isv.ACCOUNT_NOT_EXISTS": FINAL,
    "isv.ACCOUNT_ABNORMAL": FINAL,
    "isp.RAM_PERMISSION_DENY": FINAL,
    "SignatureDoesNotMatch": FINAL,
    "IncompleteSignature": FINAL,
    "InvalidAccessKeyId.NotFound": FINAL,
    "InvalidAccessKeyId.Inactive": FINAL,
    "Forbidden.RAM": FINAL,
    "MissingParameter": FINAL,
    "InvalidParameter": FINAL,
}


def outcome(code: str) -> str:
    """RETRY or FINAL for an answer code. Codes not in CODES: an unknown `isv.` code is
    about our request (final); anything else is the service's (retry, bounded by the
    outbox's attempt limit)."""
    if code in CODES:
        return CODES[code]
    return FINAL if code.startswith("isv.") else RETRY


def refusal(code: str, text: str) -> Exception:
    error_class = PermanentError if outcome(code) == FINAL else TransientError
    return error_class(f"{code}: {text}"[:500])


# ---------------------------------------------------------------------------- signing


def percent(value: str) -> str:
    """RFC 3986 percent-encoding of UTF-8 text, as the signature wants it."""
    return parse.quote(value, safe="~")


def string_to_sign(params: dict[str, str], method: str = "POST") -> str:
    query = "&".join(f"{percent(k)}={percent(v)}" for k, v in sorted(params.items()))
    return f"{method}&{percent('/')}&{percent(query)}"


def signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    """The RPC signature (version 1.0, HMAC-SHA1) of `params` (without `Signature`)."""
    digest = hmac.new(
        f"{secret}&".encode(), string_to_sign(params, method).encode(), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode()


# ---------------------------------------------------------------------------- the backend


class AliyunBackend(ReceiptBackend):
    """Sends through SendSms with the approved signature and the template approved for
    each message (HONGMEI_SMS_ALIYUN_*; docs/operations.md). Every error raised is
    TransientError or PermanentError."""

    def __init__(self):
        endpoint = settings.HONGMEI_SMS_ALIYUN_ENDPOINT
        if "://" not in endpoint:
            endpoint = f"https://{endpoint}"
        if parse.urlsplit(endpoint).scheme not in ("https", "http"):
            raise ImproperlyConfigured("HONGMEI_SMS_ALIYUN_ENDPOINT must be an https:// address.")
        self.endpoint = endpoint.rstrip("/") + "/"
        self.key_id = settings.HONGMEI_SMS_ALIYUN_ACCESS_KEY_ID
        self.secret = settings.HONGMEI_SMS_ALIYUN_ACCESS_KEY_SECRET
        self.sign_name = settings.HONGMEI_SMS_ALIYUN_SIGN_NAME
        self.templates = settings.HONGMEI_SMS_ALIYUN_TEMPLATES
        self.region = settings.HONGMEI_SMS_ALIYUN_REGION
        self.timeout = settings.HONGMEI_SMS_TIMEOUT_SECONDS

    def send(self, message: TextMessage) -> str:
        code = self.templates.get(message.template)
        if not code:
            # The service sends no free text: without an approved template, never.
            raise PermanentError(
                f"No approved template for text message {message.template!r}: "
                "set it in HONGMEI_SMS_ALIYUN_TEMPLATES."
            )
        params = {
            "PhoneNumbers": message.phone,
            "SignName": self.sign_name,
            "TemplateCode": code,
            "TemplateParam": json.dumps(message.params, ensure_ascii=False),
        }
        if message.reference:
            params["OutId"] = message.reference
        answer = self.call("SendSms", params)
        biz_id = answer.get("BizId")
        if not isinstance(biz_id, str) or not biz_id:
            raise TransientError(f"SendSms answered OK without a BizId: {answer!r}"[:500])
        return biz_id

    def receipt(self, message_id: str, phone: str, sent_at: datetime) -> Receipt:
        answer = self.call(
            "QuerySendDetails",
            {
                "PhoneNumber": phone,
                "BizId": message_id,
                "SendDate": sent_at.astimezone(BEIJING).strftime("%Y%m%d"),
                "PageSize": "10",
                "CurrentPage": "1",
            },
        )
        listed = answer.get("SmsSendDetailDTOs")
        details = listed.get("SmsSendDetailDTO") if isinstance(listed, dict) else None
        for detail in details if isinstance(details, list) else []:
            status = detail.get("SendStatus") if isinstance(detail, dict) else None
            if status == 3:
                return Receipt(message_id, True, _beijing(detail.get("ReceiveDate")))
            if status == 2:
                error = str(detail.get("ErrCode") or "")
                return Receipt(message_id, False, _beijing(detail.get("ReceiveDate")), error)
        # SendStatus 1 (waiting for the operator's report), or not listed yet.
        return Receipt(message_id, None)

    def call(self, action: str, params: dict[str, str]) -> dict:
        """POST one signed request; the answer's JSON when its Code is OK, else the
        mapped error."""
        body = parse.urlencode(self.signed(action, params), quote_via=parse.quote).encode()
        outgoing = request.Request(  # noqa: S310 (the scheme is checked in __init__)
            self.endpoint,
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        try:
            with request.urlopen(outgoing, timeout=self.timeout) as response:  # noqa: S310 (ditto)
                status, raw = response.status, response.read()
        except urlerror.HTTPError as error:
            status, raw = error.code, error.read()
        except OSError as error:  # URLError, timeouts, a connection reset
            raise TransientError(f"{action}: {self.endpoint} unreachable ({error})") from error
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
        if not isinstance(answer, dict) or not isinstance(answer.get("Code"), str):
            raise TransientError(f"{action}: HTTP {status}, unreadable answer {raw[:200]!r}")
        if answer["Code"] != "OK":
            raise refusal(answer["Code"], str(answer.get("Message", "")))
        return answer

    def signed(
        self,
        action: str,
        params: dict[str, str],
        *,
        now: datetime | None = None,
        nonce: str | None = None,
    ) -> dict[str, str]:
        """`params` with the common parameters and the signature."""
        now = now or datetime.now(UTC)
        full = {
            "AccessKeyId": self.key_id,
            "Action": action,
            "Format": "JSON",
            "RegionId": self.region,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
            **params,
        }
        return full | {"Signature": signature(full, self.secret)}


def _beijing(text):
    if not isinstance(text, str):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
    except ValueError:
        return None


# ---------------------------------------------------------------------------- pushed receipts


def parse_reports(payload: object) -> list[Receipt]:
    """The receipts in one batch push (SmsReport, HTTP 批量推送): a JSON list of objects
    with biz_id, success, err_code and report_time. Raises ValueError for anything else."""
    if not isinstance(payload, list):
        raise ValueError("a receipt push is a JSON list")
    receipts = []
    for item in payload:
        if not isinstance(item, dict):
            raise ValueError("each receipt is a JSON object")
        biz_id, success = item.get("biz_id"), item.get("success")
        if not isinstance(biz_id, str) or not biz_id or not isinstance(success, bool):
            raise ValueError("a receipt needs biz_id and success")
        error = "" if success else str(item.get("err_code") or "")
        message = "" if success else str(item.get("err_msg") or "")
        detail = f"{error} {message}".strip()
        receipts.append(Receipt(biz_id, success, _beijing(item.get("report_time")), detail))
    return receipts
