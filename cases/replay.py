"""Replaying history: while old cases are loaded (the demo seed, an import of past cases),
their events set off nothing that belongs to the present.

Inside replaying(), in-app notices are kept as history but no e-mail or text message is
written (cases.notifications), and no alarm is set for a moment already past
(cases.alarms), so loading old cases does not set off a storm of messages and supervisions.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_replaying: ContextVar[bool] = ContextVar("replaying_history", default=False)


@contextmanager
def replaying() -> Iterator[None]:
    token = _replaying.set(True)
    try:
        yield
    finally:
        _replaying.reset(token)


def is_replaying() -> bool:
    return _replaying.get()
