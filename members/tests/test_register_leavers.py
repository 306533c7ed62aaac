"""A register file that would take many electors of a district off the register is confirmed
before it is imported: part of a district uploaded as if it were the whole register must not
quietly mark everyone else as having left."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from clp.models import AuditEntry, Job
from clp.roles import RoleCode
from members.models import Elector, ImportBatch, RegisterEdition
from members.services.register_imports import LeaversNeedConfirming
from members.tests.registers import XPRESS14, csv_bytes, import_register_file, small_register

JAN = datetime.date(2026, 1, 1)
DEC = datetime.date(2026, 12, 1)


def _import(geography, rows, published_on=DEC, **kwargs):
    return import_register_file(geography, csv_bytes(XPRESS14, rows), published_on, **kwargs)


@pytest.fixture
def castle_register(geography):
    """January's register: 60 electors in CA and 30 in RA."""
    _import(geography, small_register("CA", count=60) + small_register("RA", count=30), JAN)
    return geography


def _on_register(code):
    return Elector.objects.filter(polling_district__code=code, on_register=True).count()


@pytest.mark.django_db
def test_part_of_a_district_is_refused_naming_the_district_and_changes_nothing(castle_register):
    audit_entries = AuditEntry.objects.count()
    with pytest.raises(LeaversNeedConfirming) as refused:
        _import(castle_register, small_register("CA", count=10))
    assert refused.value.messages == [
        "The file lists 10 electors for CA, where 60 are on the register now: importing it "
        "would mark 50 as having left. If this is the whole register for CA, confirm; "
        "if it is a monthly update, use the monthly update import."
    ]
    assert refused.value.districts == [("CA", 10, 60, 50)]
    assert _on_register("CA") == 60 and _on_register("RA") == 30
    assert not RegisterEdition.objects.filter(published_on=DEC).exists()
    assert AuditEntry.objects.count() == audit_entries


@pytest.mark.django_db
def test_confirmed_part_file_is_imported_and_marks_the_rest_as_left(castle_register):
    report = _import(castle_register, small_register("CA", count=10), confirm_leavers=True)
    assert report["electors_left"] == 50
    assert report["leavers_confirmed"][0].startswith("The file lists 10 electors for CA")
    assert _on_register("CA") == 10 and _on_register("RA") == 30
    leaver = Elector.objects.get(polling_district__code="CA", number=60)
    assert leaver.on_register is False and leaver.left_register_on == DEC
    entry = AuditEntry.objects.filter(action="register.import").latest("pk")
    assert entry.details["leavers_confirmed"] == report["leavers_confirmed"]


@pytest.mark.django_db
def test_only_districts_losing_many_are_named(castle_register):
    rows = small_register("CA", count=10) + small_register("RA", count=30)
    with pytest.raises(LeaversNeedConfirming) as refused:
        _import(castle_register, rows)
    assert [code for code, *_ in refused.value.districts] == ["CA"]


def test_numbers_in_the_message_read_naturally():
    message = LeaversNeedConfirming([("AB", 30, 1696, 1666)]).messages[0]
    assert message.startswith(
        "The file lists 30 electors for AB, where 1,696 are on the register now: importing it "
        "would mark 1,666 as having left."
    )
    assert "lists 1 elector for CA," in LeaversNeedConfirming([("CA", 1, 30, 29)]).messages[0]


@pytest.mark.django_db
def test_a_longer_file_that_repeats_few_of_a_district_is_asked_too(castle_register):
    """Counting rows is not enough: 80 rows for CA, none of them the 60 on the register now
    (another district's file with the same code, say), would take all 60 off."""
    rows = small_register("CA", count=80, start=201)
    with pytest.raises(LeaversNeedConfirming) as refused:
        _import(castle_register, rows)
    assert refused.value.districts == [("CA", 80, 60, 60)]
    assert _on_register("CA") == 60


@pytest.mark.django_db
def test_next_whole_register_is_not_asked_even_with_turnover(castle_register):
    # Ten people left and eight arrived: a normal new edition.
    rows = small_register("CA", count=50) + small_register("CA", count=8, start=101)
    rows += small_register("RA", count=30)
    report = _import(castle_register, rows)
    assert report["electors_left"] == 10 and report["electors_added"] == 8
    assert "leavers_to_confirm" not in report and "leavers_confirmed" not in report


@pytest.mark.django_db
def test_first_import_of_part_of_a_district_is_not_asked(geography):
    report = _import(geography, small_register("CA", count=10))
    assert report["electors_added"] == 10 and report["electors_left"] == 0


@pytest.mark.django_db
def test_few_leavers_are_not_asked_even_from_a_small_district(geography):
    _import(geography, small_register("CA", count=19), JAN)
    report = _import(geography, small_register("CA", count=1))
    assert report["electors_left"] == 18


@pytest.mark.django_db
@pytest.mark.parametrize(("in_file", "asked"), [(180, False), (179, True)])
def test_more_than_a_tenth_and_at_least_twenty_leaving_is_asked(geography, in_file, asked):
    _import(geography, small_register("CA", count=200), JAN)
    if asked:
        with pytest.raises(LeaversNeedConfirming, match="21 as having left"):
            _import(geography, small_register("CA", count=in_file))
    else:
        assert _import(geography, small_register("CA", count=in_file))["electors_left"] == 20


@pytest.mark.django_db
def test_part_of_the_same_edition_again_is_not_asked_and_nobody_leaves(geography):
    """Re-importing an edition (a correction) only takes earlier editions' entries off."""
    _import(geography, small_register("CA", count=60))
    report = _import(geography, small_register("CA", count=10))
    assert report["electors_left"] == 0 and _on_register("CA") == 60


@pytest.mark.django_db
def test_dry_run_of_a_part_file_reports_the_warning_and_writes_nothing(castle_register):
    report = _import(castle_register, small_register("CA", count=10), dry_run=True)
    assert report["electors_left"] == 50
    assert "50 as having left" in report["leavers_to_confirm"][0]
    assert _on_register("CA") == 60


@pytest.fixture
def part_file(castle_register, tmp_path):
    path = tmp_path / "ca-part.csv"
    path.write_bytes(csv_bytes(XPRESS14, small_register("CA", count=10)))
    return path


@pytest.mark.django_db
def test_command_refuses_a_part_file_with_exit_status_one(part_file, capsys):
    with pytest.raises(CommandError, match="Nothing was imported") as failed:
        call_command("import_register", str(part_file), "--published", "2026-12-01")
    assert failed.value.returncode == 1
    err = capsys.readouterr().err
    assert "The file lists 10 electors for CA, where 60 are on the register now" in err
    assert "--confirm-leavers" in err
    assert _on_register("CA") == 60


@pytest.mark.django_db
def test_command_imports_a_part_file_with_confirm_leavers(part_file, capsys):
    call_command(
        "import_register", str(part_file), "--published", "2026-12-01", "--confirm-leavers"
    )
    assert '"electors_left": 50' in capsys.readouterr().out
    assert _on_register("CA") == 10


@pytest.mark.django_db(transaction=True)
def test_web_upload_of_a_part_file_stops_and_the_confirm_button_imports_it(
    castle_register, client_for
):
    client = client_for(RoleCode.ORGANISER)
    upload = SimpleUploadedFile("ca-part.csv", csv_bytes(XPRESS14, small_register("CA", count=10)))
    response = client.post(
        reverse("members:import_upload"),
        {"kind": "register", "file": upload, "published_on": "01/12/2026"},
    )
    batch = ImportBatch.objects.get(filename="ca-part.csv")
    assert response["Location"] == reverse("members:import_detail", args=[batch.pk])
    assert batch.status == ImportBatch.Status.NEEDS_CONFIRMING
    # Waiting for an answer is not a failure: no import list or status page says "Failed".
    assert batch.job.status == Job.Status.WAITING and "please confirm" in batch.job.message
    assert _on_register("CA") == 60

    page = client.get(response["Location"]).content.decode()
    assert "Waiting for you to confirm" in page
    assert page.count("The file lists 10 electors for CA, where 60 are on the register now") == 1
    confirm = reverse("members:import_confirm_leavers", args=[batch.pk])
    assert f'action="{confirm}"' in page and "Yes, import it" in page

    response = client.post(confirm)
    assert response["Location"] == reverse("members:import_detail", args=[batch.pk])
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE and batch.job.status == Job.Status.SUCCEEDED
    assert batch.job.params == {"batch_id": batch.pk, "confirm_leavers": True}
    assert _on_register("CA") == 10 and _on_register("RA") == 30
    page = client.get(response["Location"]).content.decode()
    assert "<dt>Electors who left the register</dt><dd>50</dd>" in page
    assert "Yes, import it" not in page
    assert AuditEntry.objects.filter(action="register.import.confirm_leavers").count() == 1

    # A second click (or a stale tab) starts nothing.
    jobs = Job.objects.count()
    client.post(confirm)
    assert Job.objects.count() == jobs
