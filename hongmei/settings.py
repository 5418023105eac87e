"""Settings for the Hongmei case tracker.

Everything is read from the environment, with defaults that run on a laptop:
SQLite, no broker (Celery tasks run eagerly), console e-mail. DEBUG is off unless set, and
without DEBUG a SECRET_KEY is required; `make run` sets DEBUG=1 and a development key.
Production sets at least SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and REDIS_URL; see
docs/deploy.md.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_pairs(name, default=""):
    """ "a=1,b=2" as {"a": "1", "b": "2"}."""
    pairs = (item.partition("=") for item in env_list(name, default))
    return {key.strip(): value.strip() for key, _, value in pairs if key.strip()}


# Fail closed: an install that forgets a setting gets production behaviour, not tracebacks
# for anyone (docs/security.md). `make run` and the test suite say DEBUG=1 themselves.
DEBUG = env_bool("DEBUG", False)

# Without DEBUG no development key stands in: a missing SECRET_KEY stays empty, so whatever
# signs raises and the serving processes refuse to start (hongmei/startup.py).
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "cases.admin_apps.AxesConfig",  # django-axes, named in Chinese (cases/admin_apps.py)
    "django_otp",
    "cases.admin_apps.AuthenticatorAppsConfig",  # django_otp.plugins.otp_totp
    "cases.admin_apps.RecoveryCodesConfig",  # django_otp.plugins.otp_static
    "cases",
    "public",
    "ledger",
    "portal",
    "dashboard",
    "integrations",
    "meetings",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "hongmei.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Two-factor sign-in: sends a session that owes a one-time code, or must enrol, there.
    "portal.twofactor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hongmei.urls"
WSGI_APPLICATION = "hongmei.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # make run serves a few users at once; wait for a lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/staff/"
LOGOUT_REDIRECT_URL = "login"
# Staff sessions last one working day from sign-in (10 hours, not Django's two weeks): a
# shared office PC left signed in is signed out by the next morning (docs/portal.md).
SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE", str(10 * 3600)))
SESSION_SAVE_EVERY_REQUEST = False

# Sign-in lockout (django-axes): 5 failures for one username from one address lock that
# pair out for 15 minutes; another address, or another username, is not affected.
AUTHENTICATION_BACKENDS = [
    "cases.access.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "cases.access.locked_out"
AXES_VERBOSE = False

# Two-factor sign-in for staff (django-otp, TOTP with recovery codes; docs/security.md).
# Enforced unless DEBUG, so the demo street of `make run` keeps its published logins with the
# password alone. Enforced, the roles listed ("superuser" for admins) and the handlers of the
# parties listed by code must enrol before any staff page; anyone who has enrolled gives a
# code at every sign-in, enforced or not.
HONGMEI_2FA_ENFORCED = env_bool("HONGMEI_2FA_ENFORCED", not DEBUG)
HONGMEI_2FA_REQUIRED_ROLES = env_list("HONGMEI_2FA_REQUIRED_ROLES", "superuser,supervisor")
HONGMEI_2FA_PARTIES = env_list("HONGMEI_2FA_PARTIES")
HONGMEI_2FA_RECOVERY_CODES = 10
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "Hongmei")

LANGUAGE_CODE = "zh-hans"
# Each language is named in itself, so a reader finds their own in the switch.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end packages come from npm (package.json, installed by the Makefile), served as
# they are published: no bundler, no CDN.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
    ("vendor/markercluster", BASE_DIR / "node_modules" / "leaflet.markercluster" / "dist"),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
# Stored files are never published at MEDIA_URL: views check who asks (cases/media.py).
# Behind nginx, set this to the `internal` location that aliases MEDIA_ROOT
# ("/protected-media/"); nginx then sends the file the view allowed (docs/deploy.md).
HONGMEI_MEDIA_ACCEL_PREFIX = env("HONGMEI_MEDIA_ACCEL_PREFIX")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "hongmei.storage.StaticFilesStorage"
        )
    },
}

# Redis serves as cache (rate limits, lockouts) and as Celery broker unless
# CELERY_BROKER_URL names another one (e.g. amqp://guest:guest@127.0.0.1:5672//).
REDIS_URL = env("REDIS_URL")
CACHE_URL = env("CACHE_URL", REDIS_URL)
if CACHE_URL and CACHE_URL.startswith("redis"):
    # Rides out Redis being away (hongmei/cache.py): reads miss, writes drop, no 500.
    CACHES = {
        "default": {
            "BACKEND": "hongmei.cache.ResilientRedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker that is down must not make a request hang: publishing gives up within about a
# second (connection refused) or a few (no answer), and the outbox sweep delivers later.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    # Redis: bound connecting and every command; redeliver a task whose worker vanished
    # (acks late) after an hour, well beyond the longest task.
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "visibility_timeout": 3600,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# Each deployment (and each test run) may use its own queue on a shared broker.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", "hongmei")
# With late acks, a task whose worker lost the broker connection is redelivered; stop it
# rather than let it finish twice.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_MAX_TASKS_PER_CHILD = 1000
# What tasks print (the console e-mail backend in development) is logged as information.
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILENAME", str(BASE_DIR / "var" / "celerybeat-schedule")
)
# The schedule is static (docs/operations.md). A periodic task that waited in the queue
# past its next run is dropped rather than run late on top of it.
CELERY_BEAT_SCHEDULE = {
    "outbox": {
        "task": "cases.tasks.sweep_outbox",
        "schedule": float(env("HONGMEI_OUTBOX_SWEEP_SECONDS", "60")),
        "options": {"expires": 0.9 * float(env("HONGMEI_OUTBOX_SWEEP_SECONDS", "60"))},
    },
    "deadlines": {
        "task": "cases.tasks.sweep_deadlines",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    "satisfaction": {
        "task": "cases.tasks.request_satisfaction",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 600},
    },
    "digest": {
        "task": "cases.tasks.send_digests",
        "schedule": crontab(hour=8, minute=30),  # Asia/Shanghai; skips days off itself
        "options": {"expires": 3600},
    },
    "orphan-files": {
        "task": "cases.tasks.remove_orphan_files",
        "schedule": crontab(hour=3, minute=45),
        "options": {"expires": 3600},
    },
    # Delivery receipts of text messages the gateway accepted (cases.sms_outbox).
    "sms-receipts": {
        "task": "cases.tasks.poll_sms_receipts",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # The ledger (cases.ledger): each finished day's street digest, and the re-verification
    # of every case history that grew since the last run.
    "ledger-seal": {
        "task": "cases.tasks.seal_street_digests",
        "schedule": crontab(hour=0, minute=10),
        "options": {"expires": 3600},
    },
    "ledger-check": {
        "task": "cases.tasks.check_chains",
        "schedule": crontab(minute=40),
        "options": {"expires": 3000},
    },
    "retention": {
        "task": "cases.tasks.apply_retention",
        "schedule": crontab(hour=3, minute=15),
        "options": {"expires": 3600},
    },
    # The dashboard's indicator roll-up (cases.rollup): folds the last minutes' events
    # into the daily figures, so the dashboard replays only what happened since.
    "indicators-roll-up": {
        "task": "cases.tasks.roll_up_indicators",
        "schedule": float(env("HONGMEI_ROLLUP_SECONDS", "300")),
        "options": {"expires": float(env("HONGMEI_ROLLUP_SECONDS", "300")) - 10},
    },
    # What the street's history teaches (docs/learning.md): the category suggestion is
    # retrained weekly; recurring problems are looked for every night.
    "category-model": {
        "task": "cases.tasks.train_category_model",
        "schedule": crontab(hour=2, minute=30, day_of_week="sunday"),
        "options": {"expires": 3600},
    },
    "recurrence": {
        "task": "meetings.tasks.propose_recurring",
        "schedule": crontab(hour=4, minute=0),
        "options": {"expires": 3600},
    },
}

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# A mail server that stops answering must not hold a worker for ever; the try is retried.
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "30"))
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "虹梅街道网格化管理中心 <noreply@hongmei.invalid>")

# Office hours for working-time deadlines (Asia/Shanghai), as "HH:MM-HH:MM" spans.
HONGMEI_OFFICE_HOURS = env("HONGMEI_OFFICE_HOURS", "09:00-12:00,13:00-18:00")
HONGMEI_CASE_PREFIX = env("HONGMEI_CASE_PREFIX", "HM")
# Map tiles for deployments that have a tile server; empty: outlines only.
HONGMEI_TILE_URL = env("HONGMEI_TILE_URL")
# The Content-Security-Policy (hongmei/csp.py, docs/security.md): empty sends the default,
# which also allows images from HONGMEI_TILE_URL's origin; a value replaces it whole.
HONGMEI_CSP = env("HONGMEI_CSP")
HONGMEI_MAP_CENTER = (31.168, 121.398)
# The public form (docs/public.md): sends per client address per hour, reports per mobile
# number or e-mail per day; behind a proxy, the header that carries the client's address.
HONGMEI_SENDS_PER_IP_HOUR = int(env("HONGMEI_SENDS_PER_IP_HOUR", "30"))
HONGMEI_REPORTS_PER_CONTACT_DAY = int(env("HONGMEI_REPORTS_PER_CONTACT_DAY", "5"))
HONGMEI_CLIENT_IP_HEADER = env("HONGMEI_CLIENT_IP_HEADER")
# Finding one's cases again (/find/, /mine/; cases/recovery.py): one-time codes asked for
# per client address and per mobile number or e-mail, each per hour.
HONGMEI_CODES_PER_IP_HOUR = int(env("HONGMEI_CODES_PER_IP_HOUR", "20"))
HONGMEI_CODES_PER_CONTACT_HOUR = int(env("HONGMEI_CODES_PER_CONTACT_HOUR", "5"))
# Photos cost decoding time by their pixels, not their bytes (cases/images.py): at most
# this many per photo, and per send (all its photos together). Five 6000x4000 photos do
# not pass together; the public form scales photos to 2560 px before sending.
HONGMEI_PHOTO_MAX_PIXELS = int(env("HONGMEI_PHOTO_MAX_PIXELS", "24000000"))
HONGMEI_SEND_MAX_PIXELS = int(env("HONGMEI_SEND_MAX_PIXELS", "40000000"))

# Open311 GeoReport v2 (integrations/open311.py). The changeset tells clients when to
# refresh cached service definitions: bump it when categories or their questions change.
HONGMEI_OPEN311_JURISDICTION = env("HONGMEI_OPEN311_JURISDICTION", "hongmei.xuhui.gov.cn")
HONGMEI_OPEN311_CHANGESET = env("HONGMEI_OPEN311_CHANGESET", "2026-11-25 00:00")
HONGMEI_OPEN311_ENDPOINT_TYPE = env("HONGMEI_OPEN311_ENDPOINT_TYPE", "production")

# The staff REST API (integrations/api.py): token or session, throttled per user.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", "30/minute"),
        "user": env("API_THROTTLE_USER", "600/minute"),
    },
}
# How many proxies stand in front (1 behind nginx): DRF then takes the client's address
# from that far back in X-Forwarded-For. 0 ignores the header, so a client cannot choose
# the address its anonymous throttle counts against.
REST_FRAMEWORK["NUM_PROXIES"] = int(env("HONGMEI_NUM_PROXIES", "0"))
SPECTACULAR_SETTINGS = {
    "TITLE": "Hongmei case tracker — staff API",
    "DESCRIPTION": "Cases in the caller's scope, workflow actions, and the street's "
    "configuration. See docs/integrations.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # The docs page loads Swagger UI from the installed package, never a CDN. (Redoc is
    # left out: its page template fetches web fonts from Google.)
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge from the public validator: the pages load nothing from outside (CSP).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {"SatisfactionEnum": "cases.models.Case.Satisfaction"},
}

# Notifications and sweeps (docs/operations.md).
HONGMEI_SMS_BACKEND = env("HONGMEI_SMS_BACKEND", "cases.sms.ConsoleBackend")
# Text messages (docs/operations.md, "Text messages"): at most this many a calendar day
# (Asia/Shanghai) to one mobile number, 0 for no cap; a gateway's answer waited for this long;
# a receipt polled for until this many hours after sending.
HONGMEI_SMS_DAILY_CAP_PER_NUMBER = int(env("HONGMEI_SMS_DAILY_CAP_PER_NUMBER", "10"))
HONGMEI_SMS_TIMEOUT_SECONDS = float(env("HONGMEI_SMS_TIMEOUT_SECONDS", "10"))
HONGMEI_SMS_RECEIPT_HOURS = int(env("HONGMEI_SMS_RECEIPT_HOURS", "72"))
# The secret part of the address the gateway pushes receipts to
# (/integrations/sms/aliyun/<token>/); empty: no push, receipts are polled only.
HONGMEI_SMS_RECEIPT_TOKEN = env("HONGMEI_SMS_RECEIPT_TOKEN")
# Alibaba Cloud SMS (cases.sms_aliyun.AliyunBackend): the account's key, the approved
# signature, and the approved template of each message, as "file=SMS_1,dispatch=SMS_2,...".
HONGMEI_SMS_ALIYUN_ENDPOINT = env("HONGMEI_SMS_ALIYUN_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
HONGMEI_SMS_ALIYUN_REGION = env("HONGMEI_SMS_ALIYUN_REGION", "cn-hangzhou")
HONGMEI_SMS_ALIYUN_ACCESS_KEY_ID = env("HONGMEI_SMS_ALIYUN_ACCESS_KEY_ID")
HONGMEI_SMS_ALIYUN_ACCESS_KEY_SECRET = env("HONGMEI_SMS_ALIYUN_ACCESS_KEY_SECRET")
HONGMEI_SMS_ALIYUN_SIGN_NAME = env("HONGMEI_SMS_ALIYUN_SIGN_NAME")
HONGMEI_SMS_ALIYUN_TEMPLATES = env_pairs("HONGMEI_SMS_ALIYUN_TEMPLATES")
HONGMEI_NOTIFICATION_MAX_ATTEMPTS = int(env("HONGMEI_NOTIFICATION_MAX_ATTEMPTS", "8"))
# The first retry waits this long; each further one twice as long (at most six hours).
HONGMEI_NOTIFICATION_RETRY_SECONDS = int(env("HONGMEI_NOTIFICATION_RETRY_SECONDS", "60"))
# How long a worker that took a message to send owns it; after that (the worker died) the
# outbox sweep sends it again.
HONGMEI_NOTIFICATION_CLAIM_SECONDS = int(env("HONGMEI_NOTIFICATION_CLAIM_SECONDS", "600"))
HONGMEI_DUE_SOON_HOURS = int(env("HONGMEI_DUE_SOON_HOURS", "2"))
HONGMEI_SATISFACTION_DELAY_HOURS = int(env("HONGMEI_SATISFACTION_DELAY_HOURS", "24"))
# A reporter's name and contact are removed this long after their last case ended.
HONGMEI_RETENTION_DAYS = int(env("HONGMEI_RETENTION_DAYS", "365"))
# No deadline a person enters (a meeting's decision, an extension) lies further ahead.
HONGMEI_DEADLINE_HORIZON_DAYS = int(env("HONGMEI_DEADLINE_HORIZON_DAYS", "730"))

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # django-axes logs every sign-in at INFO; failures and lockouts come at WARNING.
        "axes": {"level": "WARNING"},
    },
}
