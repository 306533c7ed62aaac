"""Turning a target (segment + canvass filters) into electors, always inside the asker's areas."""

import datetime

from django.db.models import QuerySet

from canvassing import querysets as q
from canvassing.segments import segment_electors
from clp.access import polling_districts_for_user
from clp.roles import RoleCode
from members.models import Elector

ORGANISING = (RoleCode.ORGANISER, RoleCode.AREA_ORGANISER)


def _ids(values) -> list[int]:
    out = []
    for value in values or []:
        try:
            out.append(int(value))
        except (TypeError, ValueError):
            continue
    return out


def target_electors(*, campaign, filters: dict, user, segment=None) -> QuerySet:
    """Electors matching `filters` (see Target.filters) within the areas `user` organises."""
    electors = Elector.objects.filter(
        constituency=campaign.constituency,
        polling_district__in=polling_districts_for_user(user, *ORGANISING),
    )
    electors = q.canvassable(electors)
    if segment is not None:
        electors = segment_electors(segment, electors)
    if wards := _ids(filters.get("wards")):
        electors = electors.filter(polling_district__ward__in=wards)
    if districts := _ids(filters.get("polling_districts")):
        electors = electors.filter(polling_district__in=districts)
    if since := filters.get("not_contacted_since"):
        electors = q.not_contacted_since(electors, datetime.date.fromisoformat(since))
    if filters.get("never_canvassed"):
        electors = q.never_canvassed(electors)
    intentions = [code for code in filters.get("last_intentions") or [] if code]
    min_strength = filters.get("min_strength")
    max_strength = filters.get("max_strength")
    if intentions or min_strength or max_strength:
        electors = electors.annotate(
            last_intention=q.latest_intention_subquery(),
            last_strength=q.latest_strength_subquery(),
        )
        if intentions:
            electors = electors.filter(last_intention__in=intentions)
        if min_strength:
            electors = electors.filter(last_strength__gte=int(min_strength))
        if max_strength:
            electors = electors.filter(last_strength__lte=int(max_strength))
    if filters.get("postal_voter") in ("yes", "no"):
        electors = electors.filter(is_postal_voter=filters["postal_voter"] == "yes")
    if filters.get("member") in ("yes", "no"):
        electors = q.members_only(electors, filters["member"] == "yes")
    return electors


def target_counts(electors: QuerySet) -> dict:
    """How many electors and households (doors) a target reaches."""
    return {
        "electors": electors.count(),
        "households": electors.exclude(property=None).values("property").distinct().count(),
    }
