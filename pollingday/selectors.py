"""Reads for setting polling day up, shaped for its pages and scoped to who is asking."""

from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q
from django.utils import timezone

from clp.access import polling_district_scope
from clp.roles import ORGANISING_ROLES
from members.models import Elector, PollingDistrict
from pollingday.access import elections_for_organiser, organiser_districts
from pollingday.access_setup import (
    committee_rooms_for_organiser,
    shifts_for_organiser,
    shifts_for_volunteer,
    stations_serving,
)
from pollingday.models import Shift, ShiftSignup


def _with_signed(shifts):
    return shifts.annotate(signed=Count("signups", distinct=True))


def shift_figures(shifts) -> dict:
    """Places wanted, filled and still open over some shifts (a queryset)."""
    wanted = filled = gaps = count = 0
    for want, signed in _with_signed(shifts).values_list("wanted", "signed"):
        count += 1
        wanted += want
        filled += min(signed, want)
        gaps += max(want - signed, 0)
    return {"shifts": count, "wanted": wanted, "filled": filled, "gaps": gaps}


def elections_for_list(user) -> dict:
    """The user's elections: those to come (soonest first) and those past (latest first)."""
    today = timezone.localdate()
    scope = polling_district_scope(user, *ORGANISING_ROLES)
    theirs = (
        PollingDistrict.objects.filter(scope)
        if scope is not None
        else PollingDistrict.objects.none()
    )
    elections = list(
        elections_for_organiser(user)
        .select_related("constituency")
        .annotate(
            # Only the districts of the user's areas, as on every page.
            districts=Count(
                "polling_districts",
                filter=Q(polling_districts__in=theirs),
                distinct=True,
            )
        )
    )
    upcoming = sorted((e for e in elections if e.polls_on >= today), key=lambda e: e.polls_on)
    past = [e for e in elections if e.polls_on < today]
    return {"upcoming": upcoming, "past": past}


def next_election(user):
    return (
        elections_for_organiser(user)
        .filter(polls_on__gte=timezone.localdate())
        .order_by("polls_on", "name")
        .first()
    )


def election_summary(user, election) -> dict:
    """What the election page shows, inside the user's districts: districts, electors,
    stations, committee rooms, and the shifts filled against those wanted."""
    districts = list(
        organiser_districts(user, election)
        .select_related("ward", "polling_station")
        .order_by("code")
    )
    electors = Elector.objects.filter(
        polling_district__in=[d.pk for d in districts], on_register=True
    ).count()
    rooms = list(
        committee_rooms_for_organiser(user, election)
        .prefetch_related("polling_districts")
        .order_by("name")
    )
    return {
        "districts": districts,
        "no_station": [d for d in districts if d.polling_station_id is None],
        "electors": electors,
        "stations": len({d.polling_station_id for d in districts if d.polling_station_id}),
        "rooms": rooms,
        "shifts": shift_figures(shifts_for_organiser(user, election)),
    }


@dataclass
class Place:
    """A station or committee room and its shifts, for the rota and the volunteers' list."""

    key: tuple
    name: str
    address: str = ""
    is_station: bool = True
    shifts: list = field(default_factory=list)


def _place_of(shift) -> Place:
    if shift.polling_station_id:
        station = shift.polling_station
        address = ", ".join(part for part in (station.address, station.postcode) if part)
        return Place((0, station.name, station.pk), station.name, address, True)
    room = shift.committee_room
    return Place((1, room.name, room.pk), room.name, room.address, False)


def _by_place(shifts) -> list[Place]:
    """Stations first (telling), then committee rooms, each by name."""
    places: dict[tuple, Place] = {}
    for shift in shifts:
        place = _place_of(shift)
        places.setdefault(place.key, place).shifts.append(shift)
        shift.gap = max(shift.wanted - shift.signed, 0)
    return [places[key] for key in sorted(places)]


def rota(user, election, *, only_gaps=False) -> dict:
    """The election's shifts by place and time, each with who is down for it and the gap;
    and the stations where nobody tells yet. A fixed number of queries however long."""
    shifts = (
        _with_signed(shifts_for_organiser(user, election))
        .select_related("polling_station", "committee_room")
        .prefetch_related(
            Prefetch(
                "signups",
                queryset=ShiftSignup.objects.select_related("user").order_by("signed_up_at"),
            )
        )
        .order_by("starts_at", "kind", "pk")
    )
    if only_gaps:
        shifts = shifts.filter(signed__lt=F("wanted"))
    places = _by_place(shifts)
    stations = list(stations_serving(user, election))
    telling = set(
        Shift.objects.filter(
            election=election, kind=Shift.Kind.TELLER, polling_station__in=stations
        ).values_list("polling_station_id", flat=True)
    )
    return {
        "places": places,
        "stations": stations,
        "untold": [s for s in stations if s.pk not in telling],
        "volunteers": sum(len(s.signups.all()) for p in places for s in p.shifts),
    }


def my_signups(user, *, limit=None) -> list:
    """The user's shifts in elections still to come, soonest first, with where to go."""
    signups = (
        ShiftSignup.objects.filter(user=user, shift__election__polls_on__gte=timezone.localdate())
        .select_related("shift__election", "shift__polling_station", "shift__committee_room")
        .order_by("shift__starts_at", "shift__pk")
    )
    if limit:
        signups = signups[:limit]
    signups = list(signups)
    for signup in signups:
        signup.place = _place_of(signup.shift)
    return signups


@dataclass
class Day:
    election: object
    places: list


def open_shifts(user) -> list[Day]:
    """Shifts of upcoming elections the user may still sign up for (not full, not theirs),
    by day, then place, then time."""
    mine = ShiftSignup.objects.filter(user=user).values("shift_id")
    shifts = (
        _with_signed(shifts_for_volunteer(user))
        .filter(signed__lt=F("wanted"))
        .exclude(pk__in=mine)
        .select_related("election", "polling_station", "committee_room")
        .order_by("election__polls_on", "election__name", "starts_at", "kind", "pk")
    )
    days: dict[int, list] = {}
    elections = {}
    for shift in shifts:
        elections[shift.election_id] = shift.election
        days.setdefault(shift.election_id, []).append(shift)
    return [Day(elections[pk], _by_place(day_shifts)) for pk, day_shifts in days.items()]


def has_teller_shift_today(user) -> bool:
    """Whether the user is down for a telling shift in an election today."""
    return ShiftSignup.objects.filter(
        user=user,
        shift__kind=Shift.Kind.TELLER,
        shift__election__polls_on=timezone.localdate(),
    ).exists()
