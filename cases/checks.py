"""System checks for a production install (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

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
