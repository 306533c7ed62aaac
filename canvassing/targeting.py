"""Turning a target (segment + canvass filters) into electors, always inside the asker's areas."""

import datetime
import re

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from canvassing import querysets as q
from canvassing.segments import segment_electors
from clp.access import polling_districts_for_user
from clp.roles import ORGANISING_ROLES
from members.models import Channel, Elector
from members.segments import apply_contact_filters
from members.services.contacts import RECENT_DAYS

CONTACT_FILTERS = (
    "intentions",
    "min_strength",
    "max_strength",
    "contacted_since",
    "not_contacted_since",
    "contact_channels",
    "contact_outcome",
    "never_contacted",
    "answers",
)
CANVASS = [Channel.DOORSTEP, Channel.PAPER]


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
    districts = polling_districts_for_user(user, *ORGANISING_ROLES).filter(
        constituency=campaign.constituency
    )
    if wards := _ids(filters.get("wards")):
        districts = districts.filter(ward__in=wards)
    if chosen := _ids(filters.get("polling_districts")):
        districts = districts.filter(pk__in=chosen)
    electors = Elector.objects.filter(
        polling_district__in=list(districts.values_list("pk", flat=True))
    )
    electors = electors.knockable()
    electors = q.not_turned_away(electors, campaign)
    if segment is not None:
        electors = segment_electors(segment, electors)
    # What people said and when they were last reached, on any channel and in any campaign:
    # the shared contact record (members.segments), applied to the electors' people.
    contact_filters = {key: filters[key] for key in CONTACT_FILTERS if filters.get(key)}
    electors = apply_contact_filters(electors, contact_filters, person="person")
    if filters.get("never_canvassed"):
        canvassed = {"never_contacted": True, "contact_channels": CANVASS, "contact_outcome": "any"}
        electors = apply_contact_filters(electors, canvassed, person="person")
    if filters.get("postal_voter") in ("yes", "no"):
        electors = electors.filter(is_postal_voter=filters["postal_voter"] == "yes")
    if filters.get("member") in ("yes", "no"):
        electors = q.members_only(electors, filters["member"] == "yes")
    return electors


def target_counts(electors: QuerySet) -> dict:
    """How many electors and households (doors) a target reaches, and how many of them anyone
    contacted in the last RECENT_DAYS days (any campaign, branch or channel)."""
    since = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
    # The person's last contact, from their summary (a joined row, not a pass over contacts).
    recent = Q(person__contact_summary__contacted_at__gte=since)
    # One pass over the electors for every figure.
    return electors.aggregate(
        electors=Count("pk"),
        households=Count("property", distinct=True),
        recent=Count("pk", filter=recent),
        recent_households=Count("property", distinct=True, filter=recent),
    ) | {"recent_days": RECENT_DAYS}


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
