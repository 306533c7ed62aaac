"""The committee-room board and the turnout board, against a fixture whose every figure is
different, so that a figure shown in the wrong column or district fails."""

import datetime
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clp.roles import RoleCode
from members.models import Intention, Outcome, VoteMethod, VoteRecord
from pollingday import boards
from pollingday.models import CommitteeRoom, KnockUpList
from pollingday.tests.factories import LABOUR, add_electors, election_today
from pollingday.tests.test_promises import knock, postal, tell

pytestmark = pytest.mark.django_db


@dataclass
class Board:
    room: CommitteeRoom
    other_room: CommitteeRoom


def _at(hour, minute):
    return timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(), datetime.time(hour, minute))
    )


def build(world, times=None):
    """CA: 11 electors, 7 promises, 4 of them voted (two told, one postal back, one told a
    runner), 3 still to knock, 1 list out. CB: 13 electors, 8 promises, 2 voted, 6 to knock,
    none out (its list came back). A CB non-promise told three times over counts in turnout
    only. `times` gives each telling's time by key."""
    times = times or {}
    ca, cb = world.districts["CA"], world.districts["CB"]
    p = add_electors(ca, 7, street_name="Mill Lane", intention=LABOUR, strength=5)
    o = add_electors(ca, 4, first_number=30, intention=Intention.CONSERVATIVE, strength=5)
    q = add_electors(cb, 8, street_name="Abbey Road", intention=LABOUR, strength=4)
    r = add_electors(cb, 5, first_number=40)
    default = timezone.now() - datetime.timedelta(minutes=45)
    for key, elector in {"p1": p[0], "p2": p[1], "o1": o[0], "q1": q[0], "q2": q[1]}.items():
        tell(world, elector, at=times.get(key, default))
    for key, elector in {"r1": r[0], "r2": r[1], "r3": r[2]}.items():
        tell(world, elector, at=times.get(key, default))
    tell(world, p[5], at=times.get("undone", default), undone=True)
    postal(world, p[2])
    postal(world, p[4], returned=False)
    knock(world, p[3], Outcome.ALREADY_VOTED)
    out = KnockUpList.objects.create(
        election=world.election, polling_district=ca, name="CA out", handed_out_at=timezone.now()
    )
    KnockUpList.objects.create(election=world.election, polling_district=ca, name="CA waiting")
    KnockUpList.objects.create(
        election=world.election,
        polling_district=cb,
        name="CB back",
        handed_out_at=timezone.now(),
        returned_at=timezone.now(),
    )
    room = CommitteeRoom.objects.create(election=world.election, name="Castle Room")
    room.polling_districts.set([ca, cb])
    other = CommitteeRoom.objects.create(election=world.election, name="Hall Room")
    other.polling_districts.set([world.districts["CC"]])
    assert out.pk
    return Board(room=room, other_room=other)


def _polls_open_all_day(world):
    world.election.opens_at = datetime.time(0, 0)
    world.election.closes_at = datetime.time(23, 59, 59)
    world.election.save(update_fields=["opens_at", "closes_at"])


def _row(figure):
    return (
        figure.district.code,
        figure.electors,
        figure.promises,
        figure.promises_voted,
        figure.still_to_knock,
        figure.runners_out,
        figure.postal_promises_returned,
    )


def test_the_district_figures(world):
    build(world)
    figures = boards.district_figures(
        world.election, [world.districts["CA"], world.districts["CB"]]
    )
    assert [_row(f) for f in figures] == [("CA", 11, 7, 4, 3, 1, 1), ("CB", 13, 8, 2, 6, 0, 0)]


def test_the_committee_room_board_shows_its_districts_figures(world, users, client):
    board = build(world)
    _polls_open_all_day(world)
    client.force_login(users[RoleCode.ORGANISER])
    url = reverse("pollingday:committee_room_board", args=[world.election.pk, board.room.pk])
    response = client.get(url)
    assert [_row(f)[:6] for f in response.context["figures"]] == [
        ("CA", 11, 7, 4, 3, 1),
        ("CB", 13, 8, 2, 6, 0),
    ]
    assert response.context["totals"] == {
        "electors": 24,
        "promises": 15,
        "promises_voted": 6,
        "still_to_knock": 9,
        "runners_out": 1,
    }
    page = response.content.decode()
    assert 'hx-trigger="every 30s"' in page
    assert "Castle School" in page and "St Mary" not in page
    # The fragment the page polls for: the same figures without the page around them.
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and "<tfoot>" in fragment
    assert 'data-figure="still_to_knock">6<' in fragment


def test_a_station_quiet_for_half_an_hour_is_marked_in_words(world, users, client):
    board = build(world)  # Castle School's last number 45 minutes ago
    _polls_open_all_day(world)
    tell(world, add_electors(world.districts["CC"], 1, first_number=70)[0])  # St Mary's now
    client.force_login(users[RoleCode.ORGANISER])
    page = client.get(
        reverse("pollingday:committee_room_board", args=[world.election.pk, board.room.pk])
    ).content.decode()
    assert "Quiet for 45 minutes: check on the teller." in page
    other = client.get(
        reverse("pollingday:committee_room_board", args=[world.election.pk, board.other_room.pk])
    ).content.decode()
    assert "St Mary" in other and "Quiet for" not in other


def test_quiet_only_counts_during_polling_hours(world):
    castle = world.stations["Castle School"]
    tell(world, add_electors(world.districts["CA"], 1)[0], at=_at(8, 0))

    def quiet(hour, minute):
        (activity,) = boards.station_activity(world.election, [castle], now=_at(hour, minute))
        return activity.quiet, activity.quiet_minutes

    assert quiet(8, 29) == (False, 0)
    assert quiet(8, 30) == (True, 30)
    assert quiet(22, 30) == (False, 0)  # the polls have closed
    empty = world.stations["Riverside Library"]
    (activity,) = boards.station_activity(world.election, [empty], now=_at(7, 40))
    assert (activity.last_entry, activity.quiet, activity.quiet_minutes) == (None, True, 40)


def test_the_board_takes_the_same_queries_however_big_the_room(world, users, client):
    board = build(world)
    small = CommitteeRoom.objects.create(election=world.election, name="Small")
    small.polling_districts.set([world.districts["CC"]])
    client.force_login(users[RoleCode.ORGANISER])
    counts = []
    for room in (small, board.room):
        url = reverse("pollingday:committee_room_board", args=[world.election.pk, room.pk])
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_an_area_organiser_sees_only_their_districts_on_a_room_board(world, users, client):
    board = build(world)
    board.room.polling_districts.add(world.districts["RA"])
    client.force_login(users[RoleCode.AREA_ORGANISER])
    response = client.get(
        reverse("pollingday:committee_room_board", args=[world.election.pk, board.room.pk])
    )
    assert [f.district.code for f in response.context["figures"]] == ["CA", "CB"]


# --- turnout -------------------------------------------------------------------------------------

TIMES = {
    "p1": (7, 30),
    "p2": (8, 15),
    "o1": (9, 45),
    "undone": (8, 0),
    "q1": (7, 10),
    "q2": (8, 50),
    "r1": (9, 5),
    "r2": (9, 20),
    "r3": (10, 10),
}


def _turnout_world(world, geography):
    build(world, times={k: _at(*v) for k, v in TIMES.items()})
    last = election_today(
        geography, name="General election 2024", polls_on=datetime.date(2024, 7, 4)
    )
    world.election.compare_with = last.election
    world.election.save(update_fields=["compare_with"])
    ca = world.districts["CA"]
    people = add_electors(ca, 6, street_name="Old Road", first_number=200)
    for i, elector in enumerate(people):
        VoteRecord.objects.create(
            election=last.election,
            person_id=elector.person_id,
            polling_district=ca,
            method=VoteMethod.IN_PERSON,
            voted=i < 5,
        )
    return people


def test_turnout_by_district_and_station_over_the_day(world, geography):
    _turnout_world(world, geography)  # CA now has 17 electors
    districts = [world.districts[c] for c in ("CA", "CB")]
    result = boards.turnout(world.election, districts, now=_at(10, 30))
    assert [f"{h:%H:%M}" for h in result.hours] == ["08:00", "09:00", "10:00", "10:30"]
    ca, cb = result.districts
    # CA: the postal vote back counts from the opening; then 07:30, 08:15 and 09:45.
    assert (ca.electors, ca.hourly, ca.turnout) == (17, [2, 3, 4, 4], 23.5)
    assert (cb.electors, cb.hourly, cb.turnout) == (13, [1, 2, 4, 5], 38.5)
    assert (ca.promises_voted, ca.promises, ca.promises_share) == (4, 7, 57.1)
    assert (cb.promises_voted, cb.promises, cb.promises_share) == (2, 8, 25.0)
    assert (ca.compare_voted, ca.compare_turnout) == (5, 29.4)
    assert (cb.compare_voted, cb.compare_turnout) == (None, None)
    (castle,) = result.stations
    assert (castle.label, castle.electors, castle.hourly, castle.turnout) == (
        "Castle School",
        30,
        [3, 5, 8, 9],
        30.0,
    )
    assert castle.compare_voted == 5


def test_the_turnout_page_shows_the_table_and_the_chart(world, geography, users, client):
    _turnout_world(world, geography)
    client.force_login(users[RoleCode.ORGANISER])
    response = client.get(reverse("pollingday:turnout", args=[world.election.pk]))
    page = response.content.decode()
    districts = {r.label.split()[0]: r for r in response.context["turnout"].districts}
    assert set(districts) == {"CA", "CB", "CC", "RA"}
    assert "General election 2024" in page
    assert "4 of 7 (57.1%)" in page
    if response.context["turnout"].hours:
        assert "<meter" in page


def test_before_the_polls_open_there_is_nothing_by_the_hour(world):
    result = boards.turnout(world.election, [world.districts["CA"]], now=_at(6, 30))
    assert result.hours == []
    assert result.districts[0].voted == 0
