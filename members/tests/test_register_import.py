import datetime

import pytest

from members.importers import FileProblem
from members.models import Elector, Person, Property, RegisterEdition
from members.tests.registers import (
    XPRESS14,
    csv_bytes,
    import_register_file,
    small_register,
    xpress14_row,
)

JAN = datetime.date(2026, 1, 1)
DEC = datetime.date(2026, 12, 1)


def _import(geography, data, published_on=DEC, **kwargs):
    return import_register_file(geography, data, published_on, **kwargs)


@pytest.mark.django_db
def test_xpress_register_creates_electors_people_and_households(geography):
    report = _import(geography, csv_bytes(XPRESS14, small_register()))
    assert report["layout"] == "Xpress register (14 columns)"
    assert report["electors_added"] == 6
    assert Elector.objects.count() == 6 and Person.objects.count() == 6
    smith = Elector.objects.get(number=1)
    assert smith.surname == "Smith" and smith.forenames == "John"
    assert smith.elector_number == "CA-1"
    assert smith.property.postcode == "NB1 2AB"
    assert smith.property.house_number == 1
    assert smith.person.property == smith.property
    # Two electors per house: three households.
    assert Property.objects.count() == 3
    assert Person.objects.filter(property=smith.property).count() == 2


@pytest.mark.django_db
def test_reimport_of_the_same_file_changes_nothing(geography):
    data = csv_bytes(XPRESS14, small_register())
    _import(geography, data)
    report = _import(geography, data)
    assert report["electors_added"] == 0 and report["electors_changed"] == 0
    assert report["people_created"] == 0
    assert Elector.objects.count() == 6 and Person.objects.count() == 6


@pytest.mark.django_db
def test_new_edition_keeps_people_and_notes_and_marks_leavers_off(geography):
    _import(geography, csv_bytes(XPRESS14, small_register()), published_on=JAN)
    john = Elector.objects.get(number=1)
    Person.objects.filter(pk=john.person_id).update(notes="Canvassed: promised to vote")
    leaver = Elector.objects.get(number=6)
    rows = small_register(count=5)
    rows[2][6] = "Anne"  # forename corrected: still the same elector
    report = _import(geography, csv_bytes(XPRESS14, rows), published_on=DEC)
    assert report["electors_matched"] == 5 and report["electors_changed"] == 1
    assert report["electors_left"] == 1 and report["people_created"] == 0
    john.refresh_from_db()
    assert john.edition.published_on == JAN  # repeated word for word: not rewritten
    assert Elector.objects.get(number=3).edition.published_on == DEC
    assert john.person.notes == "Canvassed: promised to vote"
    leaver.refresh_from_db()
    assert leaver.on_register is False and leaver.left_register_on == DEC
    assert Person.objects.filter(pk=leaver.person_id).exists()
    assert RegisterEdition.objects.count() == 2


@pytest.mark.django_db
def test_renumbered_elector_at_same_address_keeps_their_person(geography):
    _import(geography, csv_bytes(XPRESS14, small_register(count=2)), published_on=JAN)
    person_id = Elector.objects.get(number=2).person_id
    rows = [
        xpress14_row("CA", 7, "Smith", "John", ["1 Castle Street", "Northbridge"]),
        xpress14_row("CA", 8, "Smith", "Mary", ["1 Castle Street", "Northbridge"]),
    ]
    _import(geography, csv_bytes(XPRESS14, rows), published_on=DEC)
    mary = Elector.objects.get(number=8, on_register=True)
    assert mary.person_id == person_id
    assert Person.objects.count() == 2


@pytest.mark.django_db
def test_elector_who_moves_house_takes_their_person_to_the_new_household(geography):
    _import(geography, csv_bytes(XPRESS14, small_register(count=2)), published_on=JAN)
    rows = small_register(count=2)
    rows[0][8] = "9 Mill Lane"
    _import(geography, csv_bytes(XPRESS14, rows), published_on=DEC)
    john = Elector.objects.get(number=1)
    assert john.person.property.address_lines[0] == "9 Mill Lane"


@pytest.mark.django_db
def test_damaged_but_valid_file_is_read(geography):
    """windows-1252, NBSP, quoted commas, `5.000`, repeated headers, postcode in last line."""
    rows = [
        xpress14_row("CA", "5.000", "Lôn", "Siân\xa0Mair", ["Flat 2, The Mill", "Lôn Las"]),
        XPRESS14,
        xpress14_row(
            "CA", "6", "Jones", "Ann", ["3 High St", "Northbridge", "NB1†2AB"], postcode=""
        ),
    ]
    data = csv_bytes(XPRESS14, rows, encoding="cp1252")
    report = _import(geography, data)
    assert report["encoding"] == "windows-1252"
    assert report["repeated_headers_skipped"] == 1
    five = Elector.objects.get(number=5)
    assert five.surname == "Lôn" and five.forenames == "Siân Mair"
    assert five.property.address_lines == ["Flat 2, The Mill", "Lôn Las"]
    assert five.property.flat == "2"
    six = Elector.objects.get(number=6)
    assert six.property.postcode == "NB1 2AB"
    assert six.property.address_lines == ["3 High St", "Northbridge"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "encoding,bom",
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b""), ("utf-16-le", b"\xff\xfe")],
)
def test_register_in_every_encoding_and_tab_separated(geography, encoding, bom):
    rows = [xpress14_row("CA", 1, "Ó Briain", "Dara", ["1 Castle Street"])]
    data = bom + csv_bytes(XPRESS14, rows, delimiter="\t", encoding=encoding)
    _import(geography, data)
    assert Elector.objects.get().surname == "Ó Briain"


@pytest.mark.django_db
def test_thirteen_column_register_and_markers(geography):
    header = [h for h in XPRESS14 if h not in ("Elector Surname", "Elector Forename")]
    header.insert(5, "Elector Name")
    rows = [
        [
            "CB",
            "12",
            "1",
            "APZ",
            "01/06/08",
            "Smith, John Albert",
            "NB2 3CD",
            "4 Mill Lane",
            "",
            "",
            "",
            "",
            "",
        ],
        ["CB", "13", "0", "F", "", "Overseas Jane", "", "", "", "", "", "", ""],
    ]
    _import(geography, csv_bytes(header, rows))
    john = Elector.objects.get(number=12)
    assert (john.surname, john.forenames, john.suffix) == ("Smith", "John Albert", 1)
    assert john.elector_number == "CB-12/1"
    assert john.is_postal_voter and john.is_proxy_voter and john.open_register_opt_out
    assert john.date_of_birth == datetime.date(2008, 6, 1) and john.attainer_date is None
    jane = Elector.objects.get(number=13)
    assert jane.property is None and jane.markers == "F"


@pytest.mark.django_db
def test_attainer_date_is_kept(geography):
    rows = [
        xpress14_row("CA", 1, "Young", "Amy", ["1 Castle Street"], markers="", dob="14/03/2027")
    ]
    _import(geography, csv_bytes(XPRESS14, rows))
    assert Elector.objects.get().attainer_date == datetime.date(2027, 3, 14)


@pytest.mark.django_db
def test_xlsx_register(geography):
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(XPRESS14)
    sheet.append(["CA", 5.0, 0, "", None, "Smith", "John", "NB1 2AB", "1 Castle Street"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    _import(geography, buffer.getvalue())
    assert Elector.objects.get().number == 5


@pytest.mark.django_db
def test_idox_pp50_register_with_open_register_opt_out(geography):
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
        "UPRN",
    ]
    row = [
        "RA",
        "44",
        "",
        "Ms",
        "Kate",
        "K",
        "(z) Bush",
        "2",
        "",
        "G",
        "7 River Road",
        "Northbridge",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "NB3 1XY",
        "000100012345",
    ]
    _import(geography, csv_bytes(header, [row]))
    kate = Elector.objects.get()
    assert kate.surname == "Bush" and kate.open_register_opt_out
    assert kate.elector_number == "RA-44/2" and kate.markers == "G"
    assert kate.property.uprn == "100012345"


def _problem(geography, data) -> str:
    with pytest.raises(FileProblem) as caught:
        _import(geography, data)
    assert Elector.objects.count() == 0 and Person.objects.count() == 0
    return " ".join(caught.value.messages)


@pytest.mark.django_db
def test_truncated_last_row_is_rejected_naming_the_row(geography):
    data = csv_bytes(XPRESS14, small_register(count=3))
    data = data[: data.rstrip().rfind(b",") - 20]
    message = _problem(geography, data)
    assert "Row 4 (the last row)" in message and "cut short" in message


@pytest.mark.django_db
def test_unknown_polling_district_is_named_once_with_its_rows(geography):
    rows = small_register(count=2) + [
        xpress14_row("ZZ", n, "Nobody", "X", ["1 Nowhere"]) for n in range(1, 41)
    ]
    message = _problem(geography, csv_bytes(XPRESS14, rows))
    assert message.count("ZZ") == 1 and "ZZ (40 rows)" in message and "Row" not in message


@pytest.mark.django_db
def test_bad_number_names_row_and_column(geography):
    rows = small_register(count=2)
    rows[1][1] = "12b"
    message = _problem(geography, csv_bytes(XPRESS14, rows))
    assert "Row 3, column 2" in message and "“12b”" in message


@pytest.mark.django_db
def test_zip_renamed_csv_is_rejected(geography):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("register.csv", csv_bytes(XPRESS14, small_register()))
    message = _problem(geography, buffer.getvalue())
    assert "zip archive" in message


@pytest.mark.django_db
@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n"])
def test_empty_file_is_rejected(geography, data):
    assert "empty" in _problem(geography, data)


@pytest.mark.django_db
def test_wrong_columns_are_rejected(geography):
    message = _problem(geography, csv_bytes(["Name", "Favourite colour"], [["A", "red"]]))
    assert "not a layout we know" in message


@pytest.mark.django_db
def test_duplicate_elector_number_in_file_is_rejected(geography):
    rows = small_register(count=2)
    rows[1][1] = "1"
    assert "appears twice" in _problem(geography, csv_bytes(XPRESS14, rows))


@pytest.mark.django_db
def test_dry_run_writes_nothing_but_reports(geography):
    report = _import(geography, csv_bytes(XPRESS14, small_register()), dry_run=True)
    assert report["electors_added"] == 6 and report["dry_run"]
    assert Elector.objects.count() == 0 and RegisterEdition.objects.count() == 0


@pytest.mark.django_db
def test_bedford_style_register(geography):
    header = [
        "PDCode",
        "RollNo",
        "ElectorTitle",
        "ElectorSurname",
        "ElectorForename",
        "ElectorMiddleName",
        "AttainersDOB",
        "FranchiseMarker",
        "RegisteredAddress1",
        "RegisteredAddress2",
        "RegisteredAddress3",
        "RegisteredAddress4",
        "RegisteredAddress5",
        "RegisteredAddress6",
        "PostCode",
    ]
    row = [
        "MA",
        "7",
        "Mr",
        "Hughes",
        "Owen",
        "",
        "",
        "K",
        "Flat 3",
        "12 Mill Street",
        "Millfield",
        "",
        "",
        "",
        "nb4 1mf",
    ]
    report = _import(geography, csv_bytes(header, [row]))
    assert report["layout"] == "Bedford-style register (pd export)"
    owen = Elector.objects.get()
    assert (owen.title, owen.markers, owen.property.postcode) == ("Mr", "K", "NB4 1MF")
    assert (owen.property.flat, owen.property.house_number) == ("3", 12)


@pytest.mark.django_db
def test_other_electors_without_address_come_at_the_end_of_a_district(geography):
    rows = small_register(count=2) + [
        xpress14_row("CA", 3, "Anonymous", "", [], postcode="", markers="N"),
    ]
    report = _import(geography, csv_bytes(XPRESS14, rows))
    assert report["electors_added"] == 3
    assert Elector.objects.get(number=3).property is None


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_search_uses_the_trigram_index_on_postgres(geography):
    from django.db import connection

    _import(geography, csv_bytes(XPRESS14, small_register()))
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        query = str(Elector.objects.matching("mit").only("id").query)
        sql, params = Elector.objects.matching("mit").only("id").query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "members_elector_search_name_trgm" in plan, (query, plan)


@pytest.mark.django_db
def test_search_finds_forename_surname_and_both_together(geography):
    _import(geography, csv_bytes(XPRESS14, small_register()))
    smith = Elector.objects.get(number=1)
    assert smith in Elector.objects.matching("smit")
    assert smith in Elector.objects.matching("joh")
    assert list(Elector.objects.matching("Smith John")) == [smith]


@pytest.mark.django_db
def test_imported_people_and_places_are_still_protected_from_deletion(geography):
    """The database no longer checks links to reference tables and addresses on each of an
    import's rows; Django still refuses to delete what electors point at."""
    from django.db.models import ProtectedError

    _import(geography, csv_bytes(XPRESS14, small_register()))
    smith = Elector.objects.get(number=1)
    with pytest.raises(ProtectedError):
        smith.polling_district.delete()
    with pytest.raises(ProtectedError):
        smith.edition.delete()
    with pytest.raises(ProtectedError):
        Person.objects.get(pk=smith.person_id).delete()
    address = smith.property
    address.delete()
    smith.refresh_from_db()
    assert smith.property is None
    assert Person.objects.get(pk=smith.person_id).property is None


@pytest.mark.django_db
def test_properties_get_their_street_for_walk_lists(geography):
    rows = [
        xpress14_row("CA", 1, "Smith", "John", ["Flat 2", "12 Mill Lane", "Northbridge"]),
        xpress14_row("CA", 2, "Jones", "Ann", ["14A Mill Lane", "Northbridge"]),
        xpress14_row("CA", 3, "Khan", "Ali", ["Rose Cottage", "Northbridge"]),
    ]
    _import(geography, csv_bytes(XPRESS14, rows))
    from members.models import Street

    street = Street.objects.get()
    assert (street.name, street.town) == ("Mill Lane", "Northbridge")
    assert Property.objects.filter(street=street).count() == 2
    assert Property.objects.get(address_lines__0="Rose Cottage").street is None


@pytest.mark.django_db
def test_an_older_register_than_the_current_one_is_refused(geography):
    _import(geography, csv_bytes(XPRESS14, small_register()), published_on=DEC)
    with pytest.raises(FileProblem, match="newer register"):
        _import(geography, csv_bytes(XPRESS14, small_register(count=2)), published_on=JAN)
    assert Elector.objects.filter(on_register=True).count() == 6


@pytest.mark.django_db
def test_row_with_an_unquoted_comma_names_the_row(geography):
    data = csv_bytes(XPRESS14, small_register(count=3)).replace(
        b"2 Castle Street", b"2, Castle Street", 1
    )
    message = _problem(geography, data)
    assert "Row 4 has 15 columns but the header has 14" in message


@pytest.mark.django_db
def test_importing_the_same_edition_again_corrects_it(geography):
    """A second file of the same edition for a district already imported from it is a
    correction: rows are matched by number alone, and no one there leaves the register."""
    _import(geography, csv_bytes(XPRESS14, small_register()), published_on=DEC)
    first = Elector.objects.get(number=1)
    rows = small_register(count=2)
    rows[0][5], rows[0][6] = "Smyth", "Jon"  # both names mistyped in the first file
    report = _import(geography, csv_bytes(XPRESS14, rows), published_on=DEC)
    assert report["electors_changed"] == 1 and report["people_created"] == 0
    assert report["electors_left"] == 0
    first.refresh_from_db()
    assert (first.surname, first.forenames) == ("Smyth", "Jon")
    assert Elector.objects.filter(on_register=True).count() == 6


@pytest.mark.django_db
def test_same_edition_for_a_district_not_yet_imported_from_it_takes_leavers_off(geography):
    ca = small_register(count=3)
    cb = [
        xpress14_row("CB", 1, "Khan", "Ali", ["1 Mill Lane", "Northbridge"]),
        xpress14_row("CB", 2, "Khan", "Sara", ["1 Mill Lane", "Northbridge"]),
    ]
    _import(geography, csv_bytes(XPRESS14, ca + cb), published_on=JAN)
    _import(geography, csv_bytes(XPRESS14, ca), published_on=DEC)
    report = _import(geography, csv_bytes(XPRESS14, cb[:1]), published_on=DEC)
    assert report["electors_left"] == 1
    assert not Elector.objects.get(polling_district__code="CB", number=2).on_register
    assert Elector.objects.filter(polling_district__code="CA", on_register=True).count() == 3


def _one_address_per_row(count):
    return [
        xpress14_row("CA", n, "Smith", "Jo", [f"{n} Castle Street", "Northbridge"])
        for n in range(1, count + 1)
    ]


@pytest.mark.django_db
def test_addresses_written_while_reading_are_undone_by_a_bad_row_later(geography, monkeypatch):
    """Addresses go to the database in chunks while the file is still being read; a bad row
    after some chunks have gone still leaves nothing behind."""
    import members.bulk
    import members.services.register_imports

    monkeypatch.setattr(members.bulk, "ADDRESS_CHUNK", 3)
    monkeypatch.setattr(members.services.register_imports, "PARSED_CHUNK", 2)
    rows = _one_address_per_row(20)
    rows[17][1] = "12x"
    with pytest.raises(FileProblem, match="Row 19"):
        _import(geography, csv_bytes(XPRESS14, rows))
    assert Property.objects.count() == 0 and Elector.objects.count() == 0

    rows = _one_address_per_row(20)
    rows[4][8] = r"Flat 1\2, 5 Castle Street"  # a backslash, which COPY's text format escapes
    report = _import(geography, csv_bytes(XPRESS14, rows))
    assert report["properties_created"] == 20
    assert Property.objects.count() == 20 and Elector.objects.count() == 20
    assert Elector.objects.get(number=5).property.address_lines[0] == r"Flat 1\2, 5 Castle Street"


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_a_database_error_while_writing_addresses_stops_the_import(geography, monkeypatch):
    """The writer thread's failure reaches the import, which writes nothing (a fault put into
    the address statement, as no well-formed file makes the database refuse an address)."""
    import psycopg

    import members.bulk
    import members.services.register_imports

    monkeypatch.setattr(members.bulk, "ADDRESS_CHUNK", 3)
    monkeypatch.setattr(members.services.register_imports, "PARSED_CHUNK", 2)
    monkeypatch.setattr(members.bulk, "PROPERTY_INSERT", "SELECT %s, %s, %s, %s, %s, 1/0")
    with pytest.raises(psycopg.errors.DivisionByZero):
        _import(geography, csv_bytes(XPRESS14, _one_address_per_row(20)))
    assert Property.objects.count() == 0 and Elector.objects.count() == 0
    assert Person.objects.count() == 0
