"""Jobs whose worker died, whose message was lost, or that failed: what the page says, and how
they are started again exactly once (issue 8, items 13-15). Tasks run in-process here; the same
faults with a real worker, killed or cut off from Redis, are in tests/test_job_worker_faults.py.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clp.models import AuditEntry, Job
from clp.roles import RoleCode
from clp.services import (
    STALLED_NOTICE,
    job_finish,
    job_mark_running,
    job_start,
    jobs_sweep,
)
from clp.tasks import heartbeat

pytestmark = pytest.mark.django_db


def _ago(seconds):
    return timezone.now() - datetime.timedelta(seconds=seconds)


def _running_job(users, *, silent_for=600, attempts=1, role=RoleCode.ORGANISER):
    return Job.objects.create(
        kind="heartbeat",
        task_name=heartbeat.name,
        created_by=users[role],
        status=Job.Status.RUNNING,
        attempts=attempts,
        started_at=_ago(silent_for),
        heartbeat_at=_ago(silent_for),
        progress_done=55,
        progress_total=100,
    )


def test_finished_job_shows_100_percent_even_when_its_progress_total_moved_on(client_for, users):
    job = Job.objects.create(kind="import:register", created_by=users[RoleCode.ORGANISER])
    job_mark_running(job, total=100)
    # The import's progress is written from another connection, counting rows, not percent;
    # the copy the worker finishes from still has the total it read before.
    Job.objects.filter(pk=job.pk).update(progress_done=3000, progress_total=5000)
    job_finish(job, message="5000 register entries.")
    page = client_for(RoleCode.ORGANISER).get(reverse("clp:job_detail", args=[job.pk]))
    text = page.content.decode()
    assert 'data-status="succeeded"' in text
    assert 'value="100"' in text and "0%" not in text.replace("100%", "")


def test_job_whose_worker_fell_silent_shows_as_stalled_with_a_retry(client_for, users):
    job = _running_job(users, silent_for=600)
    page = client_for(RoleCode.ORGANISER).get(reverse("clp:job_detail", args=[job.pk]))
    text = page.content.decode()
    assert 'data-status="stalled"' in text and "55 of 100" not in text
    assert "started again within a minute or two" in text
    assert reverse("clp:job_retry", args=[job.pk]) in text


def test_running_job_with_a_recent_heartbeat_is_not_stalled(client_for, users):
    job = _running_job(users, silent_for=5)
    text = client_for(RoleCode.ORGANISER).get(reverse("clp:job_detail", args=[job.pk])).content
    assert b'data-status="running"' in text and b"55 of 100" in text and b"Retry" not in text


def test_sweep_starts_a_stalled_job_again_once_however_often_it_runs(
    users, django_capture_on_commit_callbacks
):
    job = _running_job(users, silent_for=600)
    with django_capture_on_commit_callbacks(execute=False) as sent:
        first = jobs_sweep()
        second = jobs_sweep()  # the next minute's sweep, or a second beat
    assert first["restarted"] == 1 and second["restarted"] == 0
    assert len(sent) == 1
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and job.restarts == 1
    assert job.notice == STALLED_NOTICE
    assert AuditEntry.objects.filter(action="job.restart:stalled", target_id=str(job.pk)).count()


def test_restarted_job_runs_once_even_if_the_lost_workers_message_comes_back(
    users, django_capture_on_commit_callbacks, client_for
):
    job = _running_job(users, silent_for=600)
    with django_capture_on_commit_callbacks(execute=True):
        jobs_sweep()  # sends it again; in-process the task runs straight away
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2
    heartbeat(job.pk)  # Redis hands back the dead worker's message, 35 minutes later
    job.refresh_from_db()
    assert job.attempts == 2
    assert AuditEntry.objects.filter(action="system.heartbeat", target_id=str(job.pk)).count() == 1
    text = client_for(RoleCode.ORGANISER).get(reverse("clp:job_detail", args=[job.pk])).content
    assert STALLED_NOTICE.encode() in text and b'value="100"' in text


def test_a_second_delivery_does_not_run_a_job_another_worker_is_running(users):
    job = _running_job(users, silent_for=2)
    assert job_mark_running(job) is False
    job.refresh_from_db()
    assert job.attempts == 1 and job.status == Job.Status.RUNNING


def test_job_whose_worker_died_every_time_fails_with_the_reason(users, settings, client_for):
    settings.JOB_MAX_ATTEMPTS = 3
    job = _running_job(users, silent_for=600, attempts=3)
    assert jobs_sweep()["failed"] == 1
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "stopped each of the 3 times" in job.message
    assert job_mark_running(job) is False  # nor does a late redelivery start it
    text = client_for(RoleCode.ORGANISER).get(reverse("clp:job_detail", args=[job.pk])).content
    assert b"stopped each of the 3 times" in text and b"Retry" in text


def test_job_whose_message_was_lost_is_sent_again_once(
    users, settings, django_capture_on_commit_callbacks, client_for
):
    settings.JOB_QUEUED_RESEND_SECONDS = 600
    with django_capture_on_commit_callbacks(execute=False) as sent:
        job = job_start(actor=users[RoleCode.ORGANISER], kind="heartbeat", task=heartbeat)
    assert len(sent) == 1  # the message Redis then lost in a restart
    text = client_for(RoleCode.ORGANISER).get(reverse("clp:job_detail", args=[job.pk])).content
    assert b"Waiting to start" in text and b"Retry" not in text
    Job.objects.filter(pk=job.pk).update(enqueued_at=_ago(601))
    text = client_for(RoleCode.ORGANISER).get(reverse("clp:job_detail", args=[job.pk])).content
    assert b"No worker has started this job yet" in text and b"Retry" in text
    with django_capture_on_commit_callbacks(execute=True) as resent:
        counts = [jobs_sweep()["resent"], jobs_sweep()["resent"]]
    assert counts == [1, 0] and len(resent) == 1
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 1
    assert AuditEntry.objects.filter(action="job.resend", target_id=str(job.pk)).count() == 1


def test_retry_is_for_whoever_started_the_job_or_the_it_manager(
    users, client_for, django_capture_on_commit_callbacks
):
    job = _running_job(users, silent_for=600, attempts=3)
    jobs_sweep()  # failed: the worker died every time
    url = reverse("clp:job_retry", args=[job.pk])
    canvasser = client_for(RoleCode.CANVASSER)
    assert canvasser.post(url).status_code == 404
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    organiser = client_for(RoleCode.ORGANISER)
    assert organiser.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = organiser.post(url)
    assert response["Location"] == reverse("clp:job_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 1
    entry = AuditEntry.objects.get(action="job.retry:heartbeat", target_id=str(job.pk))
    assert entry.actor == users[RoleCode.ORGANISER]
    assert "Started again by" in job.notice


def test_retrying_a_job_that_is_not_stuck_changes_nothing(users, client_for):
    job = _running_job(users, silent_for=1)
    response = client_for(RoleCode.ORGANISER).post(reverse("clp:job_retry", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.attempts == 1
    assert not AuditEntry.objects.filter(action__startswith="job.retry").exists()
