import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from clp.models import Job
from clp.roles import RoleCode
from gdpr.registry import DataSubject, erase_subject, export_subject
from members.models import Elector, ImportBatch, Person, Suppression
from members.services.batches import import_batch_create, import_batch_start
from members.services.register_imports import register_import
from members.tasks import import_run
from members.tests.registers import XPRESS14, csv_bytes, small_register


@pytest.fixture
def register_file(tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes(XPRESS14, small_register()))
    return path


@pytest.mark.django_db
def test_import_register_command_imports_and_dry_run_writes_nothing(
    geography, register_file, capsys
):
    call_command("import_register", str(register_file), "--dry-run", "--published", "2026-12-01")
    assert "Dry run" in capsys.readouterr().out
    assert Elector.objects.count() == 0
    call_command("import_register", str(register_file), "--published", "2026-12-01")
    assert Elector.objects.count() == 6


@pytest.mark.django_db
def test_import_command_fails_with_reasons_and_exit_status(geography, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_register", str(bad))
    assert "empty" in capsys.readouterr().err
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_members", str(tmp_path / "missing.csv"))


def test_import_command_exit_status_is_non_zero(tmp_path):
    """Run as a script would: a separate process whose exit status the caller reads."""
    import subprocess
    import sys

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "import_addresses", str(empty), "--dry-run"],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "SQLITE_PATH": str(tmp_path / "db.sqlite3")},
        check=False,
    )
    assert result.returncode == 1
    assert "The file is empty" in result.stderr


def _start(geography, users, data):
    organiser = users[RoleCode.ORGANISER]
    batch = import_batch_create(
        actor=organiser,
        constituency=geography["constituency"],
        kind="register",
        filename="r.csv",
        data=data,
        published_on=datetime.date(2026, 12, 1),
    )
    return batch, organiser


@pytest.mark.django_db(transaction=True)
def test_import_job_retried_after_worker_death_imports_once(geography, users, monkeypatch):
    import members.bulk

    batch, organiser = _start(geography, users, csv_bytes(XPRESS14, small_register()))
    real = members.bulk.load_register

    class WorkerLost(BaseException):
        pass

    def dies_half_way(**kwargs):
        real(**kwargs)
        raise WorkerLost  # like a killed worker: after writing, before commit

    monkeypatch.setattr(members.bulk, "load_register", dies_half_way)
    with pytest.raises(WorkerLost):
        import_batch_start(actor=organiser, batch=batch)
    assert Elector.objects.count() == 0
    job = Job.objects.get(kind="import:register")
    assert job.status == Job.Status.RUNNING
    monkeypatch.setattr(members.bulk, "load_register", real)
    import_run(job.pk)  # a duplicate while the worker may still be alive does nothing
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.attempts == 1
    # The dead worker's heartbeat goes quiet; then the broker redelivers the task.
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(hours=1))
    import_run(job.pk)
    import_run(job.pk)  # and a duplicate delivery does nothing
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.attempts == 2
    assert Elector.objects.count() == 6 and Person.objects.count() == 6
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE and batch.content in (b"", memoryview(b""))
    assert "6 new" in job.message


@pytest.mark.django_db(transaction=True)
def test_failed_import_job_reports_row_and_writes_nothing(geography, users):
    rows = small_register()
    rows[3][1] = "12b"
    batch, organiser = _start(geography, users, csv_bytes(XPRESS14, rows))
    job = import_batch_start(actor=organiser, batch=batch)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "Row 5, column 2" in job.message
    assert Elector.objects.count() == 0


@pytest.mark.django_db
def test_erased_person_is_exported_then_suppressed_from_the_next_import(geography, users):
    data = csv_bytes(XPRESS14, small_register())
    published = datetime.date(2026, 12, 1)
    register_import(
        actor=None,
        constituency=geography["constituency"],
        data=data,
        filename="r.csv",
        published_on=published,
    )
    mary = Elector.objects.get(number=2).person
    exported = export_subject(DataSubject(person=mary))
    assert exported["members"]["people"][0]["register_entries"][0]["number"] == "CA-2"
    erase_subject(DataSubject(person=mary), actor=users[RoleCode.IT_MANAGER])
    mary.refresh_from_db()
    assert mary.last_name == "(erased)" and mary.erased_at and mary.do_not_contact
    assert Suppression.objects.filter(kind="name_postcode").exists()
    report = register_import(
        actor=None,
        constituency=geography["constituency"],
        data=data,
        filename="r.csv",
        published_on=datetime.date(2027, 1, 1),
    )
    assert report["suppressed"] == 1
    assert not Person.objects.filter(first_name="Mary", last_name="Smith").exists()
    assert not Elector.objects.filter(surname="Smith", forenames="Mary").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "command,header,row",
    [
        (
            "import_addresses",
            [
                "ElectionDate",
                "Addressline1",
                "Addressline6",
                "Property_URN",
                "Polling_Place_District_Reference",
                "Polling_Place_Id",
            ],
            ["07/05/2026", "1 Castle Street", "NB1 2AB", "1", "CA", "S1"],
        ),
        (
            "import_members",
            ["Membership Number", "First Name", "Last Name", "Postcode"],
            ["L1", "Ann", "Lee", "NB1 2AB"],
        ),
    ],
)
def test_every_import_command_dry_run_writes_nothing(
    geography, tmp_path, capsys, command, header, row
):
    from members.models import Membership, PollingStation, Property

    path = tmp_path / "file.csv"
    path.write_bytes(csv_bytes(header, [row]))
    call_command(command, str(path), "--dry-run")
    assert "Dry run" in capsys.readouterr().out
    assert not (
        Property.objects.exists() or PollingStation.objects.exists() or Membership.objects.exists()
    )
    call_command(command, str(path))
    assert Property.objects.exists()


@pytest.mark.django_db
def test_update_command_dry_run_writes_nothing(geography, register_file, tmp_path):
    from members.tests.test_register_updates import UPDATE_HEADER, update_row

    call_command("import_register", str(register_file), "--published", "2026-12-01")
    update = tmp_path / "update.csv"
    update.write_bytes(
        csv_bytes(UPDATE_HEADER, [update_row("CA-3", "Ann", "Jones", deleted="2026-12")])
    )
    call_command("import_register_update", str(update), "--dry-run")
    assert Elector.objects.get(number=3).on_register
    call_command("import_register_update", str(update))
    assert not Elector.objects.get(number=3).on_register
