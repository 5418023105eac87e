"""How Celery retries the domain's tasks: only for transient errors (the database
unreachable), with backoff. Sending has its own retries in the outbox (cases.notifications)."""

from django.db import InterfaceError, OperationalError

TRANSIENT = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}
