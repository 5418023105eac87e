"""Text messages through a small backend interface, chosen by HONGMEI_SMS_BACKEND.

A backend is a class whose send(message) delivers one TextMessage and returns the
gateway's id for it ("" when it gives none), or raises TransientError (try again later:
the gateway is down, a rate limit) or PermanentError (never retry: the number is invalid,
the content was refused). Anything else it raises counts as transient too, up to the
outbox's attempt limit.

Chinese gateways send only pre-approved templates with parameters, never free text: a
message therefore carries both its wording (`text`, for development backends) and which
message it is with its values (`template`, `params`), from which such a gateway builds
its request. A backend whose gateway reports delivery is a ReceiptBackend and answers
receipt(); cases.sms_outbox records what it says on the outbox row.

Backends here: ConsoleBackend, LogBackend, MemoryBackend (tests), and
cases.sms_aliyun.AliyunBackend, Alibaba Cloud SMS (docs/operations.md, "Text messages").
"""

from __future__ import annotations

import abc
import logging
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


# Each reporter text message's variables, for gateways that send only approved templates
# (Alibaba Cloud: TemplateParam; docs/operations.md lists the template texts to submit):
# the case number, the private tracking token (the site's address is fixed in the
# template, as the gateways want no links in variables), the party handling it.
TEMPLATE_PARAMS = {
    "file": ("number", "token"),
    "dispatch": ("number", "party", "token"),
    "follow": ("number", "token"),
    "reject": ("number", "token"),
    "reopen": ("number", "token"),
    "resolve": ("number", "party", "token"),
    "verify": ("number", "token"),
    "satisfaction": ("number", "token"),
    # The one-time code that finds a reporter's cases again (cases.recovery, /find/).
    "code": ("code",),
}
# Gateways limit a variable's length (Alibaba Cloud: 35 characters).
PARAM_LENGTH = 20


class TransientError(Exception):
    """Sending failed for now; the outbox tries again later."""


class PermanentError(Exception):
    """Sending can never succeed; the outbox gives up at once."""


@dataclass(frozen=True)
class TextMessage:
    """One text message to one number."""

    phone: str
    text: str
    # Which message it is (the notification template's name: "file", "dispatch", …) and
    # the values of its variables: what a template-only gateway sends instead of `text`.
    template: str = ""
    params: dict[str, str] = field(default_factory=dict)
    # Our id for it (the outbox row), for gateways that echo it back in receipts.
    reference: str = ""


@dataclass(frozen=True)
class Receipt:
    """What a gateway reports about a message it accepted: delivered to the handset
    (True), not delivered (False, with the operator's code in `error`), or nothing final
    yet (None)."""

    message_id: str
    delivered: bool | None
    at: datetime | None = None
    error: str = ""


class BaseBackend(abc.ABC):
    """The interface every backend implements."""

    @abc.abstractmethod
    def send(self, message: TextMessage) -> str:
        """Deliver `message`, return the gateway's id for it ("" if none), or raise
        TransientError / PermanentError."""


class ReceiptBackend(BaseBackend):
    """A backend whose gateway reports delivery: the outbox polls receipt() for each
    message it accepted, until a receipt is final (cases.sms_outbox)."""

    @abc.abstractmethod
    def receipt(self, message_id: str, phone: str, sent_at: datetime) -> Receipt:
        """Ask the gateway what became of a message it accepted."""


class ConsoleBackend(BaseBackend):
    """Development: writes each message to standard output, like Django's console e-mail."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, message):
        self.stream.write(f"SMS to {message.phone}: {message.text}\n")
        self.stream.flush()
        return ""


class LogBackend(BaseBackend):
    """Writes each message to the `cases.sms` log instead of sending it."""

    def send(self, message):
        log.info("SMS to %s: %s", message.phone, message.text)
        return ""


class MemoryBackend(BaseBackend):
    """Tests: keeps the messages in MemoryBackend.outbox, a list of (phone, text)."""

    outbox: list[tuple[str, str]] = []
    _lock = threading.Lock()

    def send(self, message):
        with self._lock:
            self.outbox.append((message.phone, message.text))
        return ""


def get_backend() -> BaseBackend:
    return import_string(settings.HONGMEI_SMS_BACKEND)()


def send(message: TextMessage) -> str:
    return get_backend().send(message)
