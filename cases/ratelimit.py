"""Fixed-window rate limits kept in the Django cache (Redis in production, so every web
process counts together).

Identifiers (an IP address, a mobile number) are stored only as a keyed hash: the cache
never holds a reporter's number or address in clear.
"""

import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache


def _key(scope, ident, period, now=None):
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"{scope}:{ident}".encode(), hashlib.sha256
    ).hexdigest()[:32]
    window = int((now or time.time()) // period)
    return f"hongmei:rl:{scope}:{digest}:{window}"


def hit(scope, ident, *, limit, period):
    """Count one use of `scope` by `ident`; False when this use goes over `limit` uses in
    the current window of `period` seconds."""
    key = _key(scope, ident, period)
    cache.add(key, 0, timeout=period)
    try:
        count = cache.incr(key)
    except ValueError:  # the window expired between add() and incr()
        cache.set(key, 1, timeout=period)
        count = 1
    return count <= limit


def exceeded(scope, ident, *, limit, period):
    """Whether `ident` has already used `scope` `limit` times in this window (counts
    nothing)."""
    return (cache.get(_key(scope, ident, period)) or 0) >= limit


def client_ip(request):
    """The client's address: REMOTE_ADDR, or the header the deployment's proxy sets
    (HONGMEI_CLIENT_IP_HEADER, e.g. HTTP_X_REAL_IP); of a list, the entry the proxy added."""
    header = getattr(settings, "HONGMEI_CLIENT_IP_HEADER", "") or "REMOTE_ADDR"
    value = request.META.get(header) or request.META.get("REMOTE_ADDR") or ""
    return value.split(",")[-1].strip()
