"""Every periodic job, declared in one place, each with when and why.

Celery beat reads this schedule. Times are Europe/London (CELERY_TIMEZONE).
"""

from celery.schedules import crontab
from django.conf import settings


def periodic_jobs() -> dict:
    heartbeat_every = settings.HEARTBEAT_INTERVAL_SECONDS or crontab(hour=2, minute=0)
    return {
        # 02:00 nightly: proves beat and a worker are alive; the system page shows the last one.
        # Tests shorten the interval (CLP_HEARTBEAT_INTERVAL_SECONDS) to watch beat run it.
        "heartbeat": {"task": "clp.tasks.heartbeat", "schedule": heartbeat_every},
    }
