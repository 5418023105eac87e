"""Settings for the benchmark only (bench/run.py): the product's settings, served as in
production (DEBUG off), plus the floor views' URLconf. Never used by the product."""

import warnings

from hongmei.settings import *  # noqa: F403

# No collectstatic for a benchmark: WhiteNoise need not warn that STATIC_ROOT is missing.
warnings.filterwarnings("ignore", message="No directory at", module="whitenoise")

ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# Plain HTTP on loopback: no redirect to HTTPS, cookies without the Secure flag.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# The pages are measured, not static files: no manifest to collect first.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "ERROR"},
}
# The public form's abuse limits would refuse a benchmark's hundreds of sends from one
# address within the hour; the work of each send is unchanged.
HONGMEI_SENDS_PER_IP_HOUR = 10**9
HONGMEI_REPORTS_PER_CONTACT_DAY = 10**9
# Notifications are written and delivered (tasks run eagerly) but no mail leaves the machine
# and nothing floods the console.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
HONGMEI_SMS_BACKEND = "cases.sms.LogBackend"  # logged at INFO: below this level
