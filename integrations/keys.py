"""API keys of client systems (the 12345 link, a mini-program, a city app).

A key's secret is shown once, when it is made; only its SHA-256 hash is stored. The first
characters of the secret (its prefix) find the row; the hash is compared in constant time.
Secrets carry 256 random bits, so a plain hash is enough: there is nothing to brute-force.
Each key may make `requests_per_minute` requests in any calendar minute.
"""

import hashlib
import secrets
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone

from cases.models import ApiKey

PREFIX_LENGTH = 12
# A busy client must not write its key's row on every request.
LAST_USED_RESOLUTION = 60


def hash_secret(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret():
    return "hm_" + secrets.token_urlsafe(32)


def assign_secret(key, secret=None):
    """Give an unsaved key a new secret; returns the secret, which is not stored."""
    if secret is None:
        secret = new_secret()
        while ApiKey.objects.filter(prefix=secret[:PREFIX_LENGTH]).exists():
            secret = new_secret()
    key.prefix = secret[:PREFIX_LENGTH]
    key.key_hash = hash_secret(secret)
    return secret


def create_key(*, name, channel, requests_per_minute=60, secret=None):
    """Make a key; returns (ApiKey, secret). The secret cannot be shown again. `secret` is
    for the demo seed only."""
    key = ApiKey(name=name, channel=channel, requests_per_minute=requests_per_minute)
    secret = assign_secret(key, secret)
    key.save()
    return key, secret


def revoke(key, *, at=None):
    if key.revoked_at is None:
        key.revoked_at = at or timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def authenticate(secret):
    """The active key whose secret this is, or None (unknown, wrong or revoked)."""
    if not secret or len(secret) < PREFIX_LENGTH:
        return None
    key = ApiKey.objects.filter(prefix=secret[:PREFIX_LENGTH]).first()
    if key is None or not secrets.compare_digest(key.key_hash, hash_secret(secret)):
        return None
    if key.revoked_at is not None:
        return None
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


@dataclass(frozen=True)
class Allowance:
    allowed: bool
    retry_after: int


def take_request(key, *, now=None):
    """Count one request against the key's limit for the current minute."""
    now = now or timezone.now()
    window = int(now.timestamp()) // 60
    counter = f"hongmei:apikey:{key.pk}:{window}"
    cache.add(counter, 0, timeout=120)
    try:
        used = cache.incr(counter)
    except ValueError:  # the entry expired between add and incr
        cache.set(counter, 1, timeout=120)
        used = 1
    retry_after = 60 - int(now.timestamp()) % 60
    return Allowance(used <= key.requests_per_minute, retry_after)
