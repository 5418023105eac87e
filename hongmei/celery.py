import logging
import os

from celery import Celery
from celery.signals import beat_init, worker_init
from django.core.exceptions import ImproperlyConfigured

from hongmei.startup import require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hongmei.settings")

app = Celery("hongmei")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def _require_secret_key(**kwargs):
    """A worker or beat without SECRET_KEY (and without DEBUG) stops at once: Celery logs
    and swallows a handler's exceptions, so the refusal leaves as SystemExit."""
    try:
        require_secret_key()
    except ImproperlyConfigured as error:
        logging.getLogger(__name__).critical("ImproperlyConfigured: %s", error)
        raise SystemExit(f"ImproperlyConfigured: {error}") from None
