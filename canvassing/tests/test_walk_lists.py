import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from canvassing.models import WalkList, WalkListEntry
from canvassing.services.campaigns import target_create
from canvassing.services.walk_lists import (
    WalkListTaken,
    walk_list_checkout,
    walk_list_join,
    walk_list_return,
    walk_lists_cut,
)
from canvassing.tests.factories import ElectorFactory, PropertyFactory, StreetFactory, household
from clp.roles import RoleCode
from conftest import make_user
from members.walk_order import walk_order_key

pytestmark = pytest.mark.django_db


def _addresses(walk_list):
    return [
        (e.elector.property.street.name, e.elector.property.house_number, e.elector.property.flat)
        for e in WalkListEntry.objects.filter(walk_list=walk_list)
        .select_related("elector__property__street")
        .order_by("position")
    ]


def test_walk_list_goes_up_the_odd_side_and_back_down_the_even_side(
    users, campaign, castle_a, geography
):
    constituency = geography["constituency"]
    high = StreetFactory(constituency=constituency, name="High Street")
    acre = StreetFactory(constituency=constituency, name="Acre Lane")
    for number in [4, 1, 2, 5, 3]:
        household(high, number, pd=castle_a)
    household(acre, 7, pd=castle_a)
    for flat in ["Flat 2", "Flat 1"]:
        prop = PropertyFactory(street=high, constituency=constituency, house_number=6, flat=flat)
        ElectorFactory(property=prop)
    target = target_create(
        actor=users[RoleCode.ORGANISER], campaign=campaign, name="All", filters={}
    )
    (walk_list,) = walk_lists_cut(
        actor=users[RoleCode.ORGANISER], target=target, polling_district=castle_a, size=100
    )
    assert _addresses(walk_list) == [
        ("Acre Lane", 7, ""),
        ("High Street", 1, ""),
        ("High Street", 3, ""),
        ("High Street", 5, ""),
        ("High Street", 6, "Flat 1"),
        ("High Street", 6, "Flat 2"),
        ("High Street", 4, ""),
        ("High Street", 2, ""),
    ]


def test_lists_are_cut_to_size_without_splitting_a_household(users, campaign, castle_a):
    street = StreetFactory(constituency=campaign.constituency, name="Mill Road")
    for number in range(1, 8):
        household(street, number, size=2, pd=castle_a)  # 7 doors × 2 electors
    target = target_create(
        actor=users[RoleCode.ORGANISER], campaign=campaign, name="Mill Road", filters={}
    )
    lists = walk_lists_cut(
        actor=users[RoleCode.ORGANISER], target=target, polling_district=castle_a, size=5
    )
    sizes = [wl.entries.count() for wl in lists]
    assert sizes == [4, 4, 4, 2]
    for wl in lists:
        properties = {e.elector.property_id for e in wl.entries.select_related("elector")}
        assert len(properties) * 2 == wl.entries.count()  # whole households only
    # Cutting again finds nobody new: the same doors are not put on two lists.
    assert (
        walk_lists_cut(
            actor=users[RoleCode.ORGANISER], target=target, polling_district=castle_a, size=5
        )
        == []
    )
    assert len({wl.join_code for wl in lists}) == 4


def test_cut_only_the_chosen_streets(users, campaign, castle_a):
    keep = StreetFactory(constituency=campaign.constituency, name="Keep Street")
    skip = StreetFactory(constituency=campaign.constituency, name="Skip Street")
    household(keep, 1, pd=castle_a)
    household(skip, 1, pd=castle_a)
    target = target_create(actor=users[RoleCode.ORGANISER], campaign=campaign, name="t", filters={})
    (walk_list,) = walk_lists_cut(
        actor=users[RoleCode.ORGANISER],
        target=target,
        polling_district=castle_a,
        streets=[keep],
        size=50,
    )
    assert [a[0] for a in _addresses(walk_list)] == ["Keep Street"]


def test_a_checked_out_list_is_not_handed_to_another_until_returned(users, make_walk_list):
    walk_list = make_walk_list()  # checked out to the canvasser
    castle = users[RoleCode.CANVASSER].role_grants.get().ward
    other = make_user(RoleCode.CANVASSER, castle, email="other@test.example")
    with pytest.raises(WalkListTaken):
        walk_list_checkout(actor=users[RoleCode.ORGANISER], walk_list=walk_list, holder=other)
    with pytest.raises(WalkListTaken):
        walk_list_join(actor=other, code=walk_list.join_code)
    walk_list_return(actor=users[RoleCode.CANVASSER], walk_list=walk_list)
    joined = walk_list_join(actor=other, code=walk_list.join_code.lower())
    assert joined.pk == walk_list.pk
    walk_list.refresh_from_db()
    assert walk_list.checked_out_to == other


def test_an_expired_lease_frees_the_list(users, make_walk_list, client):
    walk_list = make_walk_list()
    WalkList.objects.filter(pk=walk_list.pk).update(
        lease_expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    walk_list.assignments.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    # The first canvasser can no longer open it...
    client.force_login(users[RoleCode.CANVASSER])
    assert client.get(reverse("canvassing:doorstep", args=[walk_list.pk])).status_code == 404
    # ...and someone else may take it.
    castle = users[RoleCode.CANVASSER].role_grants.get().ward
    other = make_user(RoleCode.CANVASSER, castle, email="other@test.example")
    walk_list_join(actor=other, code=walk_list.join_code)
    client.force_login(other)
    assert client.get(reverse("canvassing:doorstep", args=[walk_list.pk])).status_code == 200


def test_a_team_with_a_board_runner_all_see_the_list(users, make_walk_list, client):
    walk_list = make_walk_list(holder=None)
    castle = users[RoleCode.CANVASSER].role_grants.get().ward
    runner = make_user(RoleCode.CANVASSER, castle, email="runner@test.example")
    walk_list_checkout(
        actor=users[RoleCode.ORGANISER],
        walk_list=walk_list,
        holder=runner,
        team=[users[RoleCode.CANVASSER]],
    )
    assert walk_list.assignments.get(user=runner).is_board_runner
    for member in (runner, users[RoleCode.CANVASSER]):
        client.force_login(member)
        assert client.get(reverse("canvassing:doorstep", args=[walk_list.pk])).status_code == 200


def test_canvasser_cannot_open_another_canvassers_list_by_url(users, make_walk_list, client):
    castle = users[RoleCode.CANVASSER].role_grants.get().ward
    other = make_user(RoleCode.CANVASSER, castle, email="other@test.example")
    walk_list = make_walk_list(holder=None)
    walk_list_checkout(actor=users[RoleCode.ORGANISER], walk_list=walk_list, holder=other)
    client.force_login(users[RoleCode.CANVASSER])
    assert client.get(reverse("canvassing:doorstep", args=[walk_list.pk])).status_code == 404
    assert (
        client.get(reverse("canvassing:walk_list_detail", args=[walk_list.pk])).status_code == 403
    )
    assert client.get(reverse("canvassing:walk_sheet_pdf", args=[walk_list.pk])).status_code == 403
    page = client.get(reverse("canvassing:my_walk_lists")).content.decode()
    assert walk_list.name not in page


def test_area_organiser_cannot_see_lists_outside_their_ward(users, campaign, geography, client):
    from members.models import PollingDistrict

    riverside = PollingDistrict.objects.get(code="RA")
    street = StreetFactory(constituency=campaign.constituency, name="River Walk")
    household(street, 1, pd=riverside)
    target = target_create(actor=users[RoleCode.ORGANISER], campaign=campaign, name="r", filters={})
    (walk_list,) = walk_lists_cut(
        actor=users[RoleCode.ORGANISER], target=target, polling_district=riverside, size=50
    )
    client.force_login(users[RoleCode.AREA_ORGANISER])
    assert (
        client.get(reverse("canvassing:walk_list_detail", args=[walk_list.pk])).status_code == 404
    )


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_checkouts_only_one_wins(geography):
    import threading

    from django.db import connection

    from canvassing.tests.factories import CampaignFactory

    castle = geography["wards"]["Castle"]
    organiser = make_user(RoleCode.ORGANISER, geography["constituency"], email="o@test.example")
    a = make_user(RoleCode.CANVASSER, castle, email="a@test.example")
    b = make_user(RoleCode.CANVASSER, castle, email="b@test.example")
    campaign = CampaignFactory(constituency=geography["constituency"])
    from members.models import PollingDistrict

    walk_list = WalkList.objects.create(
        campaign=campaign,
        polling_district=PollingDistrict.objects.get(code="CA"),
        name="race",
        join_code="RACE42",
    )
    barrier = threading.Barrier(2)
    outcomes = {}

    def take(user):
        try:
            barrier.wait()
            walk_list_checkout(actor=organiser, walk_list=walk_list, holder=user)
            outcomes[user.email] = "won"
        except WalkListTaken:
            outcomes[user.email] = "lost"
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(u,)) for u in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()) == ["lost", "won"]
    walk_list.refresh_from_db()
    winner = a if outcomes[a.email] == "won" else b
    assert walk_list.checked_out_to == winner
    assert list(walk_list.assignments.values_list("user", flat=True)) == [winner.pk]


def test_canvasser_scans_the_sheets_qr_code_and_lands_on_the_first_door(
    client, users, make_walk_list
):
    walk_list = make_walk_list(holder=None)
    client.force_login(users[RoleCode.CANVASSER])
    url = reverse("canvassing:join_code", args=[walk_list.join_code])
    assert "Take this walk list" in client.get(url).content.decode()
    response = client.post(url)
    assert response.url == reverse("canvassing:doorstep", args=[walk_list.pk])
    assert client.get(response.url).status_code == 200


def test_a_wrong_join_code_says_so(client, users, make_walk_list):
    make_walk_list(holder=None)
    client.force_login(users[RoleCode.CANVASSER])
    response = client.post(reverse("canvassing:join"), {"code": "ZZZZZZ"}, follow=True)
    assert "No walk list in your area has that code" in response.content.decode()


def test_organiser_hands_a_list_to_a_canvasser_and_takes_it_back(client, users, make_walk_list):
    walk_list = make_walk_list(holder=None)
    canvasser = users[RoleCode.CANVASSER]
    client.force_login(users[RoleCode.AREA_ORGANISER])
    detail = reverse("canvassing:walk_list_detail", args=[walk_list.pk])
    page = client.get(detail).content.decode()
    assert walk_list.join_code in page and "<svg" in page
    client.post(
        reverse("canvassing:walk_list_assign", args=[walk_list.pk]),
        {"canvasser": canvasser.pk, "hours": 4},
    )
    walk_list.refresh_from_db()
    assert walk_list.checked_out_to == canvasser
    assert 3.9 < (walk_list.lease_expires_at - timezone.now()).total_seconds() / 3600 <= 4
    assert "Test canvasser" in client.get(detail).content.decode()
    client.post(reverse("canvassing:walk_list_take_back", args=[walk_list.pk]))
    walk_list.refresh_from_db()
    assert walk_list.checked_out_to is None
    client.force_login(canvasser)
    assert client.get(reverse("canvassing:doorstep", args=[walk_list.pk])).status_code == 404


def test_canvassers_home_page_links_straight_to_their_list(client, users, make_walk_list):
    walk_list = make_walk_list()
    client.force_login(users[RoleCode.CANVASSER])
    page = client.get(reverse("home")).content.decode()
    assert reverse("canvassing:doorstep", args=[walk_list.pk]) in page
    assert "No walk list is assigned to you yet" not in page


def test_walk_order_uses_the_address_when_no_street_is_linked():
    from members.models import Property

    def prop(lines, number, flat=""):
        return Property(address_lines=lines, house_number=number, flat=flat)

    doors = [
        prop(["Flat 2", "10 Oak Road"], 10, "Flat 2"),
        prop(["3 Oak Road"], 3),
        prop(["Flat 1", "10 Oak Road"], 10, "Flat 1"),
        prop(["1 Ash Grove"], 1),
    ]
    ordered = sorted(doors, key=walk_order_key)
    assert [(p.address_lines[-1], p.flat) for p in ordered] == [
        ("1 Ash Grove", ""),
        ("3 Oak Road", ""),
        ("10 Oak Road", "Flat 1"),
        ("10 Oak Road", "Flat 2"),
    ]


def _cut_page(client, target, district, htmx=False):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.get(
        reverse("canvassing:target_detail", args=[target.pk]),
        {"polling_district": district.pk},
        **headers,
    ).content.decode()


def test_cutting_offers_only_the_streets_of_the_chosen_district(client, users, campaign):
    from members.models import PollingDistrict

    castle_a = PollingDistrict.objects.get(code="CA")
    castle_b = PollingDistrict.objects.get(code="CB")
    household(StreetFactory(constituency=campaign.constituency, name="Alder Way"), 1, pd=castle_a)
    household(StreetFactory(constituency=campaign.constituency, name="Birch Way"), 1, pd=castle_b)
    target = target_create(
        actor=users[RoleCode.ORGANISER], campaign=campaign, name="All", filters={}
    )
    client.force_login(users[RoleCode.ORGANISER])
    fragment = _cut_page(client, target, castle_a, htmx=True)  # the district select changed
    assert "Alder Way" in fragment and "Birch Way" not in fragment
    page = _cut_page(client, target, castle_b)
    assert "Birch Way" in page and "Alder Way" not in page
    # A street of another district is refused, not silently cut.
    response = client.post(
        reverse("canvassing:walk_lists_cut", args=[target.pk]),
        {"polling_district": castle_b.pk, "streets": ["alder way"], "size": 50},
    )
    assert response.status_code == 400
    assert not WalkList.objects.exists()


def test_near_identical_street_names_are_offered_once_and_cut_together(
    client, users, campaign, castle_a
):
    one = StreetFactory(constituency=campaign.constituency, name="St Mary's Rd")
    two = StreetFactory(constituency=campaign.constituency, name="ST MARYS ROAD")
    household(one, 1, pd=castle_a)
    household(two, 3, pd=castle_a)
    household(StreetFactory(constituency=campaign.constituency, name="Mary Street"), 5, pd=castle_a)
    target = target_create(
        actor=users[RoleCode.ORGANISER], campaign=campaign, name="All", filters={}
    )
    client.force_login(users[RoleCode.ORGANISER])
    page = _cut_page(client, target, castle_a, htmx=True)
    assert page.count("Mary&#x27;s Rd") + page.count("MARYS ROAD") == 1
    assert "Mary Street" in page
    client.post(
        reverse("canvassing:walk_lists_cut", args=[target.pk]),
        {"polling_district": castle_a.pk, "streets": ["saint marys road"], "size": 50},
    )
    (walk_list,) = WalkList.objects.all()
    assert {e.elector.property.street_id for e in walk_list.entries.all()} == {one.pk, two.pk}


def test_walk_list_names_include_the_campaign(users, campaign, castle_a):
    street = StreetFactory(constituency=campaign.constituency, name="Named Road")
    household(street, 1, pd=castle_a)
    target = target_create(
        actor=users[RoleCode.ORGANISER], campaign=campaign, name="All", filters={}
    )
    (walk_list,) = walk_lists_cut(
        actor=users[RoleCode.ORGANISER], target=target, polling_district=castle_a, size=50
    )
    assert walk_list.name == f"{campaign.name} · CA 1: Named Road"
