"""Django's Redis cache, made to ride out Redis being away.

The cache holds nothing that must not be lost (rate-limit counters, short-lived page
parts); Redis restarting or a network blip must not turn every request that touches it
into a 500. While Redis cannot be reached, reads miss, writes are dropped and counters
start again (so rate limits are not enforced until it is back: the log says so, at most
once a minute per process). Connection attempts give up after a second.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
AWAY = (RedisConnectionError, RedisTimeoutError, OSError)
_last_warning = 0.0


def _warn(error):
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > 60:
        _last_warning = now
        log.warning(
            "Redis cache unreachable (%s): reads miss and rate limits are off until it is back.",
            error,
        )


class ResilientRedisCache(RedisCache):
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except AWAY as error:
            _warn(error)
            return False

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except AWAY as error:
            _warn(error)
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except AWAY as error:
            _warn(error)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except AWAY as error:
            _warn(error)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except AWAY as error:
            _warn(error)
            return False

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except AWAY as error:
            _warn(error)
            return {}

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except AWAY as error:
            _warn(error)
            return list(data)

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except AWAY as error:
            _warn(error)

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except AWAY as error:
            _warn(error)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except AWAY as error:
            _warn(error)
            raise ValueError(f"Key '{key}' not found (the cache is unreachable)") from error

    def clear(self):
        try:
            return super().clear()
        except AWAY as error:
            _warn(error)
            return False
