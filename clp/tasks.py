import os
import socket

from celery import shared_task
from django.db import transaction

from clp.audit import audit_record
from clp.models import Job
from clp.services import job_finish, job_mark_running


@shared_task(name="clp.tasks.heartbeat")
def heartbeat(job_id: int | None = None) -> None:
    """A no-op job that proves the worker (and, nightly, beat) runs tasks. Safe to run twice."""
    with transaction.atomic():
        if job_id is None:
            job = Job.objects.create(kind="heartbeat", params={"source": "beat"})
        else:
            job = Job.objects.select_for_update().get(pk=job_id)
        if not job_mark_running(job):
            return
        job_finish(
            job,
            result={"worker": socket.gethostname(), "pid": os.getpid()},
            message="The worker is alive.",
        )
        audit_record(actor=None, action="system.heartbeat", target=job)


@shared_task(name="clp.tasks.jobs_sweep", acks_late=False)
def jobs_sweep() -> dict:
    """Start again the jobs whose worker died; send again those whose message was lost."""
    from clp.services import jobs_sweep as sweep

    return sweep()
