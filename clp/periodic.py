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
        # Every minute: a job whose worker died (no heartbeat for JOB_STALL_SECONDS) is started
        # again, or failed after JOB_MAX_ATTEMPTS; a job waiting with no message behind it (Redis
        # restarted) is sent again. Without it such jobs would wait for Redis's visibility
        # timeout (35 minutes) or for ever. Tests shorten it with CLP_JOB_SWEEP_INTERVAL_SECONDS.
        "jobs-sweep": {
            "task": "clp.tasks.jobs_sweep",
            "schedule": settings.JOB_SWEEP_INTERVAL_SECONDS,
        },
        # 01:30 nightly: read the TPS list file (CLP_TPS_LIST_PATH) when it changed since the
        # last import, so that the next day's phone banks skip newly registered numbers (the
        # TPS expects a list no older than 28 days). Off when the setting is empty.
        "tps-list-refresh": {
            "task": "members.tasks.tps_list_refresh",
            "schedule": crontab(hour=1, minute=30),
        },
        # 03:30 nightly: delete uploaded files (personal data) kept for imports that failed,
        # stuck or were never confirmed, UPLOAD_RETENTION_DAYS after they last changed.
        "uploads-delete-expired": {
            "task": "members.tasks.uploads_delete_expired",
            "schedule": crontab(hour=3, minute=30),
        },
        # 00:10 nightly: role grants end with the day they expire on, so just after midnight
        # the walk lists held by canvassers whose role lapsed go back to unassigned, for an
        # organiser to hand out again (a revoked role releases them at once: role_revoke).
        "walk-lists-release-lapsed-roles": {
            "task": "canvassing.tasks.walk_lists_release_lapsed_roles",
            "schedule": crontab(hour=0, minute=10),
        },
    }
