"""System checks for the production shape (run by `manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

_PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.security, deploy=True)
def check_rate_limits_are_shared(app_configs, **kwargs):
    """Login rate limits and lockouts live in the cache: each gunicorn worker must see one."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend in _PER_PROCESS_CACHES:
        return [
            Warning(
                "The cache is per process, so each web worker counts failed logins on its own "
                "and the limits in ACCOUNT_RATE_LIMITS are multiplied by the number of workers.",
                hint="Set REDIS_URL (docker-compose.yml sets redis://redis:6379/1).",
                id="clp.W001",
            )
        ]
    return []
