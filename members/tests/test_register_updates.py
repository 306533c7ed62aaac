import datetime

import pytest

from members.importers import FileProblem
from members.importers.records import parse_elector_number
from members.models import Elector, Person
from members.services.register_updates import register_update_import
from members.tests.registers import XPRESS14, csv_bytes, import_register_file, small_register

UPDATE_HEADER = [
    "CompanyName",
    "CompanyOPCSRef",
    "DistrictRef",
    "StreetName",
    "PropertyAddress1",
    "PropertyAddress2",
    "PropertyAddress3",
    "PropertyAddress4",
    "PropertyAddress5",
    "PropertyPostCode",
    "PropertyAddressPrefix",
    "PropertyAddressNumber",
    "ElectorNumber",
    "ElectorForename",
    "ElectorSurname",
    "ElectorDOB",
    "ElectorCreatedMonth",
    "ElectorChangedMonth",
    "ElectorDeletedMonth",
    "MarkersRegisterText",
    "RecordCount",
    "RecordTotal",
    "CurrentRegisterMonth",
]


def update_row(
    number,
    forename,
    surname,
    *,
    created="",
    changed="",
    deleted="",
    markers="",
    address=("1 Castle Street", "Northbridge"),
    postcode="NB1 2AB",
):
    lines = (list(address) + [""] * 5)[:5]
    return [
        "Council",
        "E07",
        "CA",
        "Castle Street",
        *lines,
        postcode,
        "",
        "",
        number,
        forename,
        surname,
        "",
        created,
        changed,
        deleted,
        markers,
        "1",
        "3",
        "2026-12",
    ]


@pytest.fixture
def register(geography):
    import_register_file(
        geography, csv_bytes(XPRESS14, small_register()), datetime.date(2026, 12, 1)
    )
    return geography


def _apply(geography, rows):
    return register_update_import(
        actor=None,
        constituency=geography["constituency"],
        data=csv_bytes(UPDATE_HEADER, rows),
        filename="update.csv",
        published_on=datetime.date(2027, 1, 1),
    )


def test_composite_numbers_split_from_the_right():
    assert parse_elector_number("KD-2/2-289/1") == ("KD-2/2", 289, 1)
    assert parse_elector_number("ABC1-12/1") == ("ABC1", 12, 1)
    assert parse_elector_number("AB1-12") == ("AB1", 12, None)
    assert parse_elector_number("CA12") == ("CA", 12, None)


@pytest.mark.django_db
def test_monthly_update_adds_amends_and_deletes(register):
    deleted = Elector.objects.get(number=3)
    rows = [
        update_row("CA-20", "Nina", "Novak", created="2026-12", address=("8 Castle Street",)),
        update_row("CA-1", "John", "Smith", changed="2026-12", markers="A"),
        update_row("CA-3", "Ann", "Jones", deleted="2026-12"),
    ]
    report = _apply(register, rows)
    assert (report["added"], report["amended"], report["deleted"]) == (1, 1, 1)
    nina = Elector.objects.get(number=20)
    assert nina.on_register and nina.property.address_lines == ["8 Castle Street"]
    assert Elector.objects.get(number=1).is_postal_voter
    deleted.refresh_from_db()
    assert not deleted.on_register and deleted.left_register_on == datetime.date(2027, 1, 1)
    assert Person.objects.filter(pk=deleted.person_id).exists()
    # Applying the same notice again changes nothing and duplicates nothing.
    again = _apply(register, rows)
    assert (again["added"], again["amended"], again["deleted"]) == (0, 0, 0)
    assert Elector.objects.filter(number=20).count() == 1


@pytest.mark.django_db
def test_update_applies_to_entries_a_later_register_repeated_unchanged(register):
    """The next register repeats most entries word for word; they keep the edition they came
    from, and a monthly update must still find them, and re-add one it deleted."""
    import_register_file(register, csv_bytes(XPRESS14, small_register()), datetime.date(2027, 1, 1))
    john = Elector.objects.get(number=1)
    assert john.edition.published_on == datetime.date(2026, 12, 1)
    report = register_update_import(
        actor=None,
        constituency=register["constituency"],
        data=csv_bytes(
            UPDATE_HEADER,
            [
                update_row("CA-1", "John", "Smith", changed="2027-02", markers="A"),
                update_row("CA-3", "Ann", "Jones", deleted="2027-02"),
            ],
        ),
        filename="update.csv",
        published_on=datetime.date(2027, 2, 1),
    )
    assert (report["amended"], report["deleted"]) == (1, 1)
    assert Elector.objects.get(number=1).is_postal_voter
    assert not Elector.objects.get(number=3).on_register
    readded = register_update_import(
        actor=None,
        constituency=register["constituency"],
        data=csv_bytes(UPDATE_HEADER, [update_row("CA-3", "Ann", "Jones", created="2027-03")]),
        filename="update2.csv",
        published_on=datetime.date(2027, 3, 1),
    )
    assert readded["added"] == 1
    assert Elector.objects.filter(number=3, on_register=True).count() == 1


@pytest.mark.django_db
def test_awkward_prefix_with_dash_and_slash_is_a_polling_district(register):
    from members.models import PollingDistrict

    PollingDistrict.objects.create(
        constituency=register["constituency"], ward=register["wards"]["Castle"], code="KD-2/2"
    )
    _apply(register, [update_row("KD-2/2-289/1", "Kim", "Doe", created="2026-12")])
    kim = Elector.objects.get(surname="Doe")
    assert (kim.polling_district.code, kim.number, kim.suffix) == ("KD-2/2", 289, 1)


@pytest.mark.django_db
def test_amending_a_number_not_on_the_register_is_refused_and_nothing_is_written(register):
    rows = [
        update_row("CA-21", "Nina", "Novak", created="2026-12"),
        update_row("CA-99", "Ghost", "Person", changed="2026-12"),
    ]
    with pytest.raises(FileProblem) as caught:
        _apply(register, rows)
    assert "Row 3" in caught.value.messages[0] and "CA-99" in caught.value.messages[0]
    assert not Elector.objects.filter(number=21).exists()


@pytest.mark.django_db
def test_update_before_any_register_is_refused(geography):
    with pytest.raises(FileProblem, match="full register"):
        _apply(geography, [update_row("CA-1", "A", "B", created="2026-12")])


@pytest.mark.django_db
def test_idox_update_with_title_lines_and_flag_signs(register):
    header = [
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
    address = ["5 Castle Street", "Northbridge", "", "", "", "", "", "", ""]
    lines = [
        ["Monthly Additions and Deletions, December 2026"],
        ["Ref: NB/2026/12"],
        header,
        ["CA", "30", "+", "Ms", "Lena", "L", "Berg", "0", "", "", *address, "NB1 2AB", "", "", ""],
        ["Ref: page 2"],
        ["CA", "2", "-", "", "Mary", "M", "Smith", "0", "", "", *address, "NB1 2AB", "", "", ""],
    ]
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows(lines)
    report = register_update_import(
        actor=None,
        constituency=register["constituency"],
        data=out.getvalue().encode(),
        filename="idox.csv",
        published_on=datetime.date(2027, 1, 1),
    )
    assert report["layout"] == "Idox/Halarose monthly update (pp50)"
    assert (report["added"], report["deleted"]) == (1, 1)
    assert not Elector.objects.get(number=2).on_register


@pytest.mark.django_db
def test_importing_the_edition_again_restores_an_entry_an_update_deleted(register):
    """A correction of the current edition lists an entry a monthly update took off since:
    the entry comes back (it used to clash with itself and stop the import)."""
    _apply(register, [update_row("CA-3", "Ann", "Jones", deleted="2027-01")])
    assert not Elector.objects.get(number=3).on_register
    report = import_register_file(
        register, csv_bytes(XPRESS14, small_register()), datetime.date(2026, 12, 1)
    )
    assert report["electors_added"] == 0 and report["people_created"] == 0
    ann = Elector.objects.get(number=3)
    assert ann.on_register and ann.left_register_on is None


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_monthly_update_waits_while_an_import_holds_the_register(register):
    """One register import or update per constituency at a time (an import running beside an
    update would mark the update's new entries as leavers)."""
    import psycopg
    from django.db import OperationalError, connection

    from members.bulk import REGISTER_LOCK

    dsn = connection.get_connection_params()
    importing = psycopg.connect(
        host=dsn.get("host"), port=dsn.get("port"), user=dsn.get("user"), dbname=dsn["dbname"]
    )
    try:
        importing.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [REGISTER_LOCK, register["constituency"].pk]
        )
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
        with pytest.raises(OperationalError, match="lock timeout"):
            _apply(register, [update_row("CA-20", "Nina", "Novak", created="2026-12")])
        assert not Elector.objects.filter(number=20).exists()
    finally:
        importing.rollback()
        importing.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    _apply(register, [update_row("CA-20", "Nina", "Novak", created="2026-12")])
    assert Elector.objects.filter(number=20).exists()
