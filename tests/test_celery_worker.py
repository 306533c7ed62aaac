"""Tasks through a real Celery worker (and beat) over Redis, against the test database."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.urls import reverse

from clp.models import Job
from clp.roles import RoleCode

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent


def _test_database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "postgres") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start(args, **extra_env):
    env = {**os.environ, "DATABASE_URL": _test_database_url(), **extra_env}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = tempfile.NamedTemporaryFile(prefix="celery-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "clp", *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, log.name


def _stop(process, log_path):
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return Path(log_path).read_text(errors="replace")


@pytest.fixture
def worker(django_db_setup):
    from clp.celery import app

    app.control.purge()
    process, log = _start(
        [
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ]
    )
    yield process
    output = _stop(process, log)
    print(output[-3000:])


def _wait_for(predicate, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


def test_task_enqueued_from_a_request_runs_in_the_worker_and_the_page_shows_it(
    client, users, worker
):
    from clp.celery import app

    app.conf.task_always_eager = False
    client.force_login(users[RoleCode.IT_MANAGER])
    response = client.post(reverse("clp:heartbeat_run"))
    job = Job.objects.get(kind="heartbeat")
    assert response["Location"] == reverse("clp:job_detail", args=[job.pk])

    def finished():
        job.refresh_from_db()
        return job.status == Job.Status.SUCCEEDED

    assert _wait_for(finished), f"job still {job.status}"
    assert job.result["pid"] != os.getpid()  # it ran in the worker process, not this one
    page = client.get(reverse("clp:job_detail", args=[job.pk])).content.decode()
    assert 'data-status="succeeded"' in page


def test_running_the_same_task_twice_finishes_the_job_once(users, worker):
    from clp.celery import app
    from clp.tasks import heartbeat

    app.conf.task_always_eager = False
    job = Job.objects.create(kind="heartbeat", created_by=users[RoleCode.IT_MANAGER])
    heartbeat.delay(job.pk)
    heartbeat.delay(job.pk)

    def done():
        job.refresh_from_db()
        return job.status == Job.Status.SUCCEEDED

    assert _wait_for(done)
    time.sleep(1)  # let the second delivery run too
    job.refresh_from_db()
    assert job.attempts == 1
    from clp.models import AuditEntry

    assert AuditEntry.objects.filter(action="system.heartbeat", target_id=str(job.pk)).count() == 1


def test_beat_runs_the_declared_heartbeat_job(worker, tmp_path):
    beat, log = _start(
        ["beat", "--loglevel=INFO", f"--schedule={tmp_path / 'beat-schedule'}"],
        CLP_HEARTBEAT_INTERVAL_SECONDS="1",
    )
    try:
        assert _wait_for(
            lambda: Job.objects.filter(
                kind="heartbeat", params__source="beat", status=Job.Status.SUCCEEDED
            ).exists()
        ), "no heartbeat job ran from the beat schedule"
    finally:
        print(_stop(beat, log)[-2000:])
