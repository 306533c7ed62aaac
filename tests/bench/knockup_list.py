"""Knock-up at a real size (issue 12, Speed): a 3,000-elector district, 40% of them promises,
20% of electors voted (tellers' numbers), on Postgres after ANALYZE.

Measures, each beside a 100-elector district with the same shares so that the query counts can
be compared: the runner's page for a 40-door list, the "who has voted" feed it polls, the
organiser's knock-up lists page, and cutting the whole district into 40-door lists. Prints
`knockup_list ... server_ms=N queries=Q` per measure and whether the queries are constant.
"""

import datetime
import io
import statistics
import time
import uuid

from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

BIG, SMALL = 3000, 100
REPEATS = 20


def _district(world, code, size, edition):
    """`size` electors, two to a house, 100 houses a street; 2 in 5 promises (Labour, 5);
    1 in 5 told as voted (half of them promises)."""
    from members.models import (
        Channel,
        Contact,
        Elector,
        Intention,
        Outcome,
        Person,
        Property,
        Street,
    )
    from members.services.contacts import summaries_refresh
    from pollingday.models import Telling

    district = world.districts[code]
    constituency = district.constituency
    houses = size // 2
    streets = [
        Street.objects.create(constituency=constituency, name=f"{code} Road {n}", town="Bench")
        for n in range(houses // 100 + 1)
    ]
    props = Property.objects.bulk_create(
        Property(
            constituency=constituency,
            polling_district=district,
            street=streets[h // 100],
            address_key=f"{code}-{h}",
            address_lines=[f"{h % 100 + 1} {streets[h // 100].name}"],
            house_number=h % 100 + 1,
        )
        for h in range(houses)
    )
    people = Person.objects.bulk_create(
        Person(
            constituency=constituency,
            first_name=f"Voter{i}",
            last_name="Bench",
            property=props[i // 2],
            polling_district=district,
        )
        for i in range(size)
    )
    electors = Elector.objects.bulk_create(
        Elector(
            constituency=constituency,
            polling_district=district,
            number=i + 1,
            edition=edition,
            person=people[i],
            property=props[i // 2],
            surname="Bench",
            forenames=f"Voter{i}",
        )
        for i in range(size)
    )
    now = timezone.now()
    Contact.objects.bulk_create(
        Contact(
            person_id=people[i].pk,
            contacted_at=now - datetime.timedelta(days=5),
            channel=Channel.DOORSTEP,
            outcome=Outcome.SPOKE,
            intention=Intention.LABOUR,
            strength=5,
            source="bench.promise",
            source_id=str(uuid.uuid4()),
        )
        for i in range(size)
        if i % 5 in (0, 1)
    )
    summaries_refresh([p.pk for p in people])
    station = district.polling_station
    Telling.objects.bulk_create(
        Telling(
            election=world.election,
            polling_station=station,
            polling_district=district,
            elector=electors[i],
            person=people[i],
            told_at=now - datetime.timedelta(minutes=i % 300),
            received_at=now,
        )
        for i in range(size)
        if i % 10 in (0, 3)
    )
    return district


def _measure(client, method, url, data=None, repeats=REPEATS, before=None):
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    call = getattr(client, method)
    if before:
        before()
    with connection.execute_wrapper(count):
        response = call(url, data or {})
    assert response.status_code in (200, 302), (url, response.status_code)
    times = []
    for _ in range(repeats):
        if before:
            before()
        started = time.perf_counter()
        call(url, data or {})
        times.append((time.perf_counter() - started) * 1000)
    return len(queries), statistics.median(times)


def run(stdout) -> None:
    from clp.demo import DemoContext
    from clp.roles import RoleCode
    from conftest import make_user
    from members.demo import seed_geography
    from members.models import RegisterEdition
    from pollingday.models import KnockUpList
    from pollingday.services.knockup import knockup_list_hand_out
    from pollingday.tests.factories import election_today

    ctx = DemoContext(stdout=io.StringIO())
    seed_geography(ctx)
    world = election_today(ctx.shared, name="Bench election")
    constituency = ctx.shared["constituency"]
    edition = RegisterEdition.objects.create(
        constituency=constituency, label="Bench register", published_on=datetime.date(2026, 12, 1)
    )
    started = time.perf_counter()
    big = _district(world, "CA", BIG, edition)
    small = _district(world, "CB", SMALL, edition)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    stdout.write(f"built {BIG + SMALL} electors in {time.perf_counter() - started:.1f} s\n")
    organiser = make_user(RoleCode.ORGANISER, constituency, email="bench-org@bench.example")
    runner = make_user(RoleCode.MEMBER, constituency, email="bench-run@bench.example")
    org = Client(SERVER_NAME="localhost")
    org.force_login(organiser)
    run_client = Client(SERVER_NAME="localhost")
    run_client.force_login(runner)

    results = {}

    def report(what, size, queries, ms, extra=""):
        results.setdefault(what, {})[size] = queries
        stdout.write(
            f"knockup_list what={what} electors={size} voted=20% server_ms={ms:.1f} "
            f"queries={queries}{extra}\n"
        )

    # Cutting the whole district (each cut a new round; the round before is taken back).
    cut_url = reverse("pollingday:knockup_cut", args=[world.election.pk])
    for size, district in ((SMALL, small), (BIG, big)):
        data = {"polling_district": district.pk, "doors": 40}
        queries, ms = _measure(org, "post", cut_url, data, repeats=5)
        lists = KnockUpList.objects.filter(polling_district=district).order_by("-round", "pk")
        latest = lists.first().round
        n_lists = lists.filter(round=latest).count()
        report("cut", size, queries, ms, f" lists={n_lists}")

    # The runner's page and the voted feed for a 40-door list (the first of the last round).
    for size, district in ((SMALL, small), (BIG, big)):
        first = KnockUpList.objects.filter(polling_district=district).order_by("-round", "pk")[0]
        knockup_list_hand_out(actor=organiser, knock_up_list=first, runner=runner)
        doors = first.entries.values("elector__property_id").distinct().count()
        queries, ms = _measure(
            run_client, "get", reverse("pollingday:knockup_run", args=[first.pk])
        )
        report("runner_page", size, queries, ms, f" doors={doors} entries={first.entries.count()}")
        queries, ms = _measure(
            run_client, "get", reverse("pollingday:knockup_voted", args=[first.pk])
        )
        report("voted_feed", size, queries, ms)
        # The printed sheet: WeasyPrint's rendering of the 40 doors is most of its time.
        queries, ms = _measure(org, "get", reverse("pollingday:knockup_pdf", args=[first.pk]))
        report("sheet_pdf", size, queries, ms)

    # The organiser's lists page: with the small district's lists only (the big district's
    # deleted inside a transaction that is rolled back), then with both.
    from django.db import transaction

    lists_url = reverse("pollingday:knockup_lists", args=[world.election.pk])
    with transaction.atomic():
        KnockUpList.objects.filter(polling_district=big).delete()
        queries, ms = _measure(org, "get", lists_url)
        report("lists_page", SMALL, queries, ms, f" lists={KnockUpList.objects.count()}")
        transaction.set_rollback(True)
    queries, ms = _measure(org, "get", lists_url)
    report("lists_page", BIG, queries, ms, f" lists={KnockUpList.objects.count()}")

    # The promise list (one district's first page) and a committee room's board.
    from pollingday.models import CommitteeRoom

    for size, district in ((SMALL, small), (BIG, big)):
        url = reverse("pollingday:promises", args=[world.election.pk])
        queries, ms = _measure(org, "get", url, {"district": district.code})
        report("promises_page", size, queries, ms)
        room = CommitteeRoom.objects.create(election=world.election, name=f"Room {district.code}")
        room.polling_districts.set([district])
        url = reverse("pollingday:committee_room_board", args=[world.election.pk, room.pk])
        queries, ms = _measure(org, "get", url)
        report("room_board", size, queries, ms)

    constant = all(len(set(by_size.values())) == 1 for by_size in results.values())
    stdout.write(
        "knockup_list constant_queries="
        + ("yes" if constant else "no")
        + " "
        + " ".join(f"{what}={by_size[SMALL]}/{by_size[BIG]}" for what, by_size in results.items())
        + "\n"
    )
