"""Small in-process caches for configuration that changes rarely and is read on every
request (area outlines, routing rules, the holiday calendar).

Each cache lives at most TTL seconds, so an edit made in another process shows within
that time; an edit in this process clears the caches at once.
"""

import functools
import time

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from cases.models import Area, CalendarDay, Category, CategoryModel, Party, RoutingRule

TTL = 60.0
_caches = []


def ttl_cached(func):
    """Cache a function of no arguments for TTL seconds."""
    state = {"at": -TTL, "value": None}

    @functools.wraps(func)
    def wrapper():
        now = time.monotonic()
        if now - state["at"] >= TTL:
            state["value"] = func()
            state["at"] = now
        return state["value"]

    def clear():
        state["at"] = -TTL

    wrapper.clear = clear
    _caches.append(wrapper)
    return wrapper


def clear_all(**kwargs):
    for cached in _caches:
        cached.clear()


def clear_now_and_after_commit(**kwargs):
    # Now, so this transaction reads its own change; after commit, in case a read within
    # the transaction cached the new rows before they were final.
    clear_all()
    transaction.on_commit(clear_all)


def connect_invalidation():
    for model in (Area, CalendarDay, Category, CategoryModel, Party, RoutingRule):
        for signal, name in ((post_save, "save"), (post_delete, "delete")):
            signal.connect(
                clear_now_and_after_commit,
                sender=model,
                dispatch_uid=f"memo-{name}-{model.__name__}",
            )
