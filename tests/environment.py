"""Loaded with `-p tests.environment` before Django starts (see pyproject.toml).

Points the suite at PostgreSQL and Redis (their local defaults, or DATABASE_URL and
REDIS_URL), keeps Celery eager and the cache in-process unless a test says otherwise, and
stops the run at once with a clear message when a service cannot be reached.
"""

import os
import socket
import tempfile
from urllib.parse import urlparse

import pytest

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hongmei")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("CACHE_URL", "locmem://")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
# The settings fail closed (DEBUG off, SECRET_KEY required): the suite says what it runs
# with. Django's test runner turns DEBUG off for the tests themselves.
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("SECRET_KEY", "hongmei-test-suite-key-not-secret")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="hongmei-test-media-"))
# Playwright's sync API runs an event loop in the test thread beside live_server.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SERVICES = {
    "PostgreSQL": (os.environ["DATABASE_URL"], 5432, "pg_ctlcluster <version> main start"),
    "Redis": (os.environ["REDIS_URL"], 6379, "redis-server --daemonize yes --port 6379"),
}


def _unreachable():
    problems = []
    for name, (url, default_port, hint) in SERVICES.items():
        parsed = urlparse(url)
        host, port = parsed.hostname or "127.0.0.1", parsed.port or default_port
        try:
            socket.create_connection((host, port), timeout=3).close()
        except OSError as error:
            problems.append(f"{name} at {host}:{port} is unreachable ({error}); start it: {hint}")
    return problems


def pytest_sessionstart(session):
    if not os.environ["DATABASE_URL"].startswith(("postgres://", "postgresql://")):
        pytest.exit("The suite runs on PostgreSQL: set DATABASE_URL to a postgres:// URL.", 3)
    if hasattr(session.config, "workerinput"):
        return  # xdist workers: the controller has checked already
    problems = _unreachable()
    if problems:
        pytest.exit("\n".join(problems), 3)


# HONGMEI_TEST_NOW=2027-12-02T10:00+08:00 runs the suite with the clock moved to that instant
# (it keeps ticking): no test may depend on the day it runs. tests/test_any_date.py uses it.
_NOW = os.environ.get("HONGMEI_TEST_NOW")
if _NOW:
    import time_machine

    time_machine.travel(_NOW, tick=True).start()
