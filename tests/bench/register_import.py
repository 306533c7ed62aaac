"""Register import against a bare COPY of the same file (DESIGN.md: ≥ 0.5× on Postgres).

Generates a 100,000-elector Xpress register, times (1) a bare psycopg COPY of the file into a
plain table of text columns (on SQLite, where there is no COPY, csv + executemany into a plain
table), (2) our full import (sniff, parse, validate, geography, households, upsert), and (3) a
re-import of the next edition with 2% of rows changed. Then two floors under any import:
reading and checking the file in Python, and writing the parsed electors alone into a copy of
their indexed table.
"""

import csv
import datetime
import io
import random
import statistics
import time

from django.db import connection, transaction

from members.tests.registers import XPRESS14

ROWS = 100_000
REPEATS = 3
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
HEADER = XPRESS14


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
        cursor.execute(
            "CREATE TEMP TABLE bench_parsed AS SELECT * FROM members_elector "
            "WHERE constituency_id = %s",
            [constituency.pk],
        )
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


def _bench_constituency(name: str):
    from members.models import Constituency, PollingDistrict, Ward

    constituency = Constituency.objects.create(name=name)
    ward = Ward.objects.create(constituency=constituency, name="Bench ward")
    PollingDistrict.objects.bulk_create(
        PollingDistrict(constituency=constituency, ward=ward, code=code) for code in PDS
    )
    return constituency


def _timed_import(constituency, data: bytes, published_on: datetime.date) -> tuple[float, dict]:
    from members.services import register_import

    started = time.perf_counter()
    report = register_import(
        actor=None,
        constituency=constituency,
        data=data,
        filename="bench.csv",
        published_on=published_on,
    )
    return time.perf_counter() - started, report


def people_list_page(constituency) -> float:
    """The people list's first page, sorted by name as the page sorts it, median of 5, in
    milliseconds: what the index on people's names buys (an import pays for it)."""
    from django.core.paginator import Paginator

    from members.models import Person
    from members.views import PAGE_SIZE

    timings = []
    for _ in range(5):
        started = time.perf_counter()
        people = (
            Person.objects.filter(constituency=constituency)
            .current()
            .select_related("property", "membership")
            .order_by("last_name", "first_name")
        )
        page = Paginator(people, PAGE_SIZE).get_page(1)
        list(page.object_list)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def _figures(label: str, seconds: list[float]) -> str:
    runs = ", ".join(f"{s:.2f}" for s in seconds)
    middle = statistics.median(seconds)
    return f"{label}: median {middle:.2f} s, {ROWS / middle:,.0f} rows/s (runs: {runs} s)\n"


def run(stdout) -> None:
    """Each round times a bare copy, a full import into a new constituency and its re-import,
    one after the other, so that the machine's noise hits all three alike; the medians of
    REPEATS rounds are reported."""
    from members.models import Elector

    rows = register_rows(ROWS)
    data = to_csv(rows)
    rng = random.Random(11)
    changed = rng.sample(range(ROWS), ROWS // 50)
    for i in changed[: len(changed) // 2]:
        rows[i][3] = "A" if rows[i][3] != "A" else ""
    for i in changed[len(changed) // 2 :]:
        rows[i][6] = rows[i][6] + "x"
    data2 = to_csv(rows)
    stdout.write(f"file: {len(data) / 1e6:.1f} MB, {ROWS} electors in {len(PDS)} districts\n")

    copies, imports, reimports = [], [], []
    for round_no in range(REPEATS):
        copies.append(bare_copy(data))
        constituency = _bench_constituency(f"Bench CLP {round_no + 1}")
        seconds, report = _timed_import(constituency, data, datetime.date(2026, 1, 1))
        imports.append(seconds)
        seconds, report2 = _timed_import(constituency, data2, datetime.date(2026, 12, 1))
        reimports.append(seconds)
        assert report["electors_added"] == ROWS and report2["electors_changed"] == ROWS // 50
        assert Elector.objects.filter(constituency=constituency, on_register=True).count() == ROWS
    what = "psycopg COPY" if connection.vendor == "postgresql" else "csv + executemany"
    stdout.write(_figures(f"bare {what} into a plain table", copies))
    stdout.write(
        _figures(
            f"full import (added {report['electors_added']}, "
            f"households {report['properties_created']})",
            imports,
        )
    )
    stdout.write(
        _figures(
            f"re-import, next edition, 2% changed (changed {report2['electors_changed']}, "
            f"added {report2['electors_added']}, left {report2['electors_left']})",
            reimports,
        )
    )
    copy_s = statistics.median(copies)
    check_s = read_and_check(constituency, data)
    stdout.write(
        f"reading and checking the file alone (no database): {check_s:.2f} s, "
        f"{ROWS / check_s:,.0f} rows/s, {copy_s / check_s:.2f}x the bare copy\n"
    )
    if connection.vendor == "postgresql":
        alone_s = electors_alone(constituency)
        stdout.write(
            "writing the parsed electors alone into a copy of their indexed table: "
            f"{alone_s:.2f} s, {ROWS / alone_s:,.0f} rows/s, "
            f"{copy_s / alone_s:.2f}x the bare copy\n"
        )
    stdout.write(
        f"people list, first page sorted by name, of {ROWS:,} people: "
        f"{people_list_page(constituency):.0f} ms\n"
    )
    copy_rate = ROWS / copy_s
    import_rate = ROWS / statistics.median(imports)
    reimport_rate = ROWS / statistics.median(reimports)
    stdout.write(
        f"register_import rows={ROWS} copy_rows_per_s={copy_rate:.0f} "
        f"import_rows_per_s={import_rate:.0f} ratio={import_rate / copy_rate:.2f} "
        f"reimport_ratio={reimport_rate / copy_rate:.2f}\n"
    )
