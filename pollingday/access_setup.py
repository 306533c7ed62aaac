"""Who may set up what before polling day, as querysets (see pollingday/access.py for the day).

- Elections are created and changed by organisers whose grant covers the whole constituency;
  area organisers open the constituency's elections and work their own districts only: the
  stations, committee rooms and shifts serving those districts.
- Volunteers (anyone holding any role in a constituency, members included) see and sign up for
  the shifts of that constituency's upcoming elections.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from clp.access import constituencies_for_user, grants_for, polling_district_scope
from clp.models import RoleGrant, User
from clp.roles import ORGANISING_ROLES, RoleCode
from members.models import Constituency, Election, PollingDistrict, PollingStation
from pollingday.access import election_for_organiser, organiser_districts
from pollingday.models import CommitteeRoom, Shift


def clp_wide_constituencies(user) -> QuerySet:
    """The constituencies where the user organises the whole CLP (not only some wards)."""
    ids = [g.constituency_id for g in grants_for(user, *ORGANISING_ROLES) if g.constituency_id]
    return Constituency.objects.filter(pk__in=ids)


def is_clp_wide(user, election) -> bool:
    return any(
        g.constituency_id == election.constituency_id for g in grants_for(user, *ORGANISING_ROLES)
    )


def election_for_setting_up(user, pk) -> Election:
    """The election to change: 404 outside the user's constituencies, 403 for an area
    organiser (they work their districts but do not change the election itself)."""
    election = election_for_organiser(user, pk)
    if not is_clp_wide(user, election):
        raise PermissionDenied("Only a CLP-wide organiser can change the election itself.")
    return election


def stations_serving(user, election) -> QuerySet:
    """The stations where the election's districts inside the user's areas vote."""
    return (
        PollingStation.objects.filter(polling_districts__in=organiser_districts(user, election))
        .distinct()
        .order_by("name")
    )


def stations_for_organiser(user, election) -> QuerySet:
    """Stations the user may edit for this election: any station of the constituency for a
    CLP-wide organiser; for an area organiser, those where a district of their areas votes and
    those where no district votes yet."""
    stations = PollingStation.objects.filter(
        constituency=election.constituency_id, retired_on__isnull=True
    )
    if is_clp_wide(user, election):
        return stations
    scope = polling_district_scope(user, *ORGANISING_ROLES)
    if scope is None:
        return stations.none()
    theirs = PollingDistrict.objects.filter(scope).values("polling_station_id")
    return stations.filter(Q(pk__in=theirs) | Q(polling_districts__isnull=True)).distinct()


def station_for_organiser(user, election, pk) -> PollingStation:
    return get_object_or_404(stations_for_organiser(user, election), pk=pk)


def committee_rooms_for_organiser(user, election) -> QuerySet:
    """All the election's rooms for a CLP-wide organiser; an area organiser's are those
    covering one of their districts."""
    rooms = CommitteeRoom.objects.filter(election=election)
    if is_clp_wide(user, election):
        return rooms
    return rooms.filter(polling_districts__in=organiser_districts(user, election)).distinct()


def committee_room_for_organiser(user, election, pk):
    return get_object_or_404(committee_rooms_for_organiser(user, election), pk=pk)


def shifts_for_organiser(user, election) -> QuerySet:
    """The election's shifts at the stations and rooms the user organises."""
    shifts = Shift.objects.filter(election=election)
    if is_clp_wide(user, election):
        return shifts
    return shifts.filter(
        Q(polling_station__in=stations_serving(user, election))
        | Q(committee_room__in=committee_rooms_for_organiser(user, election))
    )


def shift_for_organiser(user, pk):
    """A shift the user organises (404 otherwise), with its election."""
    shift = get_object_or_404(Shift.objects.select_related("election"), pk=pk)
    election = election_for_organiser(user, shift.election_id)
    return get_object_or_404(
        shifts_for_organiser(user, election).select_related("election"), pk=shift.pk
    )


def volunteer_constituencies(user) -> QuerySet:
    """Where the user may sign up for shifts: every constituency they hold any role in."""
    return constituencies_for_user(user, *RoleCode.values)


def shifts_for_volunteer(user) -> QuerySet:
    """The shifts of upcoming elections (polling day today or later) the user may sign up for."""
    return Shift.objects.filter(
        election__constituency__in=volunteer_constituencies(user),
        election__polls_on__gte=timezone.localdate(),
    )


def shift_for_volunteer(user, pk):
    return get_object_or_404(shifts_for_volunteer(user).select_related("election"), pk=pk)


def volunteers_for(election) -> QuerySet:
    """Who may be put on the election's shifts: users holding any role in its constituency."""
    c = election.constituency_id
    grants = RoleGrant.objects.active().filter(
        Q(constituency_id=c)
        | Q(ward__constituency_id=c)
        | Q(branch__constituency_id=c)
        | Q(polling_district__constituency_id=c)
    )
    return (
        User.objects.filter(is_active=True, pk__in=grants.values("user_id"))
        .order_by("full_name", "email")
        .distinct()
    )
