"""A stand-in for Alibaba Cloud SMS's HTTP API (Dysmsapi, 2017-05-25) on 127.0.0.1, for the
tests: the real service is never called. It checks each request as the service does (the
common parameters, the timestamp, a nonce used once, the RPC signature computed here
independently of cases.sms_aliyun), answers SendSms with a BizId or with the error code a
test asked for, and QuerySendDetails with the receipt a test set; it keeps every request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
COMMON = (
    "AccessKeyId",
    "Action",
    "Format",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureVersion",
    "Timestamp",
    "Version",
    "Signature",
)


def encode(text: str) -> str:
    """Percent-encoding as the signature documentation spells it out, byte by byte."""
    return "".join(chr(b) if b in UNRESERVED else f"%{b:02X}" for b in text.encode("utf-8"))


def expected_signature(params: dict[str, str], secret: str, method: str) -> str:
    canonical = "&".join(
        encode(name) + "=" + encode(params[name]) for name in sorted(params) if name != "Signature"
    )
    to_sign = method + "&" + encode("/") + "&" + encode(canonical)
    key = (secret + "&").encode("utf-8")
    return base64.b64encode(hmac.new(key, to_sign.encode("utf-8"), hashlib.sha1).digest()).decode()


class Gateway:
    """The stand-in. Tests set `refuse` (number → the code SendSms answers), `status`
    (answer every request with this bare HTTP status), `delay` (seconds before answering),
    and a message's receipt with deliver() / undeliver()."""

    def __init__(self, *, key_id: str, secret: str, sign_name: str, templates: set[str]):
        self.key_id, self.secret, self.sign_name = key_id, secret, sign_name
        self.templates = set(templates)
        self.requests: list[dict[str, str]] = []  # every request that passed the checks
        self.refuse: dict[str, str] = {}
        self.status: int | None = None
        self.delay = 0.0
        self.sent: dict[str, dict[str, str]] = {}  # BizId → the SendSms request
        self.receipts: dict[str, tuple[int, str, str]] = {}  # BizId → status, code, date
        self._nonces: set[str] = set()
        self._ids = itertools.count(735_112_200_000_000_001)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> Gateway:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def actions(self, action: str) -> list[dict[str, str]]:
        return [r for r in self.requests if r["Action"] == action]

    def deliver(self, biz_id: str, at: str) -> None:
        self.receipts[biz_id] = (3, "DELIVERED", at)

    def undeliver(self, biz_id: str, code: str, at: str) -> None:
        self.receipts[biz_id] = (2, code, at)

    # ------------------------------------------------------------------ answering

    def answer(self, method: str, params: dict[str, str]) -> tuple[int, dict]:
        missing = [name for name in COMMON if not params.get(name)]
        if missing:
            return 400, _error("MissingParameter", f"{missing[0]} is mandatory.")
        if params["AccessKeyId"] != self.key_id:
            return 404, _error("InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        if params["Signature"] != expected_signature(params, self.secret, method):
            return 400, _error("SignatureDoesNotMatch", "Specified signature is not matched.")
        if (params["SignatureMethod"], params["SignatureVersion"]) != ("HMAC-SHA1", "1.0"):
            return 400, _error("IncompleteSignature", "Unsupported signature method.")
        if params["Version"] != "2017-05-25" or params["Format"] != "JSON":
            return 400, _error("InvalidVersion", "Specified parameter Version is not valid.")
        try:
            stamp = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            return 400, _error("InvalidTimeStamp.Format", "Specified time stamp is not valid.")
        if abs(datetime.now(UTC) - stamp.replace(tzinfo=UTC)) > timedelta(minutes=15):
            return 400, _error("InvalidTimeStamp.Expired", "Specified time stamp is expired.")
        with self._lock:
            if params["SignatureNonce"] in self._nonces:
                return 400, _error("SignatureNonceUsed", "Specified nonce was used already.")
            self._nonces.add(params["SignatureNonce"])
            self.requests.append(params)
        if params["Action"] == "SendSms":
            return self._send(params)
        if params["Action"] == "QuerySendDetails":
            return self._query(params)
        return 404, _error("InvalidAction.NotFound", "Specified api is not found.")

    def _send(self, params):
        phone = params.get("PhoneNumbers", "")
        if not re.fullmatch(r"1\d{10}", phone):
            return 200, _error("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if params.get("SignName") != self.sign_name:
            return 200, _error("isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        if params.get("TemplateCode") not in self.templates:
            return 200, _error("isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        try:
            values = json.loads(params.get("TemplateParam", "{}"))
        except ValueError:
            values = None
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            return 200, _error("isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        if phone in self.refuse:
            return 200, _error(self.refuse[phone], "refused by the test")
        biz_id = f"{next(self._ids)}^0"
        self.sent[biz_id] = params
        return 200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": _request_id()}

    def _query(self, params):
        biz_id, phone = params.get("BizId", ""), params.get("PhoneNumber", "")
        if not re.fullmatch(r"\d{8}", params.get("SendDate", "")):
            return 200, _error("isv.INVALID_PARAMETERS", "SendDate is yyyyMMdd")
        sent = self.sent.get(biz_id)
        details = []
        if sent and sent["PhoneNumbers"] == phone:
            status, code, at = self.receipts.get(biz_id, (1, "", ""))
            details.append(
                {
                    "PhoneNum": phone,
                    "SendStatus": status,
                    "ErrCode": code,
                    "TemplateCode": sent["TemplateCode"],
                    "ReceiveDate": at,
                    "SendDate": "",
                    "OutId": sent.get("OutId", ""),
                }
            )
        return 200, {
            "Code": "OK",
            "Message": "OK",
            "RequestId": _request_id(),
            "TotalCount": len(details),
            "SmsSendDetailDTOs": {"SmsSendDetailDTO": details},
        }


def _error(code, message):
    return {"Code": code, "Message": message, "RequestId": _request_id()}


def _request_id():
    return f"{time.monotonic_ns():032X}"


def _handler(gateway):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if gateway.delay:
                time.sleep(gateway.delay)
            if gateway.status:
                self._reply(gateway.status, b"<html><body>Bad Gateway</body></html>", "text/html")
                return
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
            params = dict(pairs)
            if len(params) != len(pairs):
                status, answer = 400, _error("InvalidParameter", "A parameter appears twice.")
            else:
                status, answer = gateway.answer("POST", params)
            self._reply(status, json.dumps(answer, ensure_ascii=False).encode(), "application/json")

        def _reply(self, status, body, content_type):
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type};charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            pass  # quiet: the tests read what it kept

    return Handler
