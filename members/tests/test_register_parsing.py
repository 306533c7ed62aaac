"""Reading and parsing register rows without the database. The hot loops have fast paths for
the common row; these tests feed them the awkward rows that must take the careful path."""

import datetime

import pytest

from members.importers.files import read_table
from members.importers.layouts import recognise
from members.importers.records import address_and_postcode, address_key, register_parser
from members.tests.registers import XPRESS14, csv_bytes, xpress14_row


def test_repeated_headers_are_skipped_however_they_are_spelt_and_other_rows_kept():
    header = ["Elector Number Prefix", "Elector Number", "Elector Surname", ""]
    rows = [
        ["CA", "1", "Smith"],
        [" elector number PREFIX\xa0", "ELECTOR NUMBER", " Elector  Surname"],  # header again
        ["Elector Number Prefix", "1", "Jones"],  # starts like the header: a row all the same
        ["", "2", "Jones"],  # no district: kept, and refused later with its row number
        ["", " ", ""],  # blank
        ["CA", "3", "Patel", ""],  # the trailing delimiter the header has too: harmless
    ]
    table = read_table(csv_bytes(header, rows))
    assert table.skipped_repeated_headers == 1
    assert [(row, list(cells)) for row, cells in table.rows] == [
        (2, ["CA", "1", "Smith"]),
        (4, ["Elector Number Prefix", "1", "Jones"]),
        (5, ["", "2", "Jones"]),
        (7, ["CA", "3", "Patel"]),
    ]


XPRESS = {name: i for i, name in enumerate(XPRESS14)}
PUBLISHED = datetime.date(2026, 1, 1)


def _parsed(table, **kwargs):
    columns = recognise("register", table.header).columns
    parse = register_parser(columns, PUBLISHED, **kwargs)
    return [parse(cells, row) for row, cells in table.rows]


@pytest.mark.parametrize(
    "forename",
    ["Siân\xa0Mair", "Siân  Mair", '"Siân " Mair"'],  # the last: quotes that close up a gap
)
def test_cells_that_need_cleaning_are_cleaned_even_when_most_need_only_strip(forename):
    data = csv_bytes(XPRESS14, [xpress14_row("CA", 1, "Smith", "John", ["1 Castle Street"])])
    table = read_table(data)
    assert table.strip_is_enough  # a plain file takes the quick path
    row = ",".join(xpress14_row("CA", 2, "Lôn", "FORENAME", ["2 Castle Street"]))
    table = read_table(data + row.replace("FORENAME", forename).encode() + b"\r\n")
    assert _parsed(table, strip_is_enough=table.strip_is_enough) == _parsed(table)
    assert _parsed(table)[1].forenames.startswith("Siân Mair")


def _records(rows):
    return _parsed(read_table(csv_bytes(XPRESS14, rows)))


@pytest.mark.parametrize("number,suffix", [("5", "0"), ("5.000", ""), (" 05 ", "0.0"), ("5.", "")])
def test_elector_numbers_written_awkwardly_read_as_the_plain_number(number, suffix):
    row = xpress14_row("ca", number, "Smith", "John", ["1 Castle Street"], suffix=suffix)
    record = _records([row])[0]
    assert (record.pd_code, record.number, record.suffix) == ("CA", 5, 0)


@pytest.mark.parametrize("postcode", ["NB1 2AB", "nb12ab", "NB1†2AB", "N B12AB", "XX1", "NB12"])
def test_postcode_repeated_in_the_last_address_line_is_taken_out_when_it_is_one(postcode):
    address = ["1 Castle Street", postcode]
    row = xpress14_row("CA", 1, "Smith", "John", address, postcode=postcode)
    record = _records([row])[0]
    assert (record.address_lines, record.postcode) == address_and_postcode(address, postcode)


def test_open_register_opt_out_and_markers_belong_to_their_own_row():
    address = ["1 Castle Street"]
    rows = [
        xpress14_row("CA", 1, "(z) Smith", "John", address, markers="A"),
        xpress14_row("CA", 2, "Smith", "Mary", address, markers="A"),
        xpress14_row("CA", 3, "Jones", "Ann", address, markers="a z"),
        xpress14_row("CA", 4, "Jones", "Tom", address, markers="A"),
        xpress14_row("CA", 5, "Patel", "Ravi", address, markers="a z"),
    ]
    records = _records(rows)
    assert [(r.markers, r.opt_out) for r in records] == [
        ("A", True),
        ("A", False),
        ("AZ", True),
        ("A", False),
        ("AZ", True),
    ]


@pytest.mark.parametrize(
    "lines",
    [
        ["12 High St", "Northbridge"],
        ["12 High St ", "Northbridge"],
        ["12 High St", " Northbridge"],
        [" 12  High St", "Northbridge\t"],
        ["12\tHigh\xa0St", "Northbridge"],
    ],
)
def test_address_key_ignores_case_and_spacing_within_each_line(lines):
    assert address_key(lines, "NB1 2AB") == address_key(["12 HIGH ST", "NORTHBRIDGE"], "NB1 2AB")


def test_address_key_keeps_the_lines_apart():
    key = address_key(["Flat 1 | 2", "", " ", "Straße"], "NB1 2AB")
    assert key == "FLAT 1 | 2|||STRASSE|NB1 2AB"


@pytest.mark.parametrize(
    "number,suffix,dob,column",
    [
        ("²", "0", "", "column 2:"),
        ("5", "①", "", "column 3:"),
        ("5", "0", "1/1/99999999999999999999", "column 5:"),
    ],
)
def test_odd_digits_and_huge_years_are_row_errors_not_crashes(number, suffix, dob, column):
    from members.importers.records import CellError

    row = xpress14_row("CA", number, "Smith", "John", ["1 Castle Street"], suffix=suffix, dob=dob)
    with pytest.raises(CellError, match=column):
        _records([row])


def test_an_elector_number_with_superscript_digits_is_not_an_elector_number():
    from members.importers.records import parse_elector_number

    assert parse_elector_number("CA-²") is None
