"""What the app answers when a service it needs is away (docs/operations.md, "When a
service is away"): Redis gone costs rate limits, not requests; the database gone is a
plain 503 with Retry-After, never a traceback."""

import logging

import pytest
from django.core.cache.backends.redis import RedisCache
from django.db import IntegrityError, OperationalError
from django.test import Client
from django.urls import path

from cases import ratelimit
from hongmei.cache import ResilientRedisCache
from hongmei.errors import server_error

# Nothing listens on port 1: every connection is refused at once.
AWAY = "redis://127.0.0.1:1/0"


@pytest.fixture
def away_cache():
    return ResilientRedisCache(AWAY, {"OPTIONS": {"socket_connect_timeout": 1}})


def test_with_redis_away_reads_miss_and_writes_drop(away_cache, caplog):
    caplog.set_level(logging.WARNING, logger="hongmei.cache")
    assert away_cache.get("k", "default") == "default"
    assert away_cache.add("k", 1) is False
    assert away_cache.set("k", 1) is None
    assert away_cache.get_many(["a", "b"]) == {}
    assert away_cache.delete("k") is False
    assert away_cache.has_key("k") is False
    with pytest.raises(ValueError):
        away_cache.incr("k")
    assert "Redis cache unreachable" in caplog.text


def test_the_plain_redis_cache_would_have_raised():
    plain = RedisCache(AWAY, {"OPTIONS": {"socket_connect_timeout": 1}})
    with pytest.raises(Exception, match=r"Connection refused|Error 111"):
        plain.get("k")


def test_rate_limits_let_people_through_while_redis_is_away(away_cache, monkeypatch):
    monkeypatch.setattr(ratelimit, "cache", away_cache)
    assert all(ratelimit.hit("send-ip", "10.0.0.1", limit=1, period=60) for _ in range(3))
    assert ratelimit.exceeded("send-ip", "10.0.0.1", limit=1, period=60) is False


def test_timeouts_keep_their_meaning(settings):
    """None is "never expires", the default is the cache's: the wrapper passes both on."""
    cache = ResilientRedisCache(settings.REDIS_URL, {})
    cache.set("hongmei:test:forever", 1, timeout=None)
    cache.set("hongmei:test:default", 1)
    client = cache._cache.get_client("hongmei:test:forever")
    assert client.ttl(cache.make_and_validate_key("hongmei:test:forever")) == -1
    assert 0 < client.ttl(cache.make_and_validate_key("hongmei:test:default")) <= 300
    cache.delete_many(["hongmei:test:forever", "hongmei:test:default"])


def database_away(request):
    try:
        raise OSError("connection refused")
    except OSError as error:
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed') from error


def a_bug(request):
    raise IntegrityError("duplicate key value violates unique constraint")


urlpatterns = [path("away/", database_away), path("bug/", a_bug)]
handler500 = server_error


@pytest.fixture
def plain(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    return Client(raise_request_exception=False)


def test_the_database_away_is_a_plain_503_with_retry_after(plain):
    response = plain.get("/away/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert "系统暂时无法使用" in body and "Temporarily unavailable" in body
    assert "Traceback" not in body and "5432" not in body and "OperationalError" not in body


def test_any_other_error_stays_a_plain_500(plain):
    response = plain.get("/bug/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "出错了" in body and "duplicate key" not in body and "Traceback" not in body


def test_the_browsers_favicon_request_finds_the_icon(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer["Location"].endswith("img/favicon.svg")
