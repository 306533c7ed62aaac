"""How Postgres runs the register import's statements: none may scan a big table once for every
row of another (a plan that takes 2.5 s for 8,000 rows and minutes for 100,000). Timing a
scaled import would be flaky on a shared machine; the plans say the same thing reliably."""

import datetime
import json
from contextlib import contextmanager

import pytest
from django.db import connection

from members.models import Elector
from members.tests.registers import XPRESS14, csv_bytes, import_register_file, xpress14_row

JAN = datetime.date(2026, 1, 1)
DEC = datetime.date(2026, 12, 1)
BIG_TABLES = ("members_elector", "members_person", "members_property")
ROWS = 3_000


def _register(first_number: int, count: int = ROWS) -> bytes:
    rows = [
        xpress14_row(
            "CA",
            first_number + i,
            f"Surname{i}",
            f"Forename{i % 7}",
            [f"{1 + i // 2} Castle Street", "Northbridge"],
            postcode=f"NB{1 + i // 500} 2AB",
        )
        for i in range(count)
    ]
    return csv_bytes(XPRESS14, rows)


def _rescans(node: dict, path: tuple = ()) -> list[str]:
    """Scans of a big or staging table repeated for every row of another input: under the
    inner side of a nested loop, or in a correlated subplan, without an index; or read once
    and then gone through again for every row (materialised under a nested loop)."""
    found = []
    relation = node.get("Relation Name", "")
    big = relation.startswith("stg_") or relation in BIG_TABLES
    per_row = any(step in ("Nested Loop: Inner", "SubPlan") for step in path)
    inner = path.index("Nested Loop: Inner") if "Nested Loop: Inner" in path else None
    materialised = inner is not None and "Materialize" in path[inner:]
    if big and ((node["Node Type"] == "Seq Scan" and per_row) or materialised):
        found.append(f"{relation} scanned whole per row ({' > '.join(path)})")
    for child in node.get("Plans", []):
        relationship = child.get("Parent Relationship", "")
        if relationship == "Inner" and node["Node Type"] == "Nested Loop":
            step = "Nested Loop: Inner"
        elif relationship == "SubPlan":
            step = "SubPlan"
        else:
            step = node["Node Type"]
        found += _rescans(child, (*path, step))
    return found


@contextmanager
def _plans_checked(problems: list[str]):
    """EXPLAIN every statement the import sends that reads a staging table, just before it
    runs, on the import's own connection (so with its staging tables and statistics)."""

    def explain_first(execute, sql, params, many, context):
        head = sql.lstrip().upper()
        reads_staging = "STG_" in head and head.startswith(
            ("UPDATE", "INSERT", "SELECT", "DELETE", "CREATE TEMP TABLE STG_MATCH AS")
        )
        if reads_staging and not many:
            raw = context["cursor"].cursor
            raw.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = raw.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            for problem in _rescans(plan[0]["Plan"]):
                problems.append(f"{problem}\n  in: {' '.join(sql.split())[:160]}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explain_first):
        yield


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_recoded_district_import_never_rescans_a_table_per_row(geography):
    """A district re-coded by the council: everyone at the same address under a new number.
    Each new entry looks for the person it repeats at its address, which was a scan of
    the staging tables for every row (quadratic: 100,000 rows took more than 5 minutes)."""
    import_register_file(geography, _register(1), JAN)
    problems: list[str] = []
    with _plans_checked(problems):
        report = import_register_file(geography, _register(10_001), DEC, confirm_leavers=True)
    assert report["electors_added"] == ROWS and report["electors_left"] == ROWS
    assert report["people_created"] == 0  # everyone kept their person
    assert not problems, "\n".join(problems)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_import_into_never_analysed_tables_never_rescans_a_table_per_row(geography):
    """Tables written in bulk and never analysed (autovacuum off, or lagging): the planner
    must still not pick a plan that scans a table once per row, e.g. the leavers' anti-join
    against the matched entries."""
    import_register_file(geography, _register(1), JAN)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, last_analyze FROM pg_stat_user_tables WHERE relname = ANY(%s)",
            [list(BIG_TABLES)],
        )
        analysed = dict(cursor.fetchall())
    problems: list[str] = []
    with _plans_checked(problems):
        import_register_file(geography, _register(1, ROWS - 100), DEC, confirm_leavers=True)
    assert Elector.objects.filter(on_register=True).count() == ROWS - 100
    assert not problems, "\n".join(problems)
    assert all(analysed.values()), f"the first import left tables unanalysed: {analysed}"


def _analyse_counts(tables) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT relname, analyze_count FROM pg_stat_user_tables WHERE relname = ANY(%s)",
            [list(tables)],
        )
        return dict(cursor.fetchall())


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_an_address_import_of_many_rows_analyses_the_properties_it_wrote(geography):
    """Postgres here runs with autovacuum off: whatever writes many rows analyses them,
    or the next import is planned as if the table were empty."""
    from members.bulk import ANALYSE_AFTER_ROWS
    from members.services.address_imports import addresses_import
    from members.tests.test_address_imports import DC_HEADER

    rows = [
        ["07/05/2026", f"{i} Mill Lane", "Northbridge", "", "", "", "NB1 2AB", str(10_000 + i)]
        + ["CA", "S1", "Castle School", "School Lane", "NB1 9ZZ"]
        for i in range(ANALYSE_AFTER_ROWS)
    ]
    before = _analyse_counts(["members_property"])
    addresses_import(
        actor=None,
        constituency=geography["constituency"],
        data=csv_bytes(DC_HEADER, rows),
        filename="addresses.csv",
    )
    after = _analyse_counts(["members_property"])
    assert after["members_property"] == before["members_property"] + 1


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_new_addresses_are_looked_up_by_index_while_statistics_lag(geography):
    """While a register is read, each chunk's new addresses are inserted into a constituency
    whose properties grow by thousands, which statistics taken before the import do not know:
    planned for a constituency with no properties, the check for an address already known
    went through all of them for every new one (a 100,000-row import took 100 s, not 5)."""
    from django.db import transaction
    from django.utils import timezone

    from members import bulk
    from members.models import Constituency, Property

    import_register_file(geography, _register(1), JAN)  # analyses the properties
    new = Constituency.objects.create(name="Calder East")
    Property.objects.bulk_create(  # written since: the statistics say it has none
        Property(constituency=new, address_key=f"{i} HIGH STREET|NB9 9ZZ") for i in range(ROWS)
    )
    with transaction.atomic(), connection.cursor() as cursor:
        bulk._create_temp(cursor, "stg_property", bulk.PROPERTY_STAGE)
        cursor.executemany(
            "INSERT INTO stg_property (chunk, address_key, pd_id, address_lines, street, town) "
            "VALUES (1, %s, NULL, '[]', 'High Street', 'Northbridge')",
            [[f"{i} HIGH STREET|NB9 9ZZ"] for i in range(ROWS, 2 * ROWS)],
        )
        now = timezone.now()
        cursor.execute(
            "EXPLAIN (FORMAT JSON) " + bulk.PROPERTY_INSERT.replace("{jsonb}", "::jsonb"),
            [new.pk, new.pk, now, now, 1],
        )
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    assert not _rescans(plan[0]["Plan"]), json.dumps(plan, indent=1)
