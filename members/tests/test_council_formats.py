"""Council files as they really arrive (docs/register-formats.md): the Idox Eros export with
the address in parts and no district column, Democracy Counts' stations file, and the Xpress
Democracy Club export's own station name column."""

import datetime

import pytest

from members.models import PollingDistrict, PollingStation, Property
from members.services.address_imports import addresses_import
from members.services.register_imports import register_import
from members.tests.registers import XPRESS14, csv_bytes, xpress14_row


@pytest.fixture
def register(geography):
    """CA: 1 and 5 Castle Street; CB: 2 and 4 Castle Street."""
    rows = [
        xpress14_row("CA", 1, "Smith", "John", ["1 Castle Street", "Northbridge"]),
        xpress14_row("CA", 2, "Patel", "Ravi", ["5 Castle Street", "Northbridge"]),
        xpress14_row("CB", 1, "Jones", "Ann", ["2 Castle Street", "Northbridge"]),
        xpress14_row("CB", 2, "Evans", "Rhian", ["4 Castle Street", "Northbridge"]),
    ]
    register_import(
        actor=None,
        constituency=geography["constituency"],
        data=csv_bytes(XPRESS14, rows),
        filename="register.csv",
        published_on=datetime.date(2026, 12, 1),
    )
    return geography


def _import(geography, data: bytes, filename="export.csv"):
    return addresses_import(
        actor=None, constituency=geography["constituency"], data=data, filename=filename
    )


EROS_PARTS = [
    "HouseID",
    "HouseName",
    "HouseNumber",
    "HousePostCode",
    "UPRN",
    "SubStreetName",
    "StreetNumber",
    "StreetName",
    "Locality",
    "Town",
    "AdminArea",
    "PollingStationName",
    "PollingStationNumber",
    "PollingStationAddress_1",
    "PollingStationAddress_2",
    "PollingStationAddress_3",
    "PollingStationAddress_4",
    "PollingStationAddress_5",
    "PollingStationPostCode",
]


def _eros(house_id, number, street, station, station_no, *, name="", uprn="n/a", pc="NB1 2AB"):
    return [
        str(house_id),
        name,
        number,
        pc,
        uprn,
        "n/a",
        "",
        street,
        "",
        "Northbridge",
        "Northshire",
        station,
        station_no,
        "School\xa0Lane" if station == "Castle School" else "Mill Street",
        "Northbridge",
        "n/a",
        "",
        "",
        "NB1 9ZZ",
    ]


@pytest.mark.django_db
def test_idox_eros_parts_export_places_addresses_by_the_district_their_station_serves(register):
    rows = [
        # Station 12 serves CA: 1 Castle Street is there on the register.
        _eros(1, "1", "Castle Street", "Castle School", "12"),
        _eros(2, "7", "Castle\xa0Street", "Castle School", "12"),
        # Station 14 serves CA and CB (5 and 2 Castle Street vote there): not guessed.
        _eros(3, "2", "Castle Street", "Mill Chapel", "14"),
        _eros(4, "5", "Castle Street", "Mill Chapel", "14"),
        _eros(5, "9", "Castle Street", "Mill Chapel", "14"),
        # Station 15 is new to us: nor is this.
        _eros(6, "", "Castle Street", "Tin Hut", "15", name="Rose Cottage"),
    ]
    data = b"\xef\xbb\xbf" + csv_bytes(EROS_PARTS, rows)
    report = _import(register, data)

    assert report["layout"] == "Idox Eros/Halarose address export (address in parts)"
    new = Property.objects.get(address_lines=["7 Castle Street", "Northbridge"])
    assert new.polling_district.code == "CA"
    assert Property.objects.get(address_lines=["1 Castle Street", "Northbridge"]).uprn == ""
    # Known addresses keep the district the register gave them.
    assert (
        Property.objects.get(address_lines=["2 Castle Street", "Northbridge"]).polling_district.code
        == "CB"
    )
    for lines in (
        ["9 Castle Street", "Northbridge"],
        ["Rose Cottage", "Castle Street", "Northbridge"],
    ):
        assert Property.objects.get(address_lines=lines).polling_district is None
    assert report["addresses_without_district"] == 2
    notes = " ".join(report["notes"])
    assert (
        "1 address voting at polling station “Mill Chapel” (14) was given no polling "
        "district: it serves CA, CB" in notes
    )
    assert "“Tin Hut” (15) was given no polling district: we do not know which" in notes
    # The station's name is its own column; its address starts at PollingStationAddress_1.
    station = PollingStation.objects.get(code="12")
    assert station.name == "Castle School"
    assert station.address == "School Lane, Northbridge" and station.postcode == "NB1 9ZZ"
    assert PollingDistrict.objects.get(code="CA").polling_station == station


DC_STATIONS = [
    "Add1",
    "Add2",
    "Add3",
    "Add4",
    "Add5",
    "Add6",
    "PlaceName",
    "PollingStationID",
    "PostCode",
    "StationCode",
    "Xordinate",
    "Yordinate",
]
DC_ADDRESSES = [
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
]


@pytest.mark.django_db
def test_democracy_counts_stations_file_names_the_stations_of_its_address_file(register):
    # Democracy Counts sends UTF-16LE without a byte-order mark.
    addresses = csv_bytes(
        DC_ADDRESSES,
        [
            ["1 Castle Street", "Northbridge", "", "", "", "", "NB1 2AB", "DC1", "00012", "1", "2"],
            ["Dummy Record", "", "", "", "", "", "A1 1AA", "DC1", "", "", ""],
        ],
        encoding="utf-16-le",
    )
    stations = csv_bytes(
        DC_STATIONS,
        [
            [
                "Castle Library",
                "Castle Street",
                "Northbridge",
                "",
                "",
                "",
                "Castle Library",
                "7",
                "nb1  2ab",
                "DC1",
                "451234",
                "231234",
            ],
            [
                "Mill Lane",
                "Northbridge",
                "",
                "",
                "",
                "",
                "Mill Lane Scout Hut",
                "8",
                "NB1 3ML",
                "DC2",
                "451000",
                "231000",
            ],
        ],
        encoding="utf-16-le",
    )
    _import(register, addresses, "addresses.csv")
    assert PollingStation.objects.get(code="DC1").name == "DC1"  # no names in the address file

    report = _import(register, stations, "stations.csv")

    assert report["layout"] == "Democracy Counts stations file"
    assert report["stations"] == 1 and report["stations_updated"] == 1
    library = PollingStation.objects.get(code="DC1")
    assert library.name == "Castle Library" and library.postcode == "NB1 2AB"
    assert library.address == "Castle Library, Castle Street, Northbridge"
    assert PollingDistrict.objects.get(code="CA").polling_station == library
    assert PollingStation.objects.get(code="DC2").name == "Mill Lane Scout Hut"
    assert Property.objects.count() == 4  # a stations file adds no addresses


XPRESS_DC = [
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
    "Polling_Place_Name",
    "Polling_Place_Address_1",
    "Polling_Place_Address_2",
    "Polling_Place_Address_3",
    "Polling_Place_Address_4",
    "Polling_Place_Postcode",
    "Polling_Place_Easting",
    "Polling_Place_Northing",
    "Polling_Place_UPRN",
]


@pytest.mark.django_db
def test_xpress_democracy_club_station_is_named_from_its_name_column(register):
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
            "CA",
            "S1",
            "St Mary's Church Hall",
            "Church Road",
            "Northbridge",
            "",
            "",
            "NB1 7CH",
            "451000",
            "231000",
            "0000999",
        ],
    ]
    _import(register, csv_bytes(XPRESS_DC, rows))
    station = PollingStation.objects.get(code="S1")
    assert station.name == "St Mary's Church Hall"
    assert station.address == "Church Road, Northbridge" and station.uprn == "999"


@pytest.mark.django_db
def test_address_export_reports_rows_merged_because_they_share_a_uprn(register):
    rows = [
        [
            "07/05/2026",
            "Flat 1",
            "20 High Street",
            "Northbridge",
            "",
            "",
            "NB1 4HS",
            "55",
            "CA",
            "S1",
            "Hall",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "07/05/2026",
            "Flat 1, 20 High Street",
            "Northbridge",
            "",
            "",
            "",
            "NB1 4HS",
            "0055",
            "CA",
            "S1",
            "Hall",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "07/05/2026",
            "20 High St",
            "Northbridge",
            "",
            "",
            "",
            "NB1 4HS",
            "55",
            "CA",
            "S1",
            "Hall",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "07/05/2026",
            "1 Castle Street",
            "Northbridge",
            "",
            "",
            "",
            "NB1 2AB",
            "77",
            "CA",
            "S1",
            "Hall",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    ]
    report = _import(register, csv_bytes(XPRESS_DC, rows))
    assert Property.objects.filter(uprn="55").count() == 1
    assert report["notes"] == [
        "3 rows at 3 different addresses share a UPRN with another row and were merged "
        "into 1 property."
    ]


@pytest.mark.django_db(transaction=True)
def test_the_import_page_shows_a_stations_file_and_an_export_s_notes(register, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from clp.roles import RoleCode
    from members.models import ImportBatch

    client = client_for(RoleCode.ORGANISER)
    stations = [["Mill Lane", "", "", "", "", "", "Scout Hut", "8", "NB1 3ML", "DC2", "1", "2"]]
    eros = [_eros(1, "9", "Castle Street", "Tin Hut", "15")]
    for name, data in [
        ("stations.csv", csv_bytes(DC_STATIONS, stations, encoding="utf-16-le")),
        ("eros.csv", csv_bytes(EROS_PARTS, eros)),
    ]:
        upload = SimpleUploadedFile(name, data)
        client.post(reverse("members:import_upload"), {"kind": "addresses", "file": upload})
    batch = ImportBatch.objects.get(filename="stations.csv")
    assert batch.job.message == "1 new polling station, 0 updated."
    batch = ImportBatch.objects.get(filename="eros.csv")
    page = client.get(reverse("members:import_detail", args=[batch.pk])).content.decode()
    assert "<dt>Addresses given no polling district (see below)</dt><dd>1</dd>" in page
    assert "voting at polling station “Tin Hut” (15) was given no polling district" in page
