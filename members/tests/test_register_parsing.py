"""Reading and parsing register rows without the database. The hot loops have fast paths for
the common row; these tests feed them the awkward rows that must take the careful path."""

from members.importers.files import read_table
from members.tests.registers import csv_bytes


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
