"""Who may take numbers where (telling): the station page, its sync and its lookup."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from members.models import Election, PollingStation
from pollingday.access import teller_stations


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
    days = []
    for election in Election.objects.filter(polls_on__gte=today).order_by("polls_on", "name")[:20]:
        stations = list(teller_stations(user, election))
        if stations:
            days.append((election, stations))
    return days
