"""System checks for a production install (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

from cases.sms import TEMPLATE_PARAMS

# Caches that each process keeps for itself: rate limits and sign-in lockouts counted in
# one would be counted per process, so N workers allow N times the limit.
PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.caches, deploy=True)
def rate_limits_need_a_shared_cache(app_configs, **kwargs):
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if settings.DEBUG or backend not in PER_PROCESS_CACHES:
        return []
    return [
        Warning(
            "The cache is per process, so rate limits (the public form, Open311 keys, the "
            "API) and sign-in lockouts are counted per process, not for the whole site.",
            hint="Set REDIS_URL (or CACHE_URL) to a Redis server shared by every web process.",
            obj=backend,
            id="hongmei.W001",
        )
    ]


ALIYUN_BACKEND = "cases.sms_aliyun.AliyunBackend"
ALIYUN_SETTINGS = (
    "HONGMEI_SMS_ALIYUN_ACCESS_KEY_ID",
    "HONGMEI_SMS_ALIYUN_ACCESS_KEY_SECRET",
    "HONGMEI_SMS_ALIYUN_SIGN_NAME",
)


@register(deploy=True)
def text_message_gateway_is_set_up(app_configs, **kwargs):
    """Alibaba Cloud sends only approved templates: a message without one would fail."""
    if settings.HONGMEI_SMS_BACKEND != ALIYUN_BACKEND:
        return []
    missing = [name for name in ALIYUN_SETTINGS if not getattr(settings, name)]
    templates = settings.HONGMEI_SMS_ALIYUN_TEMPLATES
    missing += [
        f"HONGMEI_SMS_ALIYUN_TEMPLATES[{name}]"
        for name in TEMPLATE_PARAMS
        if not templates.get(name)
    ]
    if not missing:
        return []
    return [
        Warning(
            "Text messages go through Alibaba Cloud SMS, but some of its settings are empty: "
            + ", ".join(missing)
            + ". Messages needing them fail at once.",
            hint="docs/operations.md, 'Text messages', says where each comes from.",
            obj=ALIYUN_BACKEND,
            id="hongmei.W002",
        )
    ]
