"""Who may see what on polling day, as querysets (clp.access decides the grants).

- Organisers (CLP-wide or area) run elections in the constituencies they organise and see the
  districts of their areas only.
- A teller tells at the stations serving districts their teller (or organising) grant covers,
  and at any station where they are down for a telling shift; they see nothing else.
- A runner sees the knock-up lists handed to them.
"""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from clp.access import constituencies_for_user, polling_district_scope
from clp.roles import ORGANISING_ROLES, RoleCode
from members.models import Election, PollingDistrict, PollingStation
from pollingday.models import Shift


def elections_for_organiser(user) -> QuerySet:
    return Election.objects.filter(
        constituency__in=constituencies_for_user(user, *ORGANISING_ROLES)
    )


def election_for_organiser(user, pk) -> Election:
    """The election, or 404 when the user organises nothing in its constituency."""
    return get_object_or_404(elections_for_organiser(user), pk=pk)


def organiser_districts(user, election) -> QuerySet:
    """The election's polling districts inside the user's organising grants."""
    scope = polling_district_scope(user, *ORGANISING_ROLES)
    if scope is None:
        return PollingDistrict.objects.none()
    return election.polling_districts.filter(scope)


def teller_stations(user, election) -> QuerySet:
    """The stations where the user may take numbers for this election."""
    granted = polling_district_scope(user, RoleCode.TELLER, *ORGANISING_ROLES)
    by_shift = Q(
        pk__in=Shift.objects.filter(
            election=election, kind=Shift.Kind.TELLER, signups__user=user
        ).values("polling_station_id")
    )
    districts = election.polling_districts.all()
    if granted is not None:
        by_grant = Q(polling_districts__in=districts.filter(granted))
        allowed = by_grant | by_shift
    else:
        allowed = by_shift
    return (
        PollingStation.objects.filter(polling_districts__in=districts)
        .filter(allowed)
        .distinct()
        .order_by("name")
    )
