"""Phone bank hand-out (docs/design.md: 50 callers asking for their next contact at once, no
contact handed to two callers, 1,000+ hand-outs/s).

Builds a 100,000-person queue on Postgres: the people and one mobile each in two INSERT …
SELECT statements, then the queue through the real `queue_build` (timed). Then 50 threads, each
its own caller and database connection, ask for their next contact as fast as they can for
PHASE_SECONDS and hand it straight back (`lease_release`) so they can take another; a shared
record of who holds whom catches a person held by two callers at once. Run before ANALYZE (the
server's autovacuum may lag a fresh queue), after it, with one caller alone (what one core of
Python does), with each call recorded (`call_record`, refused) instead of released, and with
the claim statement alone (what the database can do, without the service's other queries),
again after VACUUM (dead row versions at the head of the queue slow each claim until then).
Prints per phase the hand-outs/s, queries, database (wall) time and Python CPU per hand-out
(50 threads share one interpreter lock, so 1000 / python_cpu_ms is this process's ceiling),
then EXPLAIN ANALYZE of the claim, and the line
`phonebank_handout callers=50 handed=N per_s=N duplicates=N` (the service path, after ANALYZE).
"""

import datetime
import io
import os
import threading
import time
import uuid

from django.db import connection, transaction
from django.utils import timezone

from tests.db_pool import pool_of_at_least

PEOPLE = 100_000
CALLERS = 50
PHASE_SECONDS = 10
TARGET_PER_S = 1_000


def _calling_time(after: datetime.datetime) -> datetime.datetime:
    """11:00 UTC on the first weekday after `after`: inside every calling window."""
    day = after.date() + datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(11), tzinfo=datetime.UTC)


def _insert_sql(model, computed: dict[str, str], source: str) -> tuple[str, dict]:
    """INSERT INTO model's table SELECT `computed` SQL for the columns given, every other
    column its model default, FROM `source`."""
    columns, values, params = [], [], {}
    for f in model._meta.concrete_fields:
        if f.primary_key or f.generated:
            continue
        columns.append(f.column)
        if f.column in computed:
            values.append(computed[f.column])
        else:
            values.append(f"%({f.column})s")
            params[f.column] = f.get_db_prep_save(f.get_default(), connection)
    table = model._meta.db_table
    sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} {source}"  # noqa: S608
    return sql, params


def _people_insert(constituency, districts) -> None:
    """PEOPLE people spread over `districts`, each with one mobile we may call: two statements,
    not 200,000 saves."""
    from members.models import ContactPhone, Person

    district_ids = "{" + ",".join(str(d.pk) for d in districts) + "}"
    people, params = _insert_sql(
        Person,
        {
            "constituency_id": str(constituency.pk),
            "first_name": "'Bench'",
            "last_name": "'Caller ' || n",
            "polling_district_id": f"('{district_ids}'::bigint[])[1 + n %% {len(districts)}]",
            "created_at": "now()",
            "updated_at": "now()",
        },
        f"FROM generate_series(1, {PEOPLE}) AS n",
    )
    phones, phone_params = _insert_sql(
        ContactPhone,
        {
            "person_id": "p.id",
            "number": "'+4477' || lpad(p.id::text, 8, '0')",
            "kind": f"'{ContactPhone.Kind.MOBILE}'",
            "created_at": "now()",
            "updated_at": "now()",
        },
        "FROM members_person p WHERE p.first_name = 'Bench'",
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(people, params)
        cursor.execute(phones, phone_params)


def build(stdout):
    from clp.demo import DemoContext
    from clp.roles import RoleCode
    from conftest import make_user
    from members.demo import seed_geography
    from members.models import PollingDistrict
    from phonebank.services.campaigns import (
        campaign_create,
        campaign_status_set,
        default_settings,
    )
    from phonebank.services.queue import queue_build

    ctx = DemoContext(stdout=io.StringIO())
    seed_geography(ctx)
    constituency = ctx.shared["constituency"]
    districts = list(PollingDistrict.objects.filter(constituency=constituency).order_by("pk"))
    started = time.perf_counter()
    _people_insert(constituency, districts)
    stdout.write(
        f"{PEOPLE:,} people with a mobile each inserted in {time.perf_counter() - started:.1f} s\n"
    )
    organiser = make_user(RoleCode.ORGANISER, constituency, email="bench-org@bench.example")
    callers = [
        make_user(RoleCode.CALLER, constituency, email=f"bench-caller{n}@bench.example")
        for n in range(CALLERS)
    ]
    campaign = campaign_create(
        actor=organiser,
        constituency=constituency,
        values=default_settings(name="Bench calls", wards=list(ctx.shared["wards"].values())),
    )
    started = time.perf_counter()
    built = queue_build(actor=organiser, campaign=campaign)
    stdout.write(
        f"queue_build: {built.added:,} people queued in {time.perf_counter() - started:.1f} s\n"
    )
    assert built.added == PEOPLE, built
    campaign_status_set(actor=organiser, campaign=campaign, status="active")
    return campaign, callers


class Phase:
    """Threads handing out contacts for PHASE_SECONDS; what they saw."""

    def __init__(
        self, campaign, callers, now, *, record=False, claim_only=False, seconds=PHASE_SECONDS
    ):
        self.campaign, self.callers, self.now = campaign, callers, now
        self.record, self.claim_only, self.seconds = record, claim_only, seconds
        self.cpu_seconds = 0.0
        self.lock = threading.Lock()
        self.holder = {}  # person id → caller id, while the caller holds them
        self.handed = self.duplicates = 0
        self.queries, self.db_seconds, self.handout_seconds = 0, 0.0, 0.0
        self.errors = []

    def run(self):
        barrier = threading.Barrier(len(self.callers) + 1)
        threads = [threading.Thread(target=self._caller, args=(c, barrier)) for c in self.callers]
        for thread in threads:
            thread.start()
        barrier.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        self.elapsed = time.perf_counter() - started
        return self

    def _caller(self, caller, barrier):
        from members.models import Outcome
        from phonebank.services.calls import CallResult, call_record
        from phonebank.services.queue import contact_hand_out, lease_release

        queries, db_seconds = [0], [0.0]

        def timed(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries[0] += 1
                db_seconds[0] += time.perf_counter() - started

        handed, handout_seconds, my_queries, my_db = 0, 0.0, 0, 0.0
        cpu_started = None
        try:
            connection.ensure_connection()
            barrier.wait()
            cpu_started = time.thread_time()
            stop = time.perf_counter() + self.seconds
            while time.perf_counter() < stop:
                queries[0], db_seconds[0] = 0, 0.0
                started = time.perf_counter()
                with connection.execute_wrapper(timed):
                    if self.claim_only:
                        entry = _bare_claim(self.campaign, caller, self.now)
                    else:
                        entry = contact_hand_out(campaign=self.campaign, user=caller, now=self.now)
                handout_seconds += time.perf_counter() - started
                my_queries += queries[0]
                my_db += db_seconds[0]
                if entry is None:
                    break
                handed += 1
                with self.lock:
                    if entry.person_id in self.holder:
                        self.duplicates += 1
                    self.holder[entry.person_id] = caller.pk
                # Held until here: given back (or done) only after this.
                with self.lock:
                    del self.holder[entry.person_id]
                if self.claim_only:
                    _bare_release(entry, self.now)
                elif self.record:
                    call_record(
                        actor=caller,
                        campaign=self.campaign,
                        lease_id=entry.lease_id,
                        result=CallResult(outcome=Outcome.REFUSED),
                        now=self.now,
                    )
                elif not lease_release(
                    campaign=self.campaign, user=caller, lease_id=entry.lease_id, now=self.now
                ):
                    raise AssertionError(f"lease {entry.lease_id} was not ours to release")
        except Exception as exc:  # noqa: BLE001 - reported with the figures
            with self.lock:
                self.errors.append(repr(exc))
        finally:
            cpu = time.thread_time() - cpu_started if cpu_started is not None else 0.0
            connection.close()
            with self.lock:
                self.cpu_seconds += cpu
                self.handed += handed
                self.queries += my_queries
                self.db_seconds += my_db
                self.handout_seconds += handout_seconds

    def line(self, label):
        per = max(self.handed, 1)
        return (
            f"{label:<34} callers={len(self.callers):>2} handed={self.handed:>6} "
            f"per_s={self.handed / self.elapsed:>7.0f} duplicates={self.duplicates} "
            f"queries/hand-out={self.queries / per:.1f} "
            f"db_ms/hand-out={1000 * self.db_seconds / per:.2f} "
            f"wall_ms/hand-out={1000 * self.handout_seconds / per:.2f} "
            f"python_cpu_ms/cycle={1000 * self.cpu_seconds / per:.2f}"
            + (f" errors={len(self.errors)}: {self.errors[:2]}" if self.errors else "")
            + "\n"
        )


def _bare_claim(campaign, user, now):
    """The hand-out statement alone (what the database does for a hand-out), as an entry."""
    from phonebank.services import queue

    with transaction.atomic():
        entry, _held = queue._hand_out_in_one_statement(campaign, user, now)
    return entry


def _bare_release(entry, now) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE phonebank_queueentry SET state = 'waiting', available_at = %s, "
            "leased_by_id = NULL, lease_id = NULL WHERE id = %s",
            [now, entry.pk],
        )


def _claim_explained(campaign, user, now) -> list[str]:
    """EXPLAIN ANALYZE of the hand-out statement as a caller would run it (rolled back)."""
    from phonebank.services import queue

    params = [
        campaign.pk,
        user.pk,
        now,
        uuid.uuid4(),
        now + datetime.timedelta(minutes=campaign.lease_minutes),
    ]
    queue.hand_out_prepared()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (ANALYZE, BUFFERS) EXECUTE phonebank_hand_out (%s, %s, %s, %s, %s)", params
        )
        plan = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)
    return plan


def _claim_summary(campaign, user, now) -> str:
    """How the claim finds the next in line: the scan, the pages it read, its time."""
    plan = _claim_explained(campaign, user, now)
    scan = next((n for n, row in enumerate(plan) if "queue_next_to_call" in row), None)
    how = "index queue_next_to_call" if scan is not None else "NOT the queue_next_to_call index"
    pages = ""
    if scan is not None:
        pages = next((r.strip() for r in plan[scan : scan + 5] if "Buffers" in r), "")
    took = next((r.strip() for r in plan if r.strip().startswith("Execution Time")), "")
    return f"claim plan: {how}, {pages}, {took}"


def run(stdout) -> None:
    if connection.vendor != "postgresql":
        stdout.write(
            "phonebank_handout needs Postgres (SKIP LOCKED and fifty real connections): "
            "set DATABASE_URL\n"
        )
        return
    campaign, callers = build(stdout)
    now = _calling_time(timezone.now())
    stdout.write(_claim_summary(campaign, callers[0], now) + " (before ANALYZE)\n")
    with pool_of_at_least(CALLERS + 1):
        bare_before = Phase(campaign, callers, now, claim_only=True).run()
        stdout.write(bare_before.line("the statement alone, before ANALYZE"))
        before = Phase(campaign, callers, now).run()
        stdout.write(before.line("release, before ANALYZE"))
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        stdout.write(f"ANALYZE took {time.perf_counter() - started:.1f} s\n")
        stdout.write(_claim_summary(campaign, callers[0], now) + " (after ANALYZE)\n")
        after = Phase(campaign, callers, now).run()
        stdout.write(after.line("release, after ANALYZE"))
        alone = Phase(campaign, callers[:1], now, seconds=5).run()
        stdout.write(alone.line("release, one caller alone"))
        recorded = Phase(campaign, callers, now, record=True).run()
        stdout.write(recorded.line("record a refusal, after ANALYZE"))
        bare = Phase(campaign, callers, now, claim_only=True).run()
        stdout.write(bare.line("the statement alone, after ANALYZE"))
        # Every claim and release leaves a dead row version and index entry at the head of
        # the queue, which each later claim steps over until VACUUM clears them.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'phonebank_queueentry'"
            )
            dead = cursor.fetchone()[0]
            cursor.execute("VACUUM phonebank_queueentry")
        stdout.write(f"VACUUM of the queue ({dead:,} dead row versions)\n")
        stdout.write(_claim_summary(campaign, callers[0], now) + " (after VACUUM)\n")
        vacuumed = Phase(campaign, callers, now, claim_only=True).run()
        stdout.write(vacuumed.line("the statement alone, after VACUUM"))
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    stdout.write(f"machine: {os.cpu_count()} cores, load average {load} (1, 5, 15 min)\n")
    stdout.write("EXPLAIN ANALYZE of the claim now:\n")
    for row in _claim_explained(campaign, callers[0], now):
        stdout.write(f"  {row}\n")
    phases = (bare_before, before, after, alone, recorded, bare, vacuumed)
    duplicates = sum(p.duplicates for p in phases)
    errors = sum(len(p.errors) for p in phases)
    stdout.write(
        f"phonebank_handout callers={CALLERS} handed={after.handed} "
        f"per_s={after.handed / after.elapsed:.0f} duplicates={duplicates}"
        + (f" errors={errors}" if errors else "")
        + "\n"
    )
    stdout.write(f"target: 0 duplicates, >= {TARGET_PER_S} per_s\n")
