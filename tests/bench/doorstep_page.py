"""Doorstep walk-list page (DESIGN.md: constant number of queries whatever the list's length).

Builds walk lists of 10, 100 and 500 electors through the real services, then for each prints
the queries one page view makes, its server time (median of 20 views) and what a phone
downloads (HTML + CSS + JS, raw and gzipped).
"""

import gzip
import io
import statistics
import time

from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.urls import reverse

SIZES = (10, 100, 500)
ASSETS = ("css/app.css", "canvassing/doorstep.css", "canvassing/doorstep.js")


def run(stdout) -> None:
    from canvassing.services.campaigns import target_create
    from canvassing.services.walk_lists import walk_list_checkout, walk_lists_cut
    from canvassing.tests.factories import CampaignFactory, StreetFactory, household
    from clp.demo import DemoContext
    from clp.roles import RoleCode
    from conftest import make_user
    from members.demo import seed_geography
    from members.models import PollingDistrict

    ctx = DemoContext(stdout=io.StringIO())
    seed_geography(ctx)
    constituency = ctx.shared["constituency"]
    district = PollingDistrict.objects.get(constituency=constituency, code="CA")
    organiser = make_user(RoleCode.ORGANISER, constituency, email="bench-org@bench.example")
    canvasser = make_user(RoleCode.CANVASSER, district, email="bench-can@bench.example")
    campaign = CampaignFactory(constituency=constituency, name="Bench campaign")

    client = Client(SERVER_NAME="localhost")
    client.force_login(canvasser)
    asset_bytes = [open(finders.find(path), "rb").read() for path in ASSETS]  # noqa: SIM115
    figures = {}
    queries = []

    def count_query(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    for size in SIZES:
        street = StreetFactory(constituency=constituency, name=f"Bench Road {size}")
        for number in range(1, size // 2 + 1):
            household(street, number, size=2, pd=district)
        target = target_create(
            actor=organiser,
            campaign=campaign,
            name=f"Bench {size}",
            filters={"polling_districts": [district.pk]},
        )
        (walk_list,) = walk_lists_cut(
            actor=organiser,
            target=target,
            polling_district=district,
            streets=[street],
            size=100_000,
        )
        walk_list_checkout(actor=organiser, walk_list=walk_list, holder=canvasser)
        url = reverse("canvassing:doorstep", args=[walk_list.pk])
        client.get(url)  # warm caches and the session
        queries.clear()
        with connection.execute_wrapper(count_query):
            response = client.get(url)
        html = response.content
        assert response.status_code == 200, response.status_code
        times = []
        for _ in range(20):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        parts = [html, *asset_bytes]
        figures[size] = {
            "queries": len(queries),
            "ms": statistics.median(times),
            "raw": sum(len(p) for p in parts),
            "gzip": sum(len(gzip.compress(p)) for p in parts),
        }
        f = figures[size]
        stdout.write(
            f"{size:>4} electors: {f['queries']} queries, {f['ms']:.1f} ms server time (median), "
            f"page + assets {f['raw'] / 1024:.1f} KB raw, {f['gzip'] / 1024:.1f} KB gzipped\n"
        )
    constant = len({f["queries"] for f in figures.values()}) == 1
    hundred = figures[100]
    stdout.write(
        f"doorstep_page queries_10={figures[10]['queries']} queries_100={hundred['queries']} "
        f"queries_500={figures[500]['queries']} constant={'yes' if constant else 'no'} "
        f"kb_raw_100={hundred['raw'] / 1024:.1f} kb_gzip_100={hundred['gzip'] / 1024:.1f} "
        f"ms_100={hundred['ms']:.1f}\n"
    )
