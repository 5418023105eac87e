"""The processes that serve refuse to start without a secret key (docs/security.md).

Settings fail closed: DEBUG is off unless set, and then no development key stands in for a
missing SECRET_KEY. Commands that sign nothing (check, makemigrations, migrate) still run;
anything that signs (sessions, CSRF, tracking links) raises; and the web application
(wsgi, asgi) and the Celery worker and beat stop at once with this message.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MISSING_KEY = (
    "SECRET_KEY must be set when DEBUG is off. In production set SECRET_KEY to a long "
    "random value (docs/deploy.md); for development use `make run`, or set DEBUG=1 in the "
    "environment."
)


def require_secret_key():
    try:
        settings.SECRET_KEY  # noqa: B018  (Django raises when it is empty)
    except ImproperlyConfigured:
        raise ImproperlyConfigured(MISSING_KEY) from None
