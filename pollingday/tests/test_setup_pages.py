"""Polling day in the menu and on the home page, the rota's query count, and the demo."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clp.access import forget_cached_grants
from clp.demo import DemoContext, _seed_users, demo_email
from clp.models import AuditEntry, User
from clp.navigation import navigation_for
from clp.roles import RoleCode
from members.models import Election, PollingStation
from pollingday.access import teller_stations
from pollingday.demo import ELECTION, seed_pollingday
from pollingday.models import CommitteeRoom, Shift, ShiftSignup
from pollingday.services.setup import shift_signup_cancel, shift_signup_create

pytestmark = pytest.mark.django_db


def _labels(user):
    forget_cached_grants(user)
    return [item.label for item in navigation_for(user)]


def _teller_shift(world, station="Castle School", start=7, end=10, wanted=2, election=None):
    election = election or world.election
    return Shift.objects.create(
        election=election,
        kind="teller",
        polling_station=world.stations[station],
        starts_at=election.on_polling_day(datetime.time(start)),
        ends_at=election.on_polling_day(datetime.time(end)),
        wanted=wanted,
    )


def test_the_menu_offers_polling_day_to_organisers_shifts_to_all_and_telling_to_tellers(
    users, world
):
    organiser = _labels(users[RoleCode.ORGANISER])
    assert "Polling day" in organiser and "My shifts" in organiser and "Tell" not in organiser
    assert "Polling day" in _labels(users[RoleCode.AREA_ORGANISER])
    teller = _labels(users[RoleCode.TELLER])
    assert "Tell" in teller and "My shifts" in teller and "Polling day" not in teller
    member = users[RoleCode.MEMBER]
    assert "My shifts" in _labels(member) and "Tell" not in _labels(member)
    nobody = User.objects.create_user(email="norole@test.example", password="x")
    assert "My shifts" not in _labels(nobody)


def test_a_teller_shift_today_puts_tell_on_a_volunteers_home_page(client_for, users, world):
    member = users[RoleCode.MEMBER]
    client = client_for(RoleCode.MEMBER)
    tomorrow = Election.objects.create(
        constituency=world.election.constituency,
        name="Tomorrow",
        kind="local",
        polls_on=timezone.localdate() + datetime.timedelta(days=1),
    )
    shift_signup_create(actor=member, shift=_teller_shift(world, election=tomorrow), user=member)
    assert "Tell at my station" not in client.get(reverse("home")).content.decode()
    today = _teller_shift(world)
    shift_signup_create(actor=member, shift=today, user=member)
    assert "Tell at my station" in client.get(reverse("home")).content.decode()
    shift_signup_cancel(actor=member, shift=today, user=member)
    assert "Tell at my station" not in client.get(reverse("home")).content.decode()
    assert "Tell" not in _labels(member)  # the menu asks nothing of the database


def test_the_menu_asks_nothing_about_telling_shifts_on_a_volunteers_pages(client_for, world):
    client = client_for(RoleCode.CANVASSER)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("canvassing:my_walk_lists"))
    assert not [q for q in queries.captured_queries if "pollingday_shiftsignup" in q["sql"]]


def test_home_shows_the_next_election_to_organisers_and_shifts_to_volunteers(
    client_for, users, world
):
    shift = _teller_shift(world, station="St Mary's Hall", start=13, end=16)
    html = client_for(RoleCode.ORGANISER).get(reverse("home")).content.decode()
    assert "Next: " in html and "General election" in html
    client = client_for(RoleCode.MEMBER)
    assert "Sign up for a shift" in client.get(reverse("home")).content.decode()
    ShiftSignup.objects.create(shift=shift, user=users[RoleCode.MEMBER])
    html = client.get(reverse("home")).content.decode()
    assert "13:00–16:00" in html and "St Mary&#x27;s Hall" in html
    assert "Tell at my station" in html  # a telling shift today
    assert "Tell at my station" in client_for(RoleCode.TELLER).get(reverse("home")).content.decode()


def test_home_links_a_runner_to_the_knock_up_lists_handed_to_them(client_for, users, world):
    from pollingday.services.knockup import knockup_list_hand_out, knockup_lists_cut
    from pollingday.tests.factories import LABOUR, add_electors

    add_electors(world.districts["CA"], 3, intention=LABOUR, strength=5)
    (knock_up_list,) = knockup_lists_cut(
        actor=users[RoleCode.ORGANISER],
        election=world.election,
        polling_district=world.districts["CA"],
    )
    client = client_for(RoleCode.CANVASSER)
    assert knock_up_list.name not in client.get(reverse("home")).content.decode()
    knockup_list_hand_out(
        actor=users[RoleCode.ORGANISER],
        knock_up_list=knock_up_list,
        runner=users[RoleCode.CANVASSER],
    )
    html = client.get(reverse("home")).content.decode()
    assert knock_up_list.name in html
    assert reverse("pollingday:knockup_run", args=[knock_up_list.pk]) in html


def _count(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


def test_the_rota_page_reads_the_same_number_of_queries_however_full(client_for, users, world):
    client = client_for(RoleCode.ORGANISER)
    url = reverse("pollingday:shift_list", args=[world.election.pk])
    room = CommitteeRoom.objects.create(election=world.election, name="HQ")
    Shift.objects.create(
        election=world.election,
        kind="knocker",
        committee_room=room,
        starts_at=world.election.on_polling_day(datetime.time(16)),
        ends_at=world.election.on_polling_day(datetime.time(22)),
    )
    _teller_shift(world)
    client.get(url)  # warm the session
    small = _count(client, url)
    volunteers = [
        User.objects.create_user(email=f"v{n}@test.example", password="x") for n in range(12)
    ]
    for n, station in enumerate(["Castle School", "St Mary's Hall", "Riverside Library"] * 3):
        shift = _teller_shift(world, station=station, start=7 + n, end=8 + n, wanted=3)
        for volunteer in volunteers[n : n + 2]:
            ShiftSignup.objects.create(shift=shift, user=volunteer)
    large = _count(client, url)
    places = client.get(url).context["rota"]["places"]
    assert [p.name for p in places] == [
        "Castle School",
        "Riverside Library",
        "St Mary's Hall",
        "HQ",
    ]  # telling at the stations first, then the committee rooms
    print(f"pollingday_rota queries shifts=2:{small} shifts=11:{large}")
    assert small == large


def test_a_volunteers_home_and_shift_pages_read_a_fixed_number_of_queries(client_for, users, world):
    client = client_for(RoleCode.MEMBER)
    _teller_shift(world)
    client.get(reverse("home"))
    home, mine = _count(client, reverse("home")), _count(client, reverse("pollingday:my_shifts"))
    for n in range(6):
        shift = _teller_shift(world, station="Riverside Library", start=7 + n, end=8 + n)
        if n % 2:
            ShiftSignup.objects.create(shift=shift, user=users[RoleCode.MEMBER])
    # Once they are down for a shift, the "any shifts to sign up for?" look-up is not needed.
    assert _count(client, reverse("home")) <= home
    assert _count(client, reverse("pollingday:my_shifts")) == mine
    print(f"pollingday_volunteer queries home={home} my_shifts={mine}")


def test_the_demo_sets_up_polling_day_once(geography, tmp_path):
    ctx = DemoContext(stdout=io.StringIO(), password="demo-pass-123", shared=geography)
    _seed_users(ctx)
    seed_pollingday(ctx)
    election = Election.objects.get(name=ELECTION)
    assert election.polls_on == timezone.localdate()
    assert election.polling_districts.count() == 12
    assert PollingStation.objects.count() == 8 and CommitteeRoom.objects.count() == 2
    teller = User.objects.get(email=demo_email("teller"))
    signup = ShiftSignup.objects.get(user=teller)
    assert signup.shift.polling_station.name == "Castle School"
    assert "Castle School" in [s.name for s in teller_stations(teller, election)]
    assert Shift.objects.filter(election=election, kind="teller").count() == 40
    counts = (Shift.objects.count(), ShiftSignup.objects.count(), AuditEntry.objects.count())
    seed_pollingday(ctx)
    assert (
        Shift.objects.count(),
        ShiftSignup.objects.count(),
        AuditEntry.objects.count(),
    ) == counts
