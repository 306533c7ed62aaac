"""Knock-up reads: who has voted on the day, what is left on a knock-up list.

Voted (on the day) means any of: a standing teller's number (a Telling not undone) for the
election; a postal vote whose ballot came back (AbsentVoter.returned_on set); a knock on the
polling day whose outcome was "Says they have voted".
"""

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from members.models import AbsentVoter, Outcome
from members.walk_order import street_name
from pollingday.models import Knock, KnockUpEntry, Telling


def told(election, elector="pk") -> Exists:
    return Exists(
        Telling.objects.filter(
            election=election, elector_id=OuterRef(elector), undone_at__isnull=True
        )
    )


def postal_returned(election, elector="pk") -> Exists:
    return Exists(
        AbsentVoter.objects.filter(
            election=election, elector_id=OuterRef(elector), returned_on__isnull=False
        )
    )


def says_voted(election, elector="pk") -> Exists:
    start = election.on_polling_day(datetime.time.min)
    end = start + datetime.timedelta(days=1)
    return Exists(
        Knock.objects.filter(
            knock_up_list__election=election,
            elector_id=OuterRef(elector),
            outcome=Outcome.ALREADY_VOTED,
            knocked_at__gte=start,
            knocked_at__lt=end,
        )
    )


def voted_condition(election, elector="pk") -> Q:
    """Over rows whose `elector` field is the elector's id: they have voted in `election`."""
    return (
        Q(told(election, elector))
        | Q(postal_returned(election, elector))
        | Q(says_voted(election, elector))
    )


def not_voted(electors: QuerySet, election) -> QuerySet:
    return electors.exclude(voted_condition(election))


def voted_on_list(knock_up_list) -> list[int]:
    """The list's elector ids who have voted now: one query."""
    return list(
        KnockUpEntry.objects.filter(knock_up_list=knock_up_list)
        .filter(voted_condition(knock_up_list.election, "elector_id"))
        .order_by()
        .values_list("elector_id", flat=True)
    )


def live_entries(knock_up_list) -> QuerySet:
    """The list's entries in walk order, leaving out whoever has voted since it was cut, with
    what the runner's page and the sheet show. One query."""
    return (
        KnockUpEntry.objects.filter(knock_up_list=knock_up_list)
        .exclude(voted_condition(knock_up_list.election, "elector_id"))
        .select_related(
            "elector",
            "elector__polling_district",
            "elector__property",
            "elector__property__street",
        )
        .order_by("position")
    )


def address(prop) -> str:
    if prop is None:
        return "Address not known"
    return ", ".join(line for line in prop.address_lines if line) or str(prop)


def households(entries) -> list[dict]:
    """Entries (in walk order) grouped by door: [{"key", "address", "street", "electors"}]."""
    doors: dict = {}
    for entry in entries:
        elector = entry.elector
        key = elector.property_id or f"e{elector.pk}"
        door = doors.get(key)
        if door is None:
            door = doors[key] = {
                "key": key,
                "address": address(elector.property),
                "street": street_name(elector.property) or "Address not known",
                "electors": [],
            }
        door["electors"].append(
            {
                "id": elector.pk,
                "name": str(elector) or elector.surname,
                "number": elector.elector_number,
                "position": entry.position,
            }
        )
    return list(doors.values())
