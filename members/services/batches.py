"""Uploaded files and their background jobs: start, run, fail, retry, expire."""

import datetime

from django.db import transaction
from django.utils import timezone

from clp.audit import audit_record
from members.importers import FileProblem, WrongKind
from members.importers.files import Table, read_table
from members.importers.layouts import from_mapping, header_signature
from members.models import Constituency, SavedLayout
from members.services.address_imports import addresses_import
from members.services.common import DistrictsNeedCreating, resolve_layout
from members.services.member_imports import members_import
from members.services.register_imports import LeaversNeedConfirming, register_import
from members.services.register_updates import register_update_import

IMPORTERS = {
    "register": register_import,
    "update": register_update_import,
    "addresses": addresses_import,
    "members": members_import,
}


def import_batch_create(
    *,
    actor,
    constituency: Constituency,
    kind: str,
    filename: str,
    data: bytes,
    published_on: datetime.date | None = None,
    request=None,
):
    """Keep an uploaded file and say whether we know its layout. A file we cannot read at all
    is refused straight away (FileProblem); an unknown layout waits for a column mapping."""
    from members.models import ImportBatch

    table = read_table(data, filename=filename)
    try:
        resolved = resolve_layout(constituency=constituency, kind=_layout_kind(kind), table=table)
        status, layout = ImportBatch.Status.READY, resolved.name
    except WrongKind:
        raise
    except FileProblem:
        status, layout = ImportBatch.Status.NEEDS_MAPPING, ""
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            constituency=constituency,
            kind=kind,
            status=status,
            filename=filename[:255],
            content=data,
            layout=layout,
            published_on=published_on,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(actor=actor, action=f"import.upload:{kind}", target=batch, request=request)
    return batch


def _layout_kind(kind: str) -> str:
    return "register" if kind == "register" else kind


def import_batch_preview(batch, *, rows: int = 5) -> Table:
    table = read_table(bytes(batch.content), filename=batch.filename)
    table.rows = table.rows[:rows]
    return table


def import_batch_start(
    *,
    actor,
    batch,
    mapping: dict | None = None,
    save_as: str = "",
    confirm_leavers: bool = False,
    new_districts: dict[str, str] | None = None,
    request=None,
):
    """Start importing `batch` in the background (a Job with a progress bar)."""
    from clp.services import job_start
    from members.models import ImportBatch
    from members.tasks import import_run

    with transaction.atomic():
        if mapping is not None:
            table = read_table(bytes(batch.content), filename=batch.filename)
            from_mapping(_layout_kind(batch.kind), table.header, mapping, "mapping")
            batch.mapping = mapping
            batch.layout = save_as or "Your column mapping"
            if save_as:
                SavedLayout.objects.update_or_create(
                    constituency=batch.constituency,
                    kind=_layout_kind(batch.kind),
                    header_signature=header_signature(table.header),
                    defaults={"name": save_as[:120], "mapping": mapping},
                )
        batch.status = ImportBatch.Status.RUNNING
        params = {"batch_id": batch.pk}
        if confirm_leavers:
            params["confirm_leavers"] = True
        if new_districts:
            params["new_districts"] = new_districts
        job = job_start(
            actor=actor,
            kind=f"import:{batch.kind}",
            params=params,
            task=import_run,
            request=request,
        )
        batch.job = job
        batch.save(update_fields=["mapping", "layout", "status", "job", "updated_at"])
    return job


def import_batch_confirm_leavers(*, actor, batch, request=None):
    """Import a register that stopped to ask about leavers, now that the user has said yes.

    The same upload (and column mapping) runs again with `confirm_leavers`. Only a batch still
    waiting is started, so a second click starts nothing; returns the job, or None.
    """
    from members.models import ImportBatch

    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != ImportBatch.Status.NEEDS_CONFIRMING:
            return None
        audit_record(
            actor=actor,
            action="register.import.confirm_leavers",
            target=batch,
            request=request,
            details={"filename": batch.filename, "warnings": batch.errors},
        )
        batch.errors = []
        batch.save(update_fields=["errors", "updated_at"])
        # Districts confirmed before the leavers question are still to be created.
        earlier = (batch.job.params.get("new_districts") if batch.job else None) or None
        return import_batch_start(
            actor=actor,
            batch=batch,
            confirm_leavers=True,
            new_districts=earlier,
            request=request,
        )


def import_batch_create_districts(*, actor, batch, wards: dict[str, str], request=None):
    """Import a file that stopped on polling districts not set up yet, creating them.

    `wards` maps each new code the import page listed to a ward name ("" to set the ward
    later; a name not yet used creates the ward). The districts are created in the import's
    own transaction, so they exist only if it succeeds. Only a batch still waiting is
    started, so a second click starts nothing; returns the job, or None.
    """
    from members.models import ImportBatch

    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        listed = [code for code, _rows in batch.report.get("districts_to_create", [])]
        if batch.status != ImportBatch.Status.NEEDS_CONFIRMING or not listed:
            return None
        new_districts = {code: " ".join((wards.get(code) or "").split()) for code in listed}
        audit_record(
            actor=actor,
            action="import.create_districts",
            target=batch,
            request=request,
            details={"filename": batch.filename, "districts": new_districts},
        )
        batch.errors = []
        batch.report = {}
        batch.save(update_fields=["errors", "report", "updated_at"])
        return import_batch_start(
            actor=actor, batch=batch, new_districts=new_districts, request=request
        )


def import_batch_run(*, job_id: int) -> None:
    """Run the import a job was started for. Safe to run twice: a finished job is left alone,
    and the import and the job's "finished" state commit together, so a worker that dies
    part-way leaves nothing behind and the retried task imports the file once."""
    from clp.models import Job
    from clp.services import job_heartbeat, job_mark_running

    job = Job.objects.get(pk=job_id)
    if not job_mark_running(job):
        return
    # Reading, checking and matching a big file can run minutes between progress reports.
    with job_heartbeat(job):
        _import_batch_run(job)


def _import_batch_run(job) -> None:
    from clp.models import Job
    from clp.services import job_fail, job_finish, job_progress, job_wait
    from members.models import ImportBatch

    batch = ImportBatch.objects.select_related("constituency").get(pk=job.params["batch_id"])
    importer = IMPORTERS[batch.kind]
    kwargs = {"published_on": batch.published_on} if batch.kind in ("register", "update") else {}
    if batch.kind == "register" and batch.published_on is None:
        kwargs["published_on"] = timezone.localdate()
    if batch.kind == "register":
        kwargs["confirm_leavers"] = bool(job.params.get("confirm_leavers"))
    if batch.kind in ("register", "addresses") and job.params.get("new_districts"):
        kwargs["new_districts"] = job.params["new_districts"]

    progress, close_progress = _progress_reporter(job.pk)
    job_progress(job, done=0, total=100, message="Reading and checking the file.")
    try:
        with transaction.atomic():
            # Lock the batch, not the job: the job row takes progress from another connection.
            ImportBatch.objects.select_for_update().get(pk=batch.pk)
            locked = Job.objects.get(pk=job.pk)
            if locked.is_finished:
                return
            report = importer(
                actor=job.created_by,
                constituency=batch.constituency,
                data=bytes(batch.content),
                filename=batch.filename,
                mapping=batch.mapping or None,
                progress=progress,
                **kwargs,
            )
            batch.status = ImportBatch.Status.DONE
            batch.report = report
            batch.errors = []
            batch.content = b""  # the file held personal data; the result is in the database
            batch.save(update_fields=["status", "report", "errors", "content", "updated_at"])
            job_finish(locked, result=report, message=import_summary(batch.kind, report))
    except (LeaversNeedConfirming, DistrictsNeedCreating) as question:
        # The file is kept so that the import page can run it again once the user confirms.
        batch.status = ImportBatch.Status.NEEDS_CONFIRMING
        batch.errors = question.messages
        batch.report = (
            {"districts_to_create": question.districts}
            if isinstance(question, DistrictsNeedCreating)
            else {}
        )
        batch.save(update_fields=["status", "errors", "report", "updated_at"])
        # Waiting for the user's answer, not failed: the answer starts a new job.
        job_wait(job, message="Nothing was imported yet: please confirm. " + question.summary())
    except FileProblem as problem:
        batch.status = ImportBatch.Status.FAILED
        batch.errors = problem.messages
        batch.save(update_fields=["status", "errors", "updated_at"])
        job_fail(job, message="Nothing was imported. " + problem.summary())
    except Exception:
        from django.db import connection

        # A database error may have broken the connection: take a fresh one to record it.
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
        job_fail(
            job,
            message="An unexpected error stopped the import; nothing was written. The IT "
            "manager can find the details in the worker's log.",
        )
        raise
    finally:
        close_progress()


def import_job_failed(job) -> None:
    """An import's job failed (an error, a worker that kept dying): so did its batch, unless
    the import already said why (a file problem, leavers to confirm)."""
    from members.models import ImportBatch

    ImportBatch.objects.filter(
        pk=job.params.get("batch_id"), job=job, status=ImportBatch.Status.RUNNING
    ).update(status=ImportBatch.Status.FAILED, updated_at=timezone.now())


def import_job_retry_refusal(job) -> str:
    """Why an import's job cannot simply run again, or "" when it can."""
    from members.models import ImportBatch

    batch = ImportBatch.objects.filter(pk=job.params.get("batch_id")).first()
    if batch is None or batch.job_id != job.pk:
        return "This import was started again as another job; see the import's page."
    if batch.upload_deleted_at or not batch.content:
        return "The uploaded file has been deleted; upload it again to import it."
    if batch.status == ImportBatch.Status.NEEDS_CONFIRMING:
        return "The import is waiting for you to confirm on its page."
    if batch.errors:
        return "The file itself has problems; upload a corrected file."
    if batch.status not in (ImportBatch.Status.RUNNING, ImportBatch.Status.FAILED):
        return "This import is not running or failed."
    return ""


def import_job_next_steps(job, user) -> list[tuple[str, str]]:
    """After an import: what it changed, then where the new data is used. Each link only for
    a user whose roles open that page (canvassing's pages are named, not imported)."""
    from django.urls import reverse

    from clp.access import has_role
    from clp.models import Job
    from clp.roles import RoleCode
    from members.selectors import IMPORTERS, READERS

    batch_id = job.params.get("batch_id")
    if job.status == Job.Status.WAITING:
        return [("Check and confirm the import", reverse("members:import_detail", args=[batch_id]))]
    kind = job.kind.removeprefix("import:")
    steps = []
    if has_role(user, *IMPORTERS) and batch_id:
        steps.append(("See what changed", reverse("members:import_detail", args=[batch_id])))
    if kind in ("register", "update", "members") and has_role(user, *READERS):
        steps.append(("See the people", reverse("members:people_list")))
    if kind == "addresses" and has_role(user, *READERS):
        steps.append(("See the electors", reverse("members:elector_list")))
    if kind == "members" and has_role(user, *IMPORTERS):
        steps.append(("Review member matches", reverse("members:match_list")))
    if kind in ("register", "update", "addresses") and has_role(
        user, RoleCode.ORGANISER, RoleCode.AREA_ORGANISER
    ):
        steps.append(("Cut walk lists", reverse("canvassing:campaign_list")))
    if has_role(user, *IMPORTERS):
        steps.append(("Import another file", reverse("members:import_list")))
    return steps


def import_job_retried(job) -> None:
    from members.models import ImportBatch

    ImportBatch.objects.filter(pk=job.params.get("batch_id"), job=job).update(
        status=ImportBatch.Status.RUNNING, updated_at=timezone.now()
    )


def import_batch_delete_expired_uploads(*, now: datetime.datetime | None = None) -> int:
    """Delete the files kept for imports that failed, stuck or were never confirmed or started,
    UPLOAD_RETENTION_DAYS after the batch last changed; each deletion is in the audit log and
    the import's page says so. Returns how many files were deleted."""
    from django.conf import settings

    from clp.services import job_fail
    from members.models import ImportBatch

    now = now or timezone.now()
    days = settings.UPLOAD_RETENTION_DAYS
    expired = (
        ImportBatch.objects.exclude(status=ImportBatch.Status.DONE)
        .filter(upload_deleted_at__isnull=True, updated_at__lt=now - datetime.timedelta(days=days))
        .select_related("job")
        .only("pk", "status", "filename", "kind", "job")
    )
    deleted = 0
    for batch in expired:
        with transaction.atomic():
            changed = ImportBatch.objects.filter(
                pk=batch.pk, status=batch.status, upload_deleted_at__isnull=True
            ).update(
                content=b"",
                upload_deleted_at=now,
                # A stuck import cannot run without its file: it has failed.
                status=ImportBatch.Status.FAILED
                if batch.status == ImportBatch.Status.RUNNING
                else batch.status,
                updated_at=now,
            )
            if not changed:
                continue
            audit_record(
                actor=None,
                action="import.upload_deleted",
                target=batch,
                details={
                    "filename": batch.filename,
                    "status": batch.status,
                    "retention_days": days,
                },
            )
            if batch.job and (not batch.job.is_finished or batch.job.status == "waiting"):
                job_fail(
                    batch.job,
                    message=f"The uploaded file was deleted after {days} days unimported.",
                )
            deleted += 1
    return deleted


def _progress_reporter(job_id: int):
    """Progress for the job page while the import's own transaction is still open.

    On Postgres a second, autocommitting connection writes the job's progress so the page can
    show it; elsewhere (SQLite has one writer at a time) the bar moves when the import ends.
    """
    from django.db import connections

    if connections["default"].vendor != "postgresql":
        return (lambda done, total, message: None), (lambda: None)
    side = connections.create_connection("default")

    def report(done: int, total: int, message: str) -> None:
        with side.cursor() as cursor:
            cursor.execute(
                "UPDATE clp_job SET progress_done = %s, progress_total = %s, message = %s, "
                "heartbeat_at = %s WHERE id = %s",
                [done, total, message[:500], timezone.now(), job_id],
            )

    return report, side.close


def import_summary(kind: str, report: dict) -> str:
    if kind == "register":
        return (
            f"{report.get('rows', 0)} register entries: {report.get('electors_added', 0)} new, "
            f"{report.get('electors_changed', 0)} changed, {report.get('electors_left', 0)} left "
            f"the register; {report.get('people_created', 0)} new people."
            + (f" {report['notice']}" if report.get("notice") else "")
        )
    if kind == "update":
        return f"{report['added']} added, {report['amended']} amended, {report['deleted']} deleted."
    if kind == "addresses" and "properties_matched" not in report:  # a stations file
        new, updated = report["stations"], report["stations_updated"]
        return f"{new} new polling station{'' if new == 1 else 's'}, {updated} updated."
    if kind == "addresses":
        return (
            f"{report['properties_matched']} properties updated, {report['properties_created']} "
            f"new; {report['dummy_records_skipped']} dummy records skipped."
            + "".join(f" {note}" for note in report.get("notes", []))
        )
    return (
        f"{report['members_created']} new members, {report['members_updated']} updated; "
        f"{report['linked']} linked to the register, {report['review']} to review."
    )
