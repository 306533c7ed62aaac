"""An import's batch tells the truth whatever happens to its job, and files kept for imports that
never finished are deleted after UPLOAD_RETENTION_DAYS (issue 8, items 13-15)."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from clp.models import AuditEntry, Job
from clp.roles import RoleCode
from clp.services import jobs_sweep
from members.models import Elector, ImportBatch
from members.services.batches import (
    import_batch_create,
    import_batch_delete_expired_uploads,
    import_batch_start,
)
from members.tests.registers import XPRESS14, csv_bytes, small_register

pytestmark = pytest.mark.django_db(transaction=True)


def _batch(geography, users, *, count=6, filename="ca.csv"):
    return import_batch_create(
        actor=users[RoleCode.ORGANISER],
        constituency=geography["constituency"],
        kind="register",
        filename=filename,
        data=csv_bytes(XPRESS14, small_register(count=count)),
        published_on=datetime.date(2026, 12, 1),
    )


class _DatabaseRefusesElectors:
    """A real database error in the middle of an import (as a full disk or a lost connection
    would give): a trigger that refuses new register entries."""

    def __enter__(self):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "CREATE FUNCTION refuse_electors() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; "
                    "END $$"
                )
                cursor.execute(
                    "CREATE TRIGGER refuse_electors BEFORE INSERT ON members_elector "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_electors()"
                )
            else:
                cursor.execute(
                    "CREATE TRIGGER refuse_electors BEFORE INSERT ON members_elector BEGIN "
                    "SELECT RAISE(ABORT, 'database or disk is full'); END"
                )
        return self

    def __exit__(self, *exc):
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TRIGGER refuse_electors"
                + (" ON members_elector" if connection.vendor == "postgresql" else "")
            )
            if connection.vendor == "postgresql":
                cursor.execute("DROP FUNCTION refuse_electors()")


def test_database_error_fails_the_batch_too_and_retry_imports_it(geography, users, client_for):
    batch = _batch(geography, users)
    organiser = users[RoleCode.ORGANISER]
    with _DatabaseRefusesElectors(), pytest.raises(Exception, match="(?i)space|full"):
        import_batch_start(actor=organiser, batch=batch)
    batch.refresh_from_db()
    assert batch.job.status == Job.Status.FAILED and "nothing was written" in batch.job.message
    assert batch.status == ImportBatch.Status.FAILED
    assert Elector.objects.count() == 0
    page = client_for(RoleCode.ORGANISER).get(reverse("members:import_detail", args=[batch.pk]))
    text = page.content.decode()
    assert 'data-status="failed"' in text and "Importing" not in text
    assert reverse("clp:job_retry", args=[batch.job.pk]) in text

    response = client_for(RoleCode.ORGANISER).post(
        reverse("clp:job_retry", args=[batch.job.pk]),
        {"next": reverse("members:import_detail", args=[batch.pk])},
    )
    assert response["Location"] == reverse("members:import_detail", args=[batch.pk])
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE and batch.job.status == Job.Status.SUCCEEDED
    assert Elector.objects.count() == 6
    assert AuditEntry.objects.filter(action="job.retry:import:register").count() == 1


def test_finished_import_reads_100_percent(geography, users, client_for):
    batch = _batch(geography, users, count=400)
    import_batch_start(actor=users[RoleCode.ORGANISER], batch=batch)
    page = client_for(RoleCode.ORGANISER).get(reverse("members:import_detail", args=[batch.pk]))
    text = page.content.decode()
    assert 'data-status="succeeded"' in text and 'value="100"' in text
    batch.job.refresh_from_db()
    assert batch.job.percent == 100 and batch.job.progress_done == batch.job.progress_total


def test_import_whose_worker_kept_dying_fails_its_batch(geography, users, settings, client_for):
    settings.JOB_MAX_ATTEMPTS = 3
    batch = _batch(geography, users)
    job = Job.objects.create(
        kind="import:register",
        task_name="members.tasks.import_run",
        params={"batch_id": batch.pk},
        created_by=users[RoleCode.ORGANISER],
        status=Job.Status.RUNNING,
        attempts=3,
        heartbeat_at=timezone.now() - datetime.timedelta(hours=1),
    )
    ImportBatch.objects.filter(pk=batch.pk).update(job=job, status=ImportBatch.Status.RUNNING)
    assert jobs_sweep()["failed"] == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    page = client_for(RoleCode.ORGANISER).get(reverse("members:import_detail", args=[batch.pk]))
    assert (
        b'data-status="failed"' in page.content and b"stopped each of the 3 times" in page.content
    )


def _age(batch, days):
    ImportBatch.objects.filter(pk=batch.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=days)
    )


def test_kept_upload_is_deleted_after_the_retention_period_and_the_page_says_so(
    geography, users, settings, client_for
):
    settings.UPLOAD_RETENTION_DAYS = 7
    failed = _batch(geography, users, filename="failed.csv")
    ImportBatch.objects.filter(pk=failed.pk).update(status=ImportBatch.Status.FAILED)
    unconfirmed = _batch(geography, users, filename="unconfirmed.csv")
    ImportBatch.objects.filter(pk=unconfirmed.pk).update(status=ImportBatch.Status.NEEDS_CONFIRMING)
    recent = _batch(geography, users, filename="recent.csv")
    ImportBatch.objects.filter(pk=recent.pk).update(status=ImportBatch.Status.FAILED)
    _age(failed, 8)
    _age(unconfirmed, 8)
    _age(recent, 6)

    assert import_batch_delete_expired_uploads() == 2
    assert import_batch_delete_expired_uploads() == 0  # the next night: nothing more to do
    for batch in (failed, unconfirmed):
        batch.refresh_from_db()
        assert bytes(batch.content) == b"" and batch.upload_deleted_at is not None
        entry = AuditEntry.objects.get(action="import.upload_deleted", target_id=str(batch.pk))
        assert entry.details["retention_days"] == 7
    recent.refresh_from_db()
    assert bytes(recent.content) != b"" and recent.upload_deleted_at is None

    client = client_for(RoleCode.ORGANISER)
    text = client.get(reverse("members:import_detail", args=[failed.pk])).content.decode()
    assert "The uploaded file was deleted on" in text and "7 days after" in text
    text = client.get(reverse("members:import_detail", args=[unconfirmed.pk])).content.decode()
    assert "was deleted" in text and "Yes, import it" not in text


def test_stuck_import_loses_its_file_and_fails_after_the_retention_period(
    geography, users, settings
):
    settings.UPLOAD_RETENTION_DAYS = 7
    batch = _batch(geography, users)
    job = Job.objects.create(  # an import whose job never ran (no worker, ever)
        kind="import:register",
        task_name="members.tasks.import_run",
        params={"batch_id": batch.pk},
        created_by=users[RoleCode.ORGANISER],
    )
    ImportBatch.objects.filter(pk=batch.pk).update(job=job, status=ImportBatch.Status.RUNNING)
    _age(batch, 8)
    assert import_batch_delete_expired_uploads() == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and bytes(batch.content) == b""
    assert batch.job.status == Job.Status.FAILED and "deleted after 7 days" in batch.job.message


def test_imported_batches_are_not_touched_by_the_retention_job(geography, users, settings):
    settings.UPLOAD_RETENTION_DAYS = 7
    batch = _batch(geography, users)
    import_batch_start(actor=users[RoleCode.ORGANISER], batch=batch)
    _age(batch, 30)
    assert import_batch_delete_expired_uploads() == 0
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE and batch.upload_deleted_at is None
