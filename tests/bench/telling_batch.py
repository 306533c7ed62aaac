"""Tellers' numbers (DESIGN.md: a batch of 500 elector numbers applied in one round trip,
under 200 ms server time).

Builds an election today with Castle School's two districts holding 12,000 electors between
them, ANALYZE, then a teller's phone posts batches of 500 distinct numbers (typed in the forms
tellers use: CA123, 123, CB-45, cb 67/0) through the real sync view (Django's test client: the
whole request, middleware and all, in this process). Each round uses fresh numbers; each batch
is then replayed (all duplicates, as when a phone's answer is lost). Prints the queries per
request and the server time per round, then the lines
`telling_batch numbers=500 server_ms=N target=200` (median, with the range) and
`telling_batch_replay numbers=500 server_ms=N`.
"""

import datetime
import io
import json
import statistics
import time
import uuid

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

PER_DISTRICT = 6_000
BATCH = 500
ROUNDS = 5
TARGET_MS = 200


def _electors(district, edition, count) -> None:
    from members.models import Elector, Person

    people = Person.objects.bulk_create(
        [
            Person(
                constituency_id=district.constituency_id,
                first_name=f"Bench{n}",
                last_name=f"Teller{n % 97}",
                polling_district=district,
            )
            for n in range(1, count + 1)
        ],
        batch_size=2_000,
    )
    Elector.objects.bulk_create(
        [
            Elector(
                constituency_id=district.constituency_id,
                polling_district=district,
                number=n,
                edition=edition,
                person=person,
                surname=person.last_name,
                forenames=person.first_name,
            )
            for n, person in enumerate(people, start=1)
        ],
        batch_size=2_000,
    )


def _typed(n: int) -> tuple[str, str]:
    """The n-th number of a batch as a teller might type it, and the district chosen."""
    return [
        (f"CA{n}", "CA"),
        (str(n), "CA"),
        (f"CB-{n}", "CA"),
        (f"cb {n}/0", "CB"),
    ][n % 4]


def run(stdout) -> None:
    from clp.demo import DemoContext
    from clp.roles import RoleCode
    from conftest import make_user
    from members.demo import seed_geography
    from members.models import RegisterEdition
    from pollingday.models import Telling
    from pollingday.tests.factories import election_today

    ctx = DemoContext(stdout=io.StringIO())
    seed_geography(ctx)
    world = election_today(ctx.shared, name="Bench election")
    world.election.opens_at = datetime.time(0, 0)  # whenever the benchmark runs
    world.election.closes_at = datetime.time(23, 59)
    world.election.save(update_fields=["opens_at", "closes_at"])
    edition = RegisterEdition.objects.create(
        constituency=ctx.shared["constituency"],
        label="Bench register",
        published_on=datetime.date(2026, 12, 1),
    )
    started = time.perf_counter()
    for code in ("CA", "CB"):
        _electors(world.districts[code], edition, PER_DISTRICT)
    stdout.write(
        f"built {2 * PER_DISTRICT} electors at Castle School in "
        f"{time.perf_counter() - started:.1f} s\n"
    )
    teller = make_user(RoleCode.TELLER, world.districts["CA"], email="bench-teller@bench.example")
    station = world.stations["Castle School"]
    url = reverse("pollingday:tell_sync", args=[world.election.pk, station.pk])
    client = Client(SERVER_NAME="localhost")
    client.force_login(teller)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    def post(entries):
        body = json.dumps({"entries": entries})
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = client.post(url, body, content_type="application/json")
            ms = (time.perf_counter() - began) * 1000
        assert response.status_code == 200, response.status_code
        return response.json(), ms, len(queries)

    # Warm the session, the URL resolver and the first query plans with one small batch.
    post([{"id": str(uuid.uuid4()), "text": f"CA{PER_DISTRICT}", "district": "CA"}])
    fresh, replayed = [], []
    for r in range(ROUNDS):
        told = timezone.now().isoformat()
        entries = []
        for i in range(BATCH):
            text, district = _typed(r * BATCH + i + 1)
            entries.append(
                {
                    "id": str(uuid.uuid4()),
                    "text": text,
                    "district": district,
                    "told_at": told,
                    "by": teller.pk,
                }
            )
        data, ms, queries = post(entries)
        assert len(data["accepted"]) == BATCH, (len(data["accepted"]), data["rejected"][:3])
        again, replay_ms, replay_queries = post(entries)
        assert len(again["duplicates"]) == BATCH and not again["accepted"]
        fresh.append(ms)
        replayed.append(replay_ms)
        stdout.write(
            f"round {r + 1}: {BATCH} new numbers {ms:.1f} ms ({queries} queries); "
            f"replayed {replay_ms:.1f} ms ({replay_queries} queries)\n"
        )
    stored = Telling.objects.filter(election=world.election).count()
    assert stored == ROUNDS * BATCH + 1, stored
    median = statistics.median(fresh)
    stdout.write(
        f"telling_batch numbers={BATCH} server_ms={median:.0f} target={TARGET_MS} "
        f"range={min(fresh):.0f}-{max(fresh):.0f} rounds={ROUNDS} electors={2 * PER_DISTRICT} "
        f"{'ok' if median < TARGET_MS else 'SLOW'}\n"
    )
    stdout.write(
        f"telling_batch_replay numbers={BATCH} server_ms={statistics.median(replayed):.0f} "
        f"range={min(replayed):.0f}-{max(replayed):.0f} (all duplicates)\n"
    )
