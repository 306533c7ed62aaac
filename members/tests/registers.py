"""Building council files in memory for tests, the demo and the benchmark."""

import csv
import io

XPRESS14 = [
    "Elector Number Prefix",
    "Elector Number",
    "Elector Number Suffix",
    "Elector Markers",
    "Elector DOB",
    "Elector Surname",
    "Elector Forename",
    "PostCode",
    "Address1",
    "Address2",
    "Address3",
    "Address4",
    "Address5",
    "Address6",
]


def xpress14_row(
    pd, number, surname, forename, address, postcode="NB1 2AB", suffix="0", markers="", dob=""
):
    lines = (list(address) + [""] * 6)[:6]
    return [pd, str(number), suffix, markers, dob, surname, forename, postcode, *lines]


def csv_bytes(header, rows, *, delimiter=",", encoding="utf-8", line_end="\r\n") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=line_end)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def small_register(pd="CA", count=6, start=1):
    """`count` electors in three houses on Castle Street."""
    names = [
        ("Smith", "John"),
        ("Smith", "Mary"),
        ("Jones", "Ann"),
        ("Patel", "Ravi"),
        ("Evans", "Rhian"),
        ("Okafor", "Dan"),
        ("Walsh", "Tom"),
        ("Begum", "Aisha"),
    ]
    rows = []
    for i in range(count):
        surname, forename = names[i % len(names)]
        house = 1 + (start + i - 1) // 2
        rows.append(
            xpress14_row(
                pd, start + i, surname, forename, [f"{house} Castle Street", "Northbridge"]
            )
        )
    return rows


def import_register_file(geography, data: bytes, published_on, **kwargs) -> dict:
    """A full register imported by nobody in particular (the service, as a job runs it)."""
    from members.services.register_imports import register_import

    return register_import(
        actor=None,
        constituency=geography["constituency"],
        data=data,
        filename="register.csv",
        published_on=published_on,
        **kwargs,
    )
