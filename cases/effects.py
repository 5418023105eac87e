"""What an event sets in motion, written in the event's own transaction: the notifications
it causes (cases.notifications, the outbox) and the alarms of the clocks it starts or stops
(cases.alarms). The workflow calls on_event() for every event it records.

History replayed from the past (the demo seed, an import of old cases) runs inside
replaying(): nothing is sent for it — in-app notices are kept as history, e-mail and text
messages are not written — and no alarm is set for a moment already past, so loading old
cases does not set off a storm of messages and supervisions.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from cases import alarms, notifications

_replaying = ContextVar("replaying_history", default=False)


def on_event(event):
    notifications.for_event(event)
    alarms.for_event(event)


@contextmanager
def replaying():
    token = _replaying.set(True)
    try:
        yield
    finally:
        _replaying.reset(token)


def replaying_history():
    return _replaying.get()
