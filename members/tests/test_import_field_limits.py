"""Over-long values: every import refuses the row, naming the column and its limit, and
writes nothing (it used to cut names short and store the rest, or fail on Postgres with an
"unexpected error"). The limits are the model fields' max_length."""

import datetime

import pytest

from members.importers import FileProblem
from members.models import (
    Elector,
    Membership,
    Person,
    PollingStation,
    Property,
)
from members.services.address_imports import addresses_import
from members.services.member_imports import members_import
from members.services.register_updates import register_update_import
from members.tests.registers import (
    XPRESS14,
    csv_bytes,
    import_register_file,
    small_register,
    xpress14_row,
)
from members.tests.test_address_imports import DC_HEADER
from members.tests.test_members_import import HEADER as MEMBERS_HEADER
from members.tests.test_members_import import member
from members.tests.test_register_updates import UPDATE_HEADER, update_row

DEC = datetime.date(2026, 12, 1)
LONG_POSTCODE = "NB1" * 3_334  # 10,002 characters, as in the file that was stored whole


def _limit(model, field: str) -> int:
    return model._meta.get_field(field).max_length


def _problem(call) -> str:
    with pytest.raises(FileProblem) as caught:
        call()
    return "\n".join(caught.value.messages)


def _nothing_written():
    assert not Elector.objects.exists()
    assert not Person.objects.exists()
    assert not Property.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "column, value, limit",
    [
        (6, "S" * (_limit(Elector, "surname") + 1), _limit(Elector, "surname")),
        # Forenames are stored on the entry and on the person: the smaller field decides.
        (7, "F" * (_limit(Person, "first_name") + 1), _limit(Person, "first_name")),
        (4, "AFZ" * 7, _limit(Elector, "markers")),
        (8, LONG_POSTCODE, _limit(Property, "postcode")),
    ],
    ids=["surname", "forenames", "markers", "postcode"],
)
def test_register_row_with_an_over_long_value_is_refused_naming_column_and_limit(
    geography, column, value, limit
):
    rows = small_register(count=3)
    rows[1][column - 1] = value
    problem = _problem(lambda: import_register_file(geography, csv_bytes(XPRESS14, rows), DEC))
    assert f"Row 3, column {column}: " in problem
    assert f"holds at most {limit}" in problem
    _nothing_written()


@pytest.mark.django_db
def test_register_values_at_the_limit_are_stored_whole(geography):
    surname = "S" * _limit(Elector, "surname")
    forenames = "F" * _limit(Person, "first_name")
    row = xpress14_row("CA", 1, surname, forenames, ["1 Castle Street", "Northbridge"])
    import_register_file(geography, csv_bytes(XPRESS14, [row]), DEC)
    elector = Elector.objects.get()
    assert (elector.surname, elector.forenames) == (surname, forenames)
    assert (elector.person.last_name, elector.person.first_name) == (surname, forenames)


@pytest.mark.django_db
def test_monthly_update_row_with_an_over_long_name_is_refused(geography):
    import_register_file(geography, csv_bytes(XPRESS14, small_register()), DEC)
    before = Elector.objects.count(), Person.objects.count()
    surname = "S" * (_limit(Elector, "surname") + 1)
    rows = [
        update_row("CA-20", "Nina", "Novak", created="2026-12"),
        update_row("CA-21", "Ola", surname, created="2026-12"),
    ]
    problem = _problem(
        lambda: register_update_import(
            actor=None,
            constituency=geography["constituency"],
            data=csv_bytes(UPDATE_HEADER, rows),
            filename="update.csv",
            published_on=datetime.date(2027, 1, 1),
        )
    )
    assert "Row 3, column 15: " in problem  # ElectorSurname
    assert f"holds at most {_limit(Elector, 'surname')}" in problem
    assert (Elector.objects.count(), Person.objects.count()) == before


def _address_row(postcode="NB1 2AB", station_id="S1", uprn="000012345"):
    return [
        "07/05/2026",
        "1 Castle Street",
        "Northbridge",
        "",
        "",
        "",
        postcode,
        uprn,
        "CA",
        station_id,
        "Castle School",
        "School Lane",
        "NB1 9ZZ",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "row, column, limit",
    [
        (_address_row(postcode=LONG_POSTCODE), "column 7 (Addressline6)", 10),
        (_address_row(uprn="1" * 13), "column 8 (Property_URN)", _limit(Property, "uprn")),
        (
            _address_row(station_id="S" * 31),
            "column 10 (Polling_Place_Id)",
            _limit(PollingStation, "code"),
        ),
    ],
    ids=["postcode", "uprn", "station id"],
)
def test_address_row_with_an_over_long_value_is_refused_naming_column_and_limit(
    geography, row, column, limit
):
    problem = _problem(
        lambda: addresses_import(
            actor=None,
            constituency=geography["constituency"],
            data=csv_bytes(DC_HEADER, [_address_row("NB1 3CD"), row]),
            filename="addresses.csv",
        )
    )
    assert f"Row 3, {column}: " in problem
    assert f"holds at most {limit}" in problem
    assert not Property.objects.exists() and not PollingStation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "index, value, column, limit",
    [
        (3, "L" * 101, "column 4 (Last Name)", _limit(Person, "last_name")),
        (0, "9" * 31, "column 1 (Membership Number)", _limit(Membership, "number")),
        (12, LONG_POSTCODE, "column 13 (Postcode)", _limit(Property, "postcode")),
    ],
    ids=["surname", "membership number", "postcode"],
)
def test_member_row_with_an_over_long_value_is_refused_naming_column_and_limit(
    geography, index, value, column, limit
):
    rows = [member("A1", "Ann", "Jones"), member("A2", "Bob", "Jones")]
    rows[1][index] = value
    problem = _problem(
        lambda: members_import(
            actor=None,
            constituency=geography["constituency"],
            data=csv_bytes(MEMBERS_HEADER, rows),
            filename="members.csv",
        )
    )
    assert f"Row 3, {column}: " in problem
    assert f"holds at most {limit}" in problem
    assert not Membership.objects.exists() and not Person.objects.exists()
