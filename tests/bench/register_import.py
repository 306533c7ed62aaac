"""Register import speed against DESIGN.md's figures, beside a bare COPY of the same file.

Generates a 100,000-elector Xpress register, times (1) a bare psycopg COPY of the file into a
plain table of text columns (on SQLite, where there is no COPY, csv + executemany into a plain
table), (2) our full import (sniff, parse, validate, geography, households, upsert), (3) a
re-import of the next edition with 2% of rows changed, and (4) a re-coded edition: everyone at
the same address under a new number (a district re-coded by the council). Then (5) a full
import into tables that hold another 100,000 rows written in bulk and never analysed (as on a
fresh database after the demo, with autovacuum off or lagging), beside the same import after
an analysed load. Then two floors under any import: reading and checking the file in Python,
and writing the parsed electors alone into a copy of their indexed table. Each figure is
printed beside its target, with ok or MISSED.
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
TARGET_ROWS_PER_S = 20_000  # DESIGN.md: a 100,000-row import, never slower (Postgres)
REIMPORT_TARGET = 2  # DESIGN.md: a re-import with 2% changes, at least 2x the full import
RECODED_OFFSET = 10_000  # a re-coded edition's numbers: the same people, numbers moved on
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
    from members.services.common import resolve_layout
    from members.services.register_imports import parse_register

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


def _timed_import(
    constituency, data: bytes, published_on: datetime.date, *, confirm_leavers: bool = False
) -> tuple[float, dict]:
    from members.services.register_imports import register_import

    started = time.perf_counter()
    report = register_import(
        actor=None,
        constituency=constituency,
        data=data,
        filename="bench.csv",
        published_on=published_on,
        confirm_leavers=confirm_leavers,
    )
    return time.perf_counter() - started, report


def recoded(rows: list[list[str]]) -> list[list[str]]:
    """The same register with every elector number moved on: the same people at the same
    addresses, each found again by address and name rather than by number."""
    return [[row[0], str(int(row[1]) + RECODED_OFFSET), *row[2:]] for row in rows]


def never_analysed(tables: list[str]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM pg_stat_user_tables WHERE relname = ANY(%s) "
            "AND (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL)",
            [tables],
        )
        return cursor.fetchone()[0] == 0


BIG_TABLES = ["members_elector", "members_person", "members_property", "members_street"]


def import_after_bulk_load(name: str, data: bytes, *, analysed: bool) -> tuple[float, dict, bool]:
    """A full import into a constituency whose districts already hold another 100,000 entries
    written in bulk: by a writer that analysed them or, as the demo loader and older imports
    did, one that did not (here: the import with its analysing switched off). Also says
    whether the tables were then never analysed (Postgres)."""
    from members import bulk

    constituency = _bench_constituency(name)
    loader_analyses = bulk.analyse
    if not analysed:
        bulk.analyse = lambda *tables: None
    try:
        _timed_import(constituency, to_csv(register_rows(ROWS, seed=3)), datetime.date(2025, 1, 1))
    finally:
        bulk.analyse = loader_analyses
    fresh = connection.vendor != "postgresql" or never_analysed(BIG_TABLES)
    seconds, report = _timed_import(
        constituency, data, datetime.date(2026, 1, 1), confirm_leavers=True
    )
    return seconds, report, fresh


def analyse_written() -> float:
    """What analysing the tables an import wrote costs, at their size now."""
    from members import bulk

    started = time.perf_counter()
    with transaction.atomic():
        bulk.analyse("members_street", "members_property", "members_person", "members_elector")
    return time.perf_counter() - started


def _verdict(value: float, target: float) -> str:
    return f"target >= {target:,.0f}: {'ok' if value >= target else 'MISSED'}"


def people_list_page(constituency) -> float:
    """The people list's first page, sorted by name as the page sorts it, median of 5, in
    milliseconds: what the index on people's names buys (an import pays for it)."""
    from django.core.paginator import Paginator

    from members.models import Person
    from members.views.common import PAGE_SIZE

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
    data3 = to_csv(recoded(rows))
    stdout.write(f"file: {len(data) / 1e6:.1f} MB, {ROWS} electors in {len(PDS)} districts\n")
    stdout.flush()

    # First, while nothing in this fresh database has been analysed (autovacuum is off here).
    pg = connection.vendor == "postgresql"
    unanalysed_s, unanalysed, fresh = import_after_bulk_load(
        "Bench never analysed", data, analysed=False
    )
    analysed_s, analysed, _ = import_after_bulk_load("Bench analysed", data, analysed=True)
    for report in (unanalysed, analysed):
        assert report["electors_added"] + report["electors_matched"] == ROWS, report

    copies, imports, reimports, recodes = [], [], [], []
    for round_no in range(REPEATS):
        copies.append(bare_copy(data))
        constituency = _bench_constituency(f"Bench CLP {round_no + 1}")
        seconds, report = _timed_import(constituency, data, datetime.date(2026, 1, 1))
        imports.append(seconds)
        seconds, report2 = _timed_import(constituency, data2, datetime.date(2026, 12, 1))
        reimports.append(seconds)
        assert report["electors_added"] == ROWS and report2["electors_changed"] == ROWS // 50
        assert Elector.objects.filter(constituency=constituency, on_register=True).count() == ROWS
        seconds, report3 = _timed_import(
            constituency, data3, datetime.date(2027, 6, 1), confirm_leavers=True
        )
        recodes.append(seconds)
        assert report3["electors_added"] == ROWS and report3["electors_left"] == ROWS, report3
        assert report3["people_created"] == 0, report3
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
    stdout.write(
        _figures(
            f"re-coded edition, everyone under a new number (added {report3['electors_added']}, "
            f"left {report3['electors_left']}, people created {report3['people_created']})",
            recodes,
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
    if pg:
        stdout.write(
            f"analysing the tables an import writes, at {Elector.objects.count():,} entries: "
            f"{analyse_written():.2f} s\n"
        )
    copy_rate = ROWS / copy_s
    import_rate = ROWS / statistics.median(imports)
    reimport_rate = ROWS / statistics.median(reimports)
    recoded_rate = ROWS / statistics.median(recodes)
    stdout.write("\nagainst DESIGN.md's figures (rows/s):\n")
    stdout.write(f"  full import: {import_rate:,.0f}, {_verdict(import_rate, TARGET_ROWS_PER_S)}\n")
    stdout.write(
        f"  re-import, 2% changed: {reimport_rate:,.0f}, "
        f"{_verdict(reimport_rate, REIMPORT_TARGET * import_rate)} (2x the full import)\n"
    )
    stdout.write(
        f"  re-coded edition: {recoded_rate:,.0f}, {_verdict(recoded_rate, TARGET_ROWS_PER_S)}\n"
    )
    state = "never analysed" if fresh else "NOT fresh: something analysed them first"
    stdout.write(
        f"  full import over 100,000 bulk-loaded entries, {state} (one run): "
        f"{ROWS / unanalysed_s:,.0f}, {_verdict(ROWS / unanalysed_s, TARGET_ROWS_PER_S)}; "
        f"the same after an analysed load: {ROWS / analysed_s:,.0f}, "
        f"{_verdict(ROWS / analysed_s, TARGET_ROWS_PER_S)}\n"
    )
    stdout.write(
        f"register_import rows={ROWS} copy_rows_per_s={copy_rate:.0f} "
        f"import_rows_per_s={import_rate:.0f} ratio={import_rate / copy_rate:.2f} "
        f"reimport_ratio={reimport_rate / copy_rate:.2f} recoded_rows_per_s={recoded_rate:.0f} "
        f"never_analysed_rows_per_s={ROWS / unanalysed_s:.0f} "
        f"analysed_rows_per_s={ROWS / analysed_s:.0f}\n"
    )
