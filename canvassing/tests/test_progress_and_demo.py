import os

import pytest
from django.urls import reverse

from canvassing.models import CanvassCampaign, CanvassResult, WalkList
from canvassing.progress import campaign_progress
from canvassing.services.walk_lists import walk_list_checkout
from canvassing.tests.factories import ResultFactory
from clp.demo import DemoContext, _seed_users
from clp.roles import RoleCode
from conftest import make_user

pytestmark = pytest.mark.django_db


def test_progress_by_district_and_canvasser_counts_only_accepted_results(
    users, make_walk_list, client
):
    walk_list = make_walk_list(doors=3, per_door=2)
    electors = [e.elector for e in walk_list.entries.select_related("elector")]
    canvasser = users[RoleCode.CANVASSER]
    common = {"campaign": walk_list.campaign, "walk_list": walk_list, "recorded_by": canvasser}
    ResultFactory(elector=electors[0], outcome="S", intention="LAB", **common)
    ResultFactory(elector=electors[0], outcome="S", intention="LAB", **common)  # a correction
    ResultFactory(elector=electors[1], outcome="NI", **common)
    ResultFactory(elector=electors[2], outcome="S", review_status="pending", **common)
    progress = campaign_progress(walk_list.campaign, user=users[RoleCode.ORGANISER])
    assert progress["districts"] == [
        {"code": "CA", "electors": 6, "done": 2, "spoke": 1, "recent": 2}
    ]
    assert progress["canvassers"][0]["results"] == 3
    assert progress["pending"] == 1
    client.force_login(users[RoleCode.ORGANISER])
    page = client.get(reverse("canvassing:campaign_detail", args=[walk_list.campaign.pk]))
    assert "2 / 6" in page.content.decode()


def test_results_recorded_without_a_walk_list_still_count_in_progress(users, make_walk_list):
    walk_list = make_walk_list(doors=2, per_door=1)
    elector = walk_list.entries.select_related("elector").first().elector
    canvasser = users[RoleCode.CANVASSER]
    ResultFactory(
        campaign=walk_list.campaign, elector=elector, recorded_by=canvasser, outcome="S"
    )  # e.g. typed in from an old paper sheet
    progress = campaign_progress(walk_list.campaign, user=users[RoleCode.ORGANISER])
    assert progress["districts"][0]["done"] == 1
    assert progress["canvassers"][0]["results"] == 1


def test_only_the_board_runner_hands_a_team_list_back(users, make_walk_list, client):
    walk_list = make_walk_list(holder=None)
    castle = users[RoleCode.CANVASSER].role_grants.get().ward
    runner = make_user(RoleCode.CANVASSER, castle, email="runner@test.example")
    walk_list_checkout(
        actor=users[RoleCode.ORGANISER],
        walk_list=walk_list,
        holder=runner,
        team=[users[RoleCode.CANVASSER]],
    )
    url = reverse("canvassing:walk_list_return", args=[walk_list.pk])
    client.force_login(users[RoleCode.CANVASSER])
    client.post(url)
    walk_list.refresh_from_db()
    assert walk_list.checked_out_to == runner
    client.force_login(runner)
    client.post(url)
    walk_list.refresh_from_db()
    assert walk_list.checked_out_to is None


def test_demo_gives_the_canvasser_walk_lists_and_past_results_and_is_idempotent(geography):
    from canvassing.demo import seed_canvassing

    ctx = DemoContext(stdout=open(os.devnull, "w"), password="pw-for-tests", shared=geography)  # noqa: SIM115
    _seed_users(ctx)
    seed_canvassing(ctx)
    counts = (
        CanvassCampaign.objects.count(),
        WalkList.objects.count(),
        CanvassResult.objects.count(),
    )
    assert WalkList.objects.filter(checked_out_to__email="canvasser@demo.example").count() == 2
    assert counts[2] >= 200
    seed_canvassing(ctx)
    assert counts == (
        CanvassCampaign.objects.count(),
        WalkList.objects.count(),
        CanvassResult.objects.count(),
    )
