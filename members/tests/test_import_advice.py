"""What an import says when it cannot go ahead: a long list of problems is capped with
"… and N more.", and a file of another kind we know is named as such, with advice that fits
where the import was run (the upload page or the command line)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from clp.roles import RoleCode
from members.importers import FileProblem, WrongKind
from members.models import Elector, ImportBatch
from members.services.batches import import_batch_create
from members.services.register_imports import register_import
from members.tests.registers import XPRESS14, csv_bytes, xpress14_row
from members.tests.test_register_updates import UPDATE_HEADER, update_row

IDOX_UPDATE = [
    "PD",
    "ENO",
    "Status",
    "Title",
    "First Name",
    "Initials",
    "Surname",
    "Suffix",
    "Date Of Attainment",
    "Franchise Flag",
    *[f"Address {i}" for i in range(1, 10)],
    "Postcode",
    "Register Code",
    "Clerical Error",
    "Opt Out Flag",
]
IDOX_UPDATE_ROW = ["CA", "30", "+", "Ms", "Lena", "L", "Berg", "0", "", "", "5 Castle Street"]
IDOX_UPDATE_ROW += [""] * 8 + ["NB1 2AB", "", "", ""]
MEMBERS = ["Membership Number", "First Name", "Last Name", "Postcode"]
WEBLOOKUP = ["AuthorityCode", "PropertyNumber", "StreetName", "PostCode"]
WEBLOOKUP += ["PollingDistrictReference", "PollingPlaceId", "UPRN"]


def _bad_register(count: int) -> bytes:
    rows = [xpress14_row("CA", n, "", "Nameless", ["1 Castle Street"]) for n in range(1, count)]
    return csv_bytes(XPRESS14, rows)


@pytest.mark.django_db
def test_a_long_list_of_problems_shows_thirty_and_says_how_many_more(geography):
    with pytest.raises(FileProblem) as caught:
        register_import(
            actor=None,
            constituency=geography["constituency"],
            data=_bad_register(46),
            filename="register.csv",
            published_on=datetime.date(2026, 12, 1),
        )
    messages = caught.value.messages
    assert len(messages) == 31 and messages[0].startswith("Row 2, column 6")
    assert messages[-1] == "… and 15 more."


@pytest.mark.django_db
def test_the_command_line_lists_thirty_problems_and_how_many_more(geography, tmp_path, capsys):
    path = tmp_path / "register.csv"
    path.write_bytes(_bad_register(101))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_register", str(path), "--published", "2026-12-01")
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 31 and lines[-1] == "… and 70 more."


@pytest.mark.django_db(transaction=True)
def test_the_import_page_and_its_job_say_how_many_more_problems(geography, client_for):
    client = client_for(RoleCode.ORGANISER)
    upload = SimpleUploadedFile("register.csv", _bad_register(41))
    client.post(
        reverse("members:import_upload"),
        {"kind": "register", "file": upload, "published_on": "01/12/2026"},
    )
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED and len(batch.errors) == 31
    assert batch.job.message.endswith("… and 35 more.")
    page = client.get(reverse("members:import_detail", args=[batch.pk])).content.decode()
    assert page.count("the surname is empty") == 30 + 5  # the list, and the job's summary
    assert "<li>… and 10 more.</li>" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "given,header,row,what,label",
    [
        (
            "register",
            UPDATE_HEADER,
            update_row("CA-1", "Ann", "Lee"),
            "a monthly update",
            "Monthly register update",
        ),
        ("register", IDOX_UPDATE, IDOX_UPDATE_ROW, "a monthly update", "Monthly register update"),
        (
            "register",
            MEMBERS,
            ["L1", "Ann", "Lee", "NB1 2AB"],
            "a party membership list",
            "Party membership list",
        ),
        (
            "register",
            WEBLOOKUP,
            ["E07", "1", "Castle Street", "NB1 2AB", "CA", "7", "1"],
            "a council address export",
            "Council address export",
        ),
        (
            "update",
            XPRESS14,
            xpress14_row("CA", 1, "Lee", "Ann", ["1 Castle Street"]),
            "a full register",
            "Full electoral register",
        ),
        (
            "members",
            XPRESS14,
            xpress14_row("CA", 1, "Lee", "Ann", ["1 Castle Street"]),
            "a full register",
            "Full electoral register",
        ),
    ],
)
def test_a_file_of_another_kind_is_named_on_the_upload_page(
    geography, users, given, header, row, what, label
):
    with pytest.raises(WrongKind) as caught:
        import_batch_create(
            actor=users[RoleCode.ORGANISER],
            constituency=geography["constituency"],
            kind=given,
            filename="file.csv",
            data=csv_bytes(header, [row]),
        )
    message = caught.value.messages[0]
    assert message.startswith(f"This is {what} (the “")
    assert message.endswith(f"use “{label}” on the upload page.")
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db
def test_the_upload_form_says_a_monthly_update_is_one(geography, client_for):
    client = client_for(RoleCode.ORGANISER)
    upload = SimpleUploadedFile("update.csv", csv_bytes(IDOX_UPDATE, [IDOX_UPDATE_ROW]))
    response = client.post(
        reverse("members:import_upload"),
        {"kind": "register", "file": upload, "published_on": "01/12/2026"},
    )
    assert response.status_code == 400
    assert "This is a monthly update" in response.content.decode()
    assert "use “Monthly register update” on the upload page" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "command,header,row,advice",
    [
        (
            "import_register",
            UPDATE_HEADER,
            update_row("CA-1", "Ann", "Lee"),
            "This is a monthly update (the “Xpress monthly update (23 columns)” layout): use "
            "`manage.py import_register_update {path}`.",
        ),
        (
            "import_register_update",
            XPRESS14,
            xpress14_row("CA", 1, "Lee", "Ann", ["1 Mill St"]),
            "This is a full register (the “Xpress register (14 columns)” layout): use "
            "`manage.py import_register {path}`.",
        ),
        (
            "import_addresses",
            MEMBERS,
            ["L1", "Ann", "Lee", "NB1 2AB"],
            "This is a party membership list (the “Party membership list” layout): use "
            "`manage.py import_members {path}`.",
        ),
    ],
)
def test_the_command_line_names_the_command_for_a_file_of_another_kind(
    geography, tmp_path, capsys, command, header, row, advice
):
    path = tmp_path / "file.csv"
    path.write_bytes(csv_bytes(header, [row]))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(command, str(path))
    assert capsys.readouterr().err.strip() == advice.format(path=path)
    assert not Elector.objects.exists()


@pytest.mark.django_db
def test_the_mapping_page_starts_at_its_best_guesses_and_marks_the_required_columns(
    geography, client_for
):
    client = client_for(RoleCode.ORGANISER)
    header = ["District", "No", "Family name", "Given names", "House", "Town", "Post code"]
    rows = [["CC", "1", "Ng", "Mei", "4 Castle Street", "Northbridge", "NB1 2AB"]]
    upload = SimpleUploadedFile("odd.csv", csv_bytes(header, rows))
    client.post(
        reverse("members:import_upload"),
        {"kind": "register", "file": upload, "published_on": "01/12/2026"},
    )
    batch = ImportBatch.objects.get()
    page = client.get(reverse("members:import_mapping", args=[batch.pk])).content.decode()
    for field, column in [
        ("pd", "District"),
        ("number", "No"),
        ("surname", "Family name"),
        ("forenames", "Given names"),
        ("address1", "House"),
        ("postcode", "Post code"),
    ]:
        select = page.split(f'name="map_{field}"', 1)[1].split("</select>", 1)[0]
        assert f'<option value="{column}" selected>' in select, field
    assert page.count("selected>") - page.count('<option value="" selected>') == 6
    for label in ("Polling district code", "Elector number", "Surname"):
        assert f">{label} (required)</label>" in page
    assert page.count('aria-required="true"') == 3 and page.count(" required ") >= 3
