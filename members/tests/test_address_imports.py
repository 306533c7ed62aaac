import datetime

import pytest

from members.importers import FileProblem
from members.models import PollingDistrict, PollingStation, Property
from members.services.address_imports import addresses_import
from members.services.register_imports import register_import
from members.tests.registers import XPRESS14, csv_bytes, xpress14_row


@pytest.fixture
def register(geography):
    rows = [
        xpress14_row("CA", 1, "Smith", "John", ["1 Castle Street", "Northbridge"]),
        xpress14_row("CB", 1, "Jones", "Ann", ["2 Castle Street", "Northbridge"]),
    ]
    register_import(
        actor=None,
        constituency=geography["constituency"],
        data=csv_bytes(XPRESS14, rows),
        filename="r.csv",
        published_on=datetime.date(2026, 12, 1),
    )
    return geography


def _import(geography, header, rows):
    return addresses_import(
        actor=None,
        constituency=geography["constituency"],
        data=csv_bytes(header, rows),
        filename="addresses.csv",
    )


DC_HEADER = [
    "ElectionDate",
    "Addressline1",
    "Addressline2",
    "Addressline3",
    "Addressline4",
    "Addressline5",
    "Addressline6",
    "Property_URN",
    "Polling_Place_District_Reference",
    "Polling_Place_Id",
    "Polling_Place_Address_1",
    "Polling_Place_Address_2",
    "Polling_Place_Postcode",
]


@pytest.mark.django_db
def test_xpress_democracy_club_export_moves_property_and_sets_station(register):
    rows = [
        [
            "07/05/2026",
            "1 Castle Street",
            "Northbridge",
            "",
            "",
            "",
            "NB1 2AB",
            "000012345",
            "CB",
            "S1",
            "Castle School",
            "School Lane",
            "NB1 9ZZ",
        ],
        [
            "07/05/2026",
            "Dummy Record",
            "",
            "",
            "",
            "",
            "NB1 2AB",
            "",
            "CA",
            "S1",
            "Castle School",
            "",
            "",
        ],
        [
            "07/05/2026",
            "99 Castle Street",
            "",
            "",
            "",
            "",
            "A1 1AA",
            "",
            "CA",
            "S1",
            "Castle School",
            "",
            "",
        ],
    ]
    report = _import(register, DC_HEADER, rows)
    assert report["layout"] == "Xpress Democracy Club address export"
    assert report["dummy_records_skipped"] == 2 and report["properties_matched"] == 1
    prop = Property.objects.get(address_lines=["1 Castle Street", "Northbridge"])
    assert prop.polling_district.code == "CB" and prop.uprn == "12345"
    station = PollingStation.objects.get()
    assert station.name == "Castle School" and station.postcode == "NB1 9ZZ"
    assert PollingDistrict.objects.get(code="CB").polling_station == station


@pytest.mark.django_db
def test_weblookup_matches_uprn_without_leading_zeros(register):
    Property.objects.filter(address_lines=["2 Castle Street", "Northbridge"]).update(uprn="777")
    header = [
        "AuthorityCode",
        "PropertyNumber",
        "StreetName",
        "PostCode",
        "PollingDistrictReference",
        "PollingPlaceId",
        "PollingPlaceAddress1",
        "PollingPlaceAddress7",
        "UPRN",
    ]
    rows = [
        [
            "E07",
            "2",
            "Castle St (renamed)",
            "NB1 2AB",
            "CA",
            "77",
            "Castle Hall",
            "NB1 1CH",
            "000000000777",
        ]
    ]
    report = _import(register, header, rows)
    assert report["properties_matched"] == 1 and report["properties_created"] == 0
    assert Property.objects.get(uprn="777").polling_district.code == "CA"
    assert PollingStation.objects.get().postcode == "NB1 1CH"


@pytest.mark.django_db
def test_idox_eros_export_with_na_values(register):
    header = [
        "HouseID",
        "addressline1",
        "addressline2",
        "addressline3",
        "addressline4",
        "addressline5",
        "postcode",
        "uprn",
        "pollingvenueid",
        "pollingstationname",
        "pollingstationnumber",
        "pollingstationaddress1",
        "pollingstationpostcode",
        "pollingvenueuprn",
        "PollingDistrictId",
    ]
    rows = [
        [
            "1",
            "5 New Road",
            "Northbridge",
            "n/a",
            "n/a",
            "n/a",
            "NB5 5NR",
            "n/a",
            "V9",
            "Mill Chapel",
            "12",
            "Mill Street",
            "NB5 1MC",
            "n/a",
            "MA",
        ]
    ]
    report = _import(register, header, rows)
    assert report["properties_created"] == 1
    prop = Property.objects.get(postcode="NB5 5NR")
    assert prop.address_lines == ["5 New Road", "Northbridge"] and prop.uprn == ""
    assert PollingDistrict.objects.get(code="MA").polling_station.name == "Mill Chapel"


@pytest.mark.django_db
def test_democracy_counts_export_infers_district_station_from_register(register):
    header = [
        "add1",
        "add2",
        "add3",
        "add4",
        "add5",
        "add6",
        "postcode",
        "stationcode",
        "uprn",
        "xordinate",
        "yordinate",
        "placename",
    ]
    rows = [
        [
            "1 Castle Street",
            "Northbridge",
            "",
            "",
            "",
            "",
            "NB1 2AB",
            "DC1",
            "",
            "1",
            "2",
            "Castle Library",
        ],
        ["Dummy Record", "", "", "", "", "", "ZZ1 1ZZ", "DC1", "", "", "", "Castle Library"],
    ]
    report = _import(register, header, rows)
    assert report["layout"] == "Democracy Counts address export"
    assert report["dummy_records_skipped"] == 1
    assert PollingDistrict.objects.get(code="CA").polling_station.name == "Castle Library"


@pytest.mark.django_db
def test_address_export_with_unknown_district_writes_nothing(register):
    rows = [
        ["07/05/2026", "1 Castle Street", "", "", "", "", "NB1 2AB", "1", "QQ", "S1", "X", "", ""]
    ]
    with pytest.raises(FileProblem) as caught:
        _import(register, DC_HEADER, rows)
    assert "1 polling district that is not set up yet" in caught.value.messages[0]
    assert "QQ (1 row)" in caught.value.messages[0]
    assert PollingStation.objects.count() == 0
