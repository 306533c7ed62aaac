"""Turning a target (segment + canvass filters) into electors, always inside the asker's areas."""

import datetime
import re

from django.db.models import Count, QuerySet

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
    # District ids as constants (the campaign's constituency implied), so that Postgres can
    # estimate the rows even before it has statistics.
    districts = polling_districts_for_user(user, *ORGANISING).filter(
        constituency=campaign.constituency
    )
    if wards := _ids(filters.get("wards")):
        districts = districts.filter(ward__in=wards)
    if chosen := _ids(filters.get("polling_districts")):
        districts = districts.filter(pk__in=chosen)
    electors = Elector.objects.filter(
        polling_district__in=list(districts.values_list("pk", flat=True))
    )
    electors = q.canvassable(electors)
    electors = q.not_turned_away(electors, campaign)
    if segment is not None:
        electors = segment_electors(segment, electors)
    if since := filters.get("not_contacted_since"):
        electors = q.not_contacted_since(electors, datetime.date.fromisoformat(since))
    if filters.get("never_canvassed"):
        electors = q.never_canvassed(electors)
    intentions = [code for code in filters.get("last_intentions") or [] if code]
    min_strength = filters.get("min_strength")
    max_strength = filters.get("max_strength")
    if intentions or min_strength or max_strength:
        # From the results' side: each person's latest intention, filtered, then their
        # electors; not a latest-intention look-up for every elector in the area.
        latest = q.latest_intention_results()
        if intentions:
            latest = latest.filter(intention__in=intentions)
        if min_strength:
            latest = latest.filter(strength__gte=int(min_strength))
        if max_strength:
            latest = latest.filter(strength__lte=int(max_strength))
        electors = electors.filter(person__in=latest.values("person"))
    if filters.get("postal_voter") in ("yes", "no"):
        electors = electors.filter(is_postal_voter=filters["postal_voter"] == "yes")
    if filters.get("member") in ("yes", "no"):
        electors = q.members_only(electors, filters["member"] == "yes")
    return electors


def target_counts(electors: QuerySet) -> dict:
    """How many electors and households (doors) a target reaches."""
    # One pass over the electors for both figures.
    return electors.aggregate(electors=Count("pk"), households=Count("property", distinct=True))


# Abbreviations seen in registers' street names, read the same as the full word.
_STREET_WORDS = {
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "cl": "close",
    "cres": "crescent",
    "cresc": "crescent",
    "dr": "drive",
    "gdns": "gardens",
    "pl": "place",
    "sq": "square",
    "ter": "terrace",
    "terr": "terrace",
    "ct": "court",
    "gro": "grove",
    "pde": "parade",
    "mt": "mount",
    "hse": "house",
}


def street_key(name: str) -> str:
    """A street's name as compared for "the same street": case, punctuation and common
    abbreviations ignored, so "St Mary's Rd" and "ST MARYS ROAD" are one street. "St" is "Saint"
    except as the last word of a longer name ("High St"), where it is "Street"."""
    text = name.lower().replace("&", " and ").replace("-", " ").replace(".", " ")
    words = re.sub(r"[^\w\s]", "", text).split()
    read = []
    for i, word in enumerate(words):
        if word == "st":
            word = "street" if i == len(words) - 1 and i > 0 else "saint"
        read.append(_STREET_WORDS.get(word, word))
    return " ".join(read)


def street_groups(streets) -> list[tuple[str, str, list[int]]]:
    """Streets grouped by `street_key`: (key, the fullest name, street ids), by name."""
    groups: dict[str, tuple[str, list[int]]] = {}
    for street in streets:
        key = street_key(street.name)
        label, ids = groups.get(key, ("", []))
        ids.append(street.pk)
        if len(street.name) > len(label):
            label = street.name
        groups[key] = (label, ids)
    return sorted(((k, label, ids) for k, (label, ids) in groups.items()), key=lambda g: g[1])
