"""Who may take numbers where (telling): the station page, its sync and its lookup."""

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from clp.access import polling_district_scope
from clp.roles import ORGANISING_ROLES, RoleCode
from members.models import Election, PollingDistrict, PollingStation
from pollingday.access import teller_stations
from pollingday.models import Shift


def telling_station_for_user(user, election_pk, station_pk) -> tuple[Election, PollingStation]:
    """The election and station, or 404 unless the user may tell there (a teller's or
    organiser's grant over one of its districts, or a telling shift there)."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    election = get_object_or_404(Election, pk=election_pk)
    station = get_object_or_404(teller_stations(user, election), pk=station_pk)
    return election, station


def telling_days_for_user(user, *, today=None) -> list[tuple[Election, list[PollingStation]]]:
    """Elections from today on where the user may tell, soonest first, with their stations."""
    today = today or timezone.localdate()
    # Only elections where a grant or a telling shift could give the user a station; then
    # teller_stations decides which stations, as everywhere else.
    possible = Q(
        pk__in=Shift.objects.filter(kind=Shift.Kind.TELLER, signups__user=user).values(
            "election_id"
        )
    )
    granted = polling_district_scope(user, RoleCode.TELLER, *ORGANISING_ROLES)
    if granted is not None:
        possible |= Q(polling_districts__in=PollingDistrict.objects.filter(granted))
    elections = (
        Election.objects.filter(possible, polls_on__gte=today)
        .distinct()
        .order_by("polls_on", "name")[:20]
    )
    days = []
    for election in elections:
        stations = list(teller_stations(user, election))
        if stations:
            days.append((election, stations))
    return days
