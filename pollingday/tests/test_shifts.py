"""Shifts: the telling rota, adding shifts, the gaps, and volunteers signing up on their own."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clp.models import AuditEntry
from clp.roles import RoleCode
from conftest import make_user
from members.models import Constituency, Election, Ward
from pollingday.access import teller_stations
from pollingday.models import CommitteeRoom, Shift, ShiftSignup
from pollingday.selectors import shift_figures
from pollingday.services.setup import shift_save

pytestmark = pytest.mark.django_db


def _hours(shift):
    return (
        timezone.localtime(shift.starts_at).strftime("%H:%M"),
        timezone.localtime(shift.ends_at).strftime("%H:%M"),
    )


def test_the_telling_rota_button_makes_five_slots_of_two_at_every_station_once(client_for, world):
    client = client_for(RoleCode.ORGANISER)
    url = reverse("pollingday:shift_rota_make", args=[world.election.pk])
    response = client.post(url, follow=True)
    assert "Added 15 telling shifts at 3 stations" in response.content.decode()
    castle = Shift.objects.filter(polling_station=world.stations["Castle School"])
    assert [_hours(s) for s in castle.order_by("starts_at")] == [
        ("07:00", "10:00"),
        ("10:00", "13:00"),
        ("13:00", "16:00"),
        ("16:00", "19:00"),
        ("19:00", "22:00"),
    ]
    assert {s.wanted for s in castle} == {2} and {s.kind for s in castle} == {"teller"}
    assert all(timezone.localtime(s.starts_at).date() == world.election.polls_on for s in castle)
    castle.order_by("starts_at").last().delete()
    response = client.post(url, follow=True)
    assert "Added 1 telling shifts" in response.content.decode()
    response = client.post(url, follow=True)
    assert "already complete: nothing added" in response.content.decode()
    assert Shift.objects.count() == 15


def test_area_organiser_makes_the_rota_for_their_stations_only(client_for, world):
    client_for(RoleCode.AREA_ORGANISER).post(
        reverse("pollingday:shift_rota_make", args=[world.election.pk])
    )
    stations = set(Shift.objects.values_list("polling_station__name", flat=True))
    assert stations == {"Castle School", "St Mary's Hall"}


def _shift_data(**changes):
    data = {"kind": "teller", "starts": "07:00", "ends": "10:00", "wanted": "2", "notes": ""}
    data.update(changes)
    return data


def test_a_shift_is_refused_in_words_when_it_makes_no_sense(client_for, world):
    client = client_for(RoleCode.ORGANISER)
    url = reverse("pollingday:shift_create", args=[world.election.pk])
    room = CommitteeRoom.objects.create(election=world.election, name="HQ")
    station = world.stations["Castle School"].pk
    cases = [
        (_shift_data(), "Choose the polling station the tellers stand at."),
        (_shift_data(kind="knocker"), "Choose the committee room this shift works from"),
        (
            _shift_data(polling_station=station, starts="06:00"),
            "Shifts are on polling day between 07:00 and 22:00",
        ),
        (_shift_data(polling_station=station, ends="06:30"), "A shift must end after it starts."),
        (_shift_data(polling_station=station, wanted="0"), "greater than or equal to 1"),
    ]
    for data, words in cases:
        response = client.post(url, data)
        assert response.status_code == 200 and words in response.content.decode(), words
    assert not Shift.objects.exists()
    response = client.post(
        url, _shift_data(kind="knocker", committee_room=room.pk, starts="16:00", ends="22:00")
    )
    shift = Shift.objects.get()
    assert response.url == reverse("pollingday:shift_edit", args=[shift.pk])
    assert shift.committee_room == room and shift.polling_station is None
    assert _hours(shift) == ("16:00", "22:00")


def _shift(world, station="Castle School", start=7, end=10, wanted=2, kind="teller", room=None):
    return Shift.objects.create(
        election=world.election,
        kind=kind,
        polling_station=world.stations[station] if station else None,
        committee_room=room,
        starts_at=world.election.on_polling_day(datetime.time(start)),
        ends_at=world.election.on_polling_day(datetime.time(end)),
        wanted=wanted,
    )


def test_the_rota_shows_who_is_down_and_the_gaps(client_for, users, world):
    first, second = _shift(world, wanted=2), _shift(world, start=10, end=13, wanted=3)
    ShiftSignup.objects.create(shift=first, user=users[RoleCode.MEMBER])
    ShiftSignup.objects.create(shift=first, user=users[RoleCode.CANVASSER])
    ShiftSignup.objects.create(shift=second, user=users[RoleCode.CALLER])
    assert shift_figures(Shift.objects.all()) == {"shifts": 2, "wanted": 5, "filled": 3, "gaps": 2}
    client = client_for(RoleCode.ORGANISER)
    page = client.get(reverse("pollingday:shift_list", args=[world.election.pk]))
    html = page.content.decode()
    assert "Test member" in html and "2 of 2" in html and "1 of 3" in html and "2 needed" in html
    assert "No telling shifts yet at Riverside Library, St Mary&#x27;s Hall" in html
    gaps = client.get(reverse("pollingday:shift_list", args=[world.election.pk]), {"gaps": "1"})
    shifts = [s for place in gaps.context["rota"]["places"] for s in place.shifts]
    assert shifts == [second]
    detail = client.get(reverse("pollingday:election_detail", args=[world.election.pk]))
    assert detail.context["summary"]["shifts"] == {
        "shifts": 2,
        "wanted": 5,
        "filled": 3,
        "gaps": 2,
    }
    assert AuditEntry.objects.filter(action="read:pollingday.shift_rota").count() == 2


def test_a_member_signs_up_cancels_and_cannot_take_a_full_shift(client_for, users, world):
    shift = _shift(world, wanted=1)
    client = client_for(RoleCode.MEMBER)
    page = client.get(reverse("pollingday:my_shifts")).content.decode()
    assert "1 needed · Sign up" in page
    response = client.post(reverse("pollingday:shift_signup", args=[shift.pk]), follow=True)
    html = response.content.decode()
    assert "You are down for teller at Castle School" in html
    assert ShiftSignup.objects.filter(shift=shift, user=users[RoleCode.MEMBER]).exists()
    client.post(reverse("pollingday:shift_signup", args=[shift.pk]))  # a second tap
    assert ShiftSignup.objects.filter(shift=shift).count() == 1

    other = client_for(RoleCode.CANVASSER)
    assert "Sign up" not in other.get(reverse("pollingday:my_shifts")).content.decode()
    response = other.post(reverse("pollingday:shift_signup", args=[shift.pk]), follow=True)
    assert "This shift is full" in response.content.decode()
    assert ShiftSignup.objects.filter(shift=shift).count() == 1

    client = client_for(RoleCode.MEMBER)
    response = client.post(reverse("pollingday:shift_cancel", args=[shift.pk]), follow=True)
    assert "You are no longer down for" in response.content.decode()
    assert not ShiftSignup.objects.exists()
    actions = list(
        AuditEntry.objects.filter(action__startswith="pollingday.shift_s").values_list(
            "action", flat=True
        )
    )
    assert actions.count("pollingday.shift_signup") == 1


def test_my_shifts_come_first_with_where_to_go(client_for, users, world):
    station = world.stations["St Mary's Hall"]
    station.address, station.postcode = "Church Lane, Northbridge", "NB1 2CD"
    station.save()
    mine = _shift(world, station="St Mary's Hall", start=16, end=19)
    _shift(world, start=7, end=10)
    ShiftSignup.objects.create(shift=mine, user=users[RoleCode.MEMBER])
    page = client_for(RoleCode.MEMBER).get(reverse("pollingday:my_shifts"))
    html = page.content.decode()
    assert "Where to go: Church Lane, Northbridge, NB1 2CD" in html
    assert html.index("Church Lane") < html.index("Shifts that need people")
    open_places = [p.name for day in page.context["days"] for p in day.places]
    assert open_places == ["Castle School"]


def test_shifts_of_past_elections_and_other_constituencies_are_not_offered(
    client_for, users, world
):
    past = Election.objects.create(
        constituency=world.election.constituency,
        name="Last time",
        kind="local",
        polls_on=timezone.localdate() - datetime.timedelta(days=3),
    )
    Shift.objects.create(
        election=past,
        kind="teller",
        polling_station=world.stations["Castle School"],
        starts_at=timezone.now() - datetime.timedelta(days=3),
        ends_at=timezone.now() - datetime.timedelta(days=3) + datetime.timedelta(hours=3),
    )
    shift = _shift(world)
    other = Constituency.objects.create(name="Elsewhere")
    stranger = make_user(RoleCode.MEMBER, other, email="stranger@test.example", mfa=False)
    Ward.objects.create(constituency=other, name="Far")
    page = client_for(RoleCode.MEMBER).get(reverse("pollingday:my_shifts"))
    assert [s for day in page.context["days"] for p in day.places for s in p.shifts] == [shift]
    client = client_for(RoleCode.MEMBER)
    client.force_login(stranger)
    assert client.get(reverse("pollingday:my_shifts")).context["days"] == []
    assert client.post(reverse("pollingday:shift_signup", args=[shift.pk])).status_code == 404


def test_a_teller_shift_lets_a_volunteer_tell_at_that_station_only(client_for, users, world):
    member = users[RoleCode.MEMBER]
    assert not teller_stations(member, world.election).exists()
    shift = _shift(world, station="St Mary's Hall")
    client_for(RoleCode.MEMBER).post(reverse("pollingday:shift_signup", args=[shift.pk]))
    assert [s.name for s in teller_stations(member, world.election)] == ["St Mary's Hall"]
    client_for(RoleCode.MEMBER).post(reverse("pollingday:shift_cancel", args=[shift.pk]))
    assert not teller_stations(member, world.election).exists()


def test_organiser_puts_a_volunteer_on_and_takes_them_off(client_for, users, world):
    shift = _shift(world, wanted=1)
    client = client_for(RoleCode.ORGANISER)
    member = users[RoleCode.MEMBER]
    page = client.get(reverse("pollingday:shift_edit", args=[shift.pk]))
    assert member in page.context["volunteer_form"].fields["volunteer"].queryset
    assert AuditEntry.objects.filter(action="read:pollingday.shift_volunteers").exists()
    client.post(reverse("pollingday:shift_assign", args=[shift.pk]), {"volunteer": member.pk})
    assert ShiftSignup.objects.filter(shift=shift, user=member).exists()
    response = client.post(
        reverse("pollingday:shift_assign", args=[shift.pk]),
        {"volunteer": users[RoleCode.CALLER].pk},
        follow=True,
    )
    assert "This shift is full" in response.content.decode()
    # Asking for fewer people than are down for it is refused.
    form = client.get(reverse("pollingday:shift_edit", args=[shift.pk])).context["form"]
    shift_save(
        actor=users[RoleCode.ORGANISER],
        election=world.election,
        shift=shift,
        kind="teller",
        polling_station=shift.polling_station,
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        wanted=2,
    )
    response = client.post(
        reverse("pollingday:shift_edit", args=[shift.pk]),
        _shift_data(
            polling_station=shift.polling_station_id, wanted="1", seen=form.initial["seen"]
        ),
    )
    assert "Someone else changed this" in response.content.decode()
    ShiftSignup.objects.create(shift=shift, user=users[RoleCode.CALLER])
    form = client.get(reverse("pollingday:shift_edit", args=[shift.pk])).context["form"]
    response = client.post(
        reverse("pollingday:shift_edit", args=[shift.pk]),
        _shift_data(
            polling_station=shift.polling_station_id, wanted="1", seen=form.initial["seen"]
        ),
    )
    assert "2 volunteers are down for this shift" in response.content.decode()
    response = client.post(
        reverse("pollingday:shift_unassign", args=[shift.pk, member.pk]), {"next": "rota"}
    )
    assert response.url == reverse("pollingday:shift_list", args=[world.election.pk])
    assert not ShiftSignup.objects.filter(shift=shift, user=member).exists()
    assert AuditEntry.objects.filter(
        action="pollingday.shift_cancel", details__by_organiser=True
    ).exists()


def test_area_organiser_sees_the_shifts_of_their_stations_and_rooms_only(client_for, users, world):
    castle = _shift(world)
    riverside = _shift(world, station="Riverside Library")
    client = client_for(RoleCode.AREA_ORGANISER)
    page = client.get(reverse("pollingday:shift_list", args=[world.election.pk]))
    assert [s for p in page.context["rota"]["places"] for s in p.shifts] == [castle]
    assert client.get(reverse("pollingday:shift_edit", args=[riverside.pk])).status_code == 404


def test_moving_polling_day_moves_the_shifts_at_the_same_times(users, world):
    from pollingday.services.setup import election_update

    shift = _shift(world, start=16, end=19)
    election = world.election
    later = election.polls_on + datetime.timedelta(days=7)
    values = {
        "name": election.name,
        "kind": election.kind,
        "polls_on": later,
        "opens_at": election.opens_at,
        "closes_at": election.closes_at,
        "compare_with": None,
        "promise_min_strength": 4,
        "undecided_min_strength": None,
    }
    election_update(
        actor=users[RoleCode.ORGANISER],
        election=election,
        values=values,
        districts=list(election.polling_districts.all()),
    )
    shift.refresh_from_db()
    assert timezone.localtime(shift.starts_at).date() == later
    assert _hours(shift) == ("16:00", "19:00")
