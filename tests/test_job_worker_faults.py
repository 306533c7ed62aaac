"""Faults a real deployment meets, with real workers (issue 8, items 13 and 14): a worker killed
with SIGKILL in the middle of an import, and Redis restarting under the production scripts
(bin/start-worker, bin/start-beat) with a job queued before it. The shared Redis at 6379 is never
restarted: the Redis tests start their own redis-server on a free port."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from clp.models import AuditEntry, Job
from clp.roles import RoleCode
from clp.services import STALLED_NOTICE, jobs_sweep
from members import bulk
from members.models import Elector, ImportBatch
from members.tests.registers import XPRESS14, csv_bytes, small_register
from tests.test_celery_worker import ROOT, _start, _stop, _test_database_url, _wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

WORKER_ARGS = [
    "worker",
    "--pool=solo",
    "--loglevel=INFO",
    "--without-heartbeat",
    "--without-mingle",
    "--without-gossip",
]


def _forget_unacknowledged(broker_url: str) -> None:
    """A killed worker's message stays "unacknowledged" in Redis until the visibility timeout;
    drop it so that it cannot reach a later test's worker."""
    client = redis.Redis.from_url(broker_url)
    client.delete("unacked", "unacked_index")
    client.close()


def test_import_whose_worker_was_killed_shows_stalled_then_runs_again_once(
    client, users, geography, settings
):
    from clp.celery import app

    settings.JOB_STALL_SECONDS = 3
    app.conf.task_always_eager = False
    app.control.purge()
    quick = {"CLP_JOB_HEARTBEAT_SECONDS": "1", "CLP_JOB_STALL_SECONDS": "3"}
    constituency = geography["constituency"]
    # Another import holds the register lock, so the worker's import waits inside its own
    # transaction, part-way through, where a big file's import spends its minutes.
    holder = connections.create_connection("default")
    with holder.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [bulk.REGISTER_LOCK, constituency.pk])
    first, first_log = _start(WORKER_ARGS, **quick)
    second = None
    try:
        client.force_login(users[RoleCode.ORGANISER])
        upload = SimpleUploadedFile("ca.csv", csv_bytes(XPRESS14, small_register(count=6)))
        client.post(
            reverse("members:import_upload"),
            {"kind": "register", "file": upload, "published_on": "01/12/2026"},
        )
        batch = ImportBatch.objects.get()
        job = batch.job

        def importing():
            job.refresh_from_db()
            # The import has counted the file's rows, and waits for the lock to write them.
            return job.status == Job.Status.RUNNING and job.progress_total == 6

        assert _wait_for(importing), (job.status, job.message)
        beat_before = job.heartbeat_at
        time.sleep(2.5)
        job.refresh_from_db()
        assert job.heartbeat_at > beat_before  # alive, though it reports no progress meanwhile
        page_url = reverse("clp:job_detail", args=[job.pk])
        assert b'data-status="running"' in client.get(page_url).content

        os.killpg(first.pid, signal.SIGKILL)  # the whole worker, as the OOM killer or a host would
        first.wait()
        killed_at = time.monotonic()
        assert _wait_for(lambda: b'data-status="stalled"' in client.get(page_url).content, 10)
        stalled_after = time.monotonic() - killed_at
        assert Elector.objects.count() == 0
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock_all()")

        second, second_log = _start(WORKER_ARGS, **quick)
        # Two sweeps (two beats, or this minute's and the next) start it again once.
        assert [jobs_sweep()["restarted"], jobs_sweep()["restarted"]] == [1, 0]
        text = client.get(page_url).content.decode()
        assert STALLED_NOTICE in text

        def finished():
            job.refresh_from_db()
            return job.is_finished

        assert _wait_for(finished, 60), (job.status, job.message)
        restarted_in = time.monotonic() - killed_at
        assert job.status == Job.Status.SUCCEEDED, job.message
        # Redis hands back the killed worker's message late: it changes nothing.
        from members.tasks import import_run

        import_run.delay(job.pk)
        time.sleep(2)
        job.refresh_from_db()
        batch.refresh_from_db()
        assert job.attempts == 2 and job.restarts == 1
        assert batch.status == ImportBatch.Status.DONE
        assert Elector.objects.count() == 6
        assert AuditEntry.objects.filter(action="register.import").count() == 1
        page = client.get(reverse("members:import_detail", args=[batch.pk])).content.decode()
        assert STALLED_NOTICE in page and 'value="100"' in page
        print(
            f"stalled on the page {stalled_after:.1f} s after the kill; "
            f"imported {restarted_in:.1f} s after it"
        )
    finally:
        holder.close()
        if second is not None:
            print(_stop(second, second_log)[-3000:])
        print(Path(first_log).read_text(errors="replace")[-2000:])
        _forget_unacknowledged(django_settings.CELERY_BROKER_URL)


# --- Redis restarting under the production scripts ----------------------------------------------


class OwnRedis:
    """A redis-server of the test's own, without persistence (as docker-compose runs it), so a
    restart loses what was queued."""

    def __init__(self, directory: Path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        assert _wait_for(lambda: _pings(client), 10), "redis-server did not start"
        client.close()

    def kill(self):
        self.process.kill()
        self.process.wait()

    def restart(self):
        self.kill()
        time.sleep(1)
        self.start()


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture
def own_redis(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("needs the redis-server program to run a Redis of the test's own")
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.kill()


def _script(name, **env):
    """bin/start-worker or bin/start-beat as production runs them, in a process group."""
    log = tempfile.NamedTemporaryFile(prefix=f"{name}-", suffix=".log", delete=False)  # noqa: SIM115
    full_env = {**os.environ, "DATABASE_URL": _test_database_url(), "PYTHON": sys.executable, **env}
    full_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    process = subprocess.Popen(
        [str(ROOT / "bin" / name)],
        cwd=ROOT,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return process, log.name


def _celery_child(script_process) -> int | None:
    """The celery process bin/keep-running runs (bin/start-worker's only live child), if any."""
    children = Path(f"/proc/{script_process.pid}/task/{script_process.pid}/children")
    pids = [int(p) for p in children.read_text().split()]
    celery = [p for p in pids if b"celery" in Path(f"/proc/{p}/cmdline").read_bytes()]
    return celery[0] if len(celery) == 1 else None


def _queue_heartbeat(broker_url: str, users) -> Job:
    """A job sent to the workers the way job_start sends it, through the given Redis."""
    job = Job.objects.create(
        kind="heartbeat",
        task_name="clp.tasks.heartbeat",
        created_by=users[RoleCode.IT_MANAGER],
        enqueued_at=timezone.now(),
    )
    sender = Celery("sender", broker=broker_url)
    sender.send_task("clp.tasks.heartbeat", args=[job.pk])
    sender.close()
    return job


def _succeeded(job, seconds=45):
    def done():
        job.refresh_from_db()
        return job.status == Job.Status.SUCCEEDED

    return _wait_for(done, seconds)


def test_jobs_survive_redis_restarts_and_a_dead_worker_is_started_again(users, own_redis, tmp_path):
    # Queued while no worker runs (busy, or being deployed); then Redis restarts and loses it.
    lost = _queue_heartbeat(own_redis.url, users)
    own_redis.restart()
    env = {
        "CELERY_BROKER_URL": own_redis.url,
        "REDIS_URL": "",
        "WORKER_CONCURRENCY": "1",
        "RESTART_DELAY": "1",
        "CLP_JOB_QUEUED_RESEND_SECONDS": "2",
        "CLP_JOB_SWEEP_INTERVAL_SECONDS": "1",
    }
    worker, worker_log = _script("start-worker", **env)
    beat, beat_log = _script("start-beat", BEAT_SCHEDULE_FILE=str(tmp_path / "beat"), **env)
    try:
        assert _succeeded(lost), "the job whose message Redis lost never ran"
        assert lost.attempts == 1
        assert AuditEntry.objects.filter(action="job.resend", target_id=str(lost.pk)).exists()

        # Redis restarts under a running worker: it reconnects and keeps running jobs.
        celery_pid = _celery_child(worker)
        assert celery_pid is not None
        own_redis.restart()
        after_restart = _queue_heartbeat(own_redis.url, users)
        assert _succeeded(after_restart), "no job ran after Redis restarted"
        assert _celery_child(worker) == celery_pid, "the worker exited instead of reconnecting"

        # A worker that dies anyway is started again by the production script.
        os.kill(celery_pid, signal.SIGKILL)
        assert _wait_for(lambda: _celery_child(worker) not in (None, celery_pid), 30)
        after_death = _queue_heartbeat(own_redis.url, users)
        assert _succeeded(after_death), "no job ran after the worker died"
        assert worker.poll() is None and beat.poll() is None
    finally:
        worker_output = _stop(worker, worker_log)
        beat_output = _stop(beat, beat_log)
        print(worker_output[-4000:], beat_output[-1500:])
    assert "Unrecoverable error" not in worker_output
    assert "keep-running: " in worker_output  # the restart after the SIGKILL
