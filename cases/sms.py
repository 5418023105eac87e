"""Text messages through a small backend interface, chosen by HONGMEI_SMS_BACKEND.

A backend is a class with one method, send(phone, text), that delivers one message or
raises TransientError (try again later: the gateway is down, a rate limit) or PermanentError
(never retry: the number is invalid, the content was refused). Anything else it raises
counts as transient too, up to the outbox's attempt limit.

To plug in a real gateway (e.g. Aliyun or Tencent Cloud SMS), write a class like
ConsoleBackend in your own module, map the gateway's error codes onto the two exceptions,
and set HONGMEI_SMS_BACKEND to its dotted path (docs/operations.md). Chinese gateways
usually require an approved signature and template: keep `text` within the approved form.
"""

import abc
import logging
import sys
import threading

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class TransientError(Exception):
    """Sending failed for now; the outbox tries again later."""


class PermanentError(Exception):
    """Sending can never succeed; the outbox gives up at once."""


class BaseBackend(abc.ABC):
    """The interface every backend implements."""

    @abc.abstractmethod
    def send(self, phone, text):
        """Deliver `text` to `phone`, or raise TransientError / PermanentError."""


class ConsoleBackend(BaseBackend):
    """Development: writes each message to standard output, like Django's console e-mail."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, phone, text):
        self.stream.write(f"SMS to {phone}: {text}\n")
        self.stream.flush()


class LogBackend(BaseBackend):
    """Writes each message to the `cases.sms` log instead of sending it."""

    def send(self, phone, text):
        log.info("SMS to %s: %s", phone, text)


class MemoryBackend(BaseBackend):
    """Tests: keeps the messages in MemoryBackend.outbox, a list of (phone, text)."""

    outbox = []
    _lock = threading.Lock()

    def send(self, phone, text):
        with self._lock:
            self.outbox.append((phone, text))


def get_backend():
    return import_string(settings.HONGMEI_SMS_BACKEND)()


def send(phone, text):
    get_backend().send(phone, text)
