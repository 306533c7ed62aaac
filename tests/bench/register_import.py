"""Register import against a bare COPY of the same file (DESIGN.md: ≥ 0.5× on Postgres).

Generates a 100,000-elector Xpress register, times (1) a bare psycopg COPY of the file into a
plain table of text columns (on SQLite, where there is no COPY, csv + executemany into a plain
table), (2) our full import (sniff, parse, validate, geography, households, upsert), and (3) a
re-import of the next edition with 2% of rows changed.
"""

import csv
import datetime
import io
import random
import time

from django.db import connection, transaction

ROWS = 100_000
PDS = [f"{a}{b}" for a in "ABCDEFGH" for b in "ABCDEFGH"][:40]
SURNAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Khan",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Wright",
    "Begum",
    "Okafor",
    "Hughes",
    "Edwards",
    "Green",
    "Hall",
    "Wood",
    "Clarke",
    "Jackson",
    "O'Neill",
]
FORENAMES = [
    "John",
    "Mary",
    "Ann",
    "Ravi",
    "Aisha",
    "Tom",
    "Sian",
    "David",
    "Sarah",
    "James",
    "Fatima",
    "Peter",
    "Emma",
    "Mohammed",
    "Grace",
    "Liam",
    "Chloe",
    "Harry",
    "Zara",
]
STREETS = [
    "High Street",
    "Mill Lane",
    "Church Road",
    "Station Road",
    "Castle Street",
    "Park Avenue",
    "Victoria Road",
    "Queens Road",
    "New Street",
    "The Crescent",
]
HEADER = [
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


def register_rows(count: int, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    rows = []
    per_pd = count // len(PDS) + 1
    for i in range(count):
        pd = PDS[i // per_pd]
        number = i % per_pd + 1
        house = number // 2 + 1
        street = STREETS[(i // 400) % len(STREETS)]
        markers = rng.choice(["", "", "", "", "", "A", "F", "Z", "AZ", "P"])
        rows.append(
            [
                pd,
                str(number),
                "0",
                markers,
                "",
                rng.choice(SURNAMES),
                rng.choice(FORENAMES) + " " + rng.choice(FORENAMES)[0],
                f"NB{1 + i // 2000} {house % 9}{'ABCDEFGHJ'[house % 9]}{'LMNPQRSTU'[house % 9]}",
                f"{house} {street}",
                f"Ward {pd}",
                "Northbridge",
                "",
                "",
                "",
            ]
        )
    return rows


def to_csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def bare_copy(data: bytes) -> float:
    cols = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_plain")
        cursor.execute(f"CREATE TABLE bench_plain ({cols})")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy("COPY bench_plain FROM STDIN (FORMAT csv, HEADER)") as copy:
                copy.write(data)
        else:
            reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
            next(reader)
            marks = ", ".join(["%s"] * len(HEADER))
            cursor.executemany(f"INSERT INTO bench_plain VALUES ({marks})", list(reader))  # noqa: S608
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_plain")
    return elapsed


def read_and_check(constituency, data: bytes) -> float:
    """The Python half of an import on its own: decode, sniff, parse and validate every row."""
    from members.importers.files import read_table
    from members.services import parse_register, resolve_layout

    started = time.perf_counter()
    table = read_table(data, filename="bench.csv")
    resolved = resolve_layout(constituency=constituency, kind="register", table=table)
    parse_register(
        constituency=constituency,
        table=table,
        resolved=resolved,
        published_on=datetime.date(2026, 1, 1),
    )
    return time.perf_counter() - started


def electors_alone(constituency) -> float:
    """Writing the imported electors, already parsed, into an empty copy of their table with the
    same indexes: a floor under any import that keeps those indexes."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL gin_pending_list_limit = '256MB'")
        cursor.execute("CREATE TEMP TABLE bench_parsed AS SELECT * FROM members_elector")
        cursor.execute("CREATE TEMP TABLE bench_electors (LIKE members_elector INCLUDING ALL)")
        columns = [
            c.name
            for c in connection.introspection.get_table_description(cursor, "members_elector")
            if c.name != "search_name"
        ]
        names = ", ".join(columns)
        started = time.perf_counter()
        cursor.execute(
            f"INSERT INTO bench_electors ({names}) SELECT {names} FROM bench_parsed"  # noqa: S608
        )
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def run(stdout) -> None:
    from members.models import Constituency, Elector, PollingDistrict, Ward
    from members.services import register_import

    constituency = Constituency.objects.create(name="Bench CLP")
    ward = Ward.objects.create(constituency=constituency, name="Bench ward")
    PollingDistrict.objects.bulk_create(
        PollingDistrict(constituency=constituency, ward=ward, code=code) for code in PDS
    )
    rows = register_rows(ROWS)
    data = to_csv(rows)
    stdout.write(f"file: {len(data) / 1e6:.1f} MB, {ROWS} electors in {len(PDS)} districts\n")

    copy_s = bare_copy(data)
    copy_rate = ROWS / copy_s
    what = "psycopg COPY" if connection.vendor == "postgresql" else "csv + executemany"
    stdout.write(f"bare {what} into a plain table: {copy_s:.2f} s, {copy_rate:,.0f} rows/s\n")

    check_s = read_and_check(constituency, data)
    stdout.write(
        f"reading and checking the file alone (no database): {check_s:.2f} s, "
        f"{ROWS / check_s:,.0f} rows/s, {copy_s / check_s:.2f}x the bare copy\n"
    )

    started = time.perf_counter()
    report = register_import(
        actor=None,
        constituency=constituency,
        data=data,
        filename="bench.csv",
        published_on=datetime.date(2026, 1, 1),
    )
    import_s = time.perf_counter() - started
    import_rate = ROWS / import_s
    stdout.write(
        f"full import: {import_s:.2f} s, {import_rate:,.0f} rows/s "
        f"(added {report['electors_added']}, households {report['properties_created']})\n"
    )

    rng = random.Random(11)
    changed = rng.sample(range(ROWS), ROWS // 50)
    for i in changed[: len(changed) // 2]:
        rows[i][3] = "A" if rows[i][3] != "A" else ""
    for i in changed[len(changed) // 2 :]:
        rows[i][6] = rows[i][6] + "x"
    data2 = to_csv(rows)
    started = time.perf_counter()
    report2 = register_import(
        actor=None,
        constituency=constituency,
        data=data2,
        filename="bench2.csv",
        published_on=datetime.date(2026, 12, 1),
    )
    reimport_s = time.perf_counter() - started
    reimport_rate = ROWS / reimport_s
    stdout.write(
        f"re-import, next edition, 2% changed: {reimport_s:.2f} s, {reimport_rate:,.0f} rows/s "
        f"(changed {report2['electors_changed']}, added {report2['electors_added']}, "
        f"left {report2['electors_left']})\n"
    )
    assert Elector.objects.filter(constituency=constituency, on_register=True).count() == ROWS
    if connection.vendor == "postgresql":
        alone_s = electors_alone(constituency)
        stdout.write(
            "writing the parsed electors alone into a copy of their indexed table: "
            f"{alone_s:.2f} s,"
            f" {ROWS / alone_s:,.0f} rows/s, {copy_s / alone_s:.2f}x the bare copy\n"
        )
    stdout.write(
        f"register_import rows={ROWS} copy_rows_per_s={copy_rate:.0f} "
        f"import_rows_per_s={import_rate:.0f} ratio={import_rate / copy_rate:.2f} "
        f"reimport_ratio={reimport_rate / copy_rate:.2f}\n"
    )
