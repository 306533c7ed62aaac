"""Writes for knock-up: cutting a district's promises who have not voted into lists for
runners (round by round), handing lists out and taking them back, and storing the knocks a
runner's phone sends (each also a contact in the shared record)."""

import datetime
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from clp.audit import audit_record
from members.models import KNOCK_UP_OUTCOMES, Channel
from members.services.contacts import ContactRecord, contacts_record
from members.walk_order import doors_in_walk_order, street_name
from pollingday.knockup import not_voted
from pollingday.models import Knock, KnockUpEntry, KnockUpList
from pollingday.promises import promises

DEFAULT_DOORS = 40
MAX_DOORS = 500
KNOCK_SOURCE = "pollingday.knock"
MAX_BATCH = 500
MAX_NOTE = 300


def knockup_lists_cut(
    *,
    actor,
    election,
    polling_district,
    doors: int = DEFAULT_DOORS,
    committee_room=None,
    request=None,
) -> list[KnockUpList]:
    """Cut the district's promises who have not voted into lists of at most `doors` doors,
    in walk order (street, odd side up, even side down), never splitting a household.

    Each cut is a new round (1 + the district's last round): the district's earlier lists are
    taken back, since whoever on them still has not voted is on the new round's lists."""
    if doors < 1 or doors > MAX_DOORS:
        raise ValidationError(f"A knock-up list needs between 1 and {MAX_DOORS} doors.")
    electors = (
        not_voted(promises(election, [polling_district]), election)
        .select_related("property", "property__street")
        # Only what walk order and the list's name need: a 3,000-elector district loads fast.
        .only(
            "number",
            "suffix",
            "property__street__name",
            "property__address_lines",
            "property__house_number",
            "property__house_suffix",
            "property__flat",
        )
        .order_by()
    )
    chunks: list[list[list]] = []
    for household in doors_in_walk_order(electors):
        if not chunks or len(chunks[-1]) >= doors:
            chunks.append([])
        chunks[-1].append(household)
    now = timezone.now()
    with transaction.atomic():
        existing = KnockUpList.objects.select_for_update().filter(
            election=election, polling_district=polling_district
        )
        last_round = existing.aggregate(last=Max("round"))["last"] or 0
        taken_back = existing.filter(returned_at__isnull=True).update(
            returned_at=now, updated_at=now
        )
        this_round = last_round + 1
        lists = []
        for number, chunk in enumerate(chunks, start=1):
            streets = []
            for household in chunk:
                name = street_name(household[0].property) or "Address not known"
                if name not in streets:
                    streets.append(name)
            title = f"{polling_district.code} round {this_round} · {number}: " + ", ".join(streets)
            lists.append(
                KnockUpList(
                    election=election,
                    polling_district=polling_district,
                    committee_room=committee_room,
                    name=title[: KnockUpList._meta.get_field("name").max_length],
                    round=this_round,
                    created_by=actor,
                )
            )
        KnockUpList.objects.bulk_create(lists)
        entries = []
        street_links = []
        through = KnockUpList.streets.through
        for knock_up_list, chunk in zip(lists, chunks, strict=True):
            position = 0
            street_ids = []
            for household in chunk:
                for elector in household:
                    position += 1
                    entries.append(
                        KnockUpEntry(
                            knock_up_list=knock_up_list, elector=elector, position=position
                        )
                    )
                prop = household[0].property
                if prop is not None and prop.street_id and prop.street_id not in street_ids:
                    street_ids.append(prop.street_id)
            street_links += [
                through(knockuplist_id=knock_up_list.pk, street_id=s) for s in street_ids
            ]
        KnockUpEntry.objects.bulk_create(entries, batch_size=2000)
        through.objects.bulk_create(street_links, batch_size=2000)
        audit_record(
            actor=actor,
            action="pollingday.knock_up.cut",
            target=election,
            request=request,
            details={
                "polling_district": polling_district.code,
                "round": this_round,
                "lists": len(lists),
                "electors": len(entries),
                "taken_back": taken_back,
            },
        )
    return lists


def knockup_list_hand_out(*, actor, knock_up_list: KnockUpList, runner, request=None):
    """Give the list to `runner` (their phone shows it under My knock-up lists). Only a list
    of the district's latest round: an earlier round's voters are on the new lists."""
    now = timezone.now()
    with transaction.atomic():
        latest = KnockUpList.objects.filter(
            election_id=knock_up_list.election_id,
            polling_district_id=knock_up_list.polling_district_id,
        ).aggregate(latest=Max("round"))["latest"]
        if latest and knock_up_list.round < latest:
            raise ValidationError(
                f"This list is from round {knock_up_list.round}, and round {latest} has been "
                "cut since: hand out one of the new lists."
            )
        knock_up_list.runner = runner
        knock_up_list.handed_out_at = now
        knock_up_list.returned_at = None
        knock_up_list.save(update_fields=["runner", "handed_out_at", "returned_at", "updated_at"])
        audit_record(
            actor=actor,
            action="pollingday.knock_up.hand_out",
            target=knock_up_list,
            request=request,
            details={"runner": runner.email},
        )
    return knock_up_list


def knockup_list_take_back(*, actor, knock_up_list: KnockUpList, request=None):
    """The runner is back (or the list is withdrawn): it leaves their phone's list."""
    with transaction.atomic():
        knock_up_list.returned_at = timezone.now()
        knock_up_list.save(update_fields=["returned_at", "updated_at"])
        audit_record(
            actor=actor,
            action="pollingday.knock_up.take_back",
            target=knock_up_list,
            request=request,
            details={"runner": knock_up_list.runner.email if knock_up_list.runner else ""},
        )
    return knock_up_list


@dataclass
class SyncOutcome:
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected}


_OUTCOMES = {o.value for o in KNOCK_UP_OUTCOMES}


def _check(event, entries: dict, now) -> tuple[uuid.UUID, dict] | str:
    """The knock to store from one event, or why it is refused (in a runner's words)."""
    if not isinstance(event, dict):
        return "This was not a knock the app recorded."
    try:
        knock_id = uuid.UUID(str(event.get("id")))
    except ValueError:
        return "This knock has no proper id."
    elector = event.get("elector")
    if not isinstance(elector, int) or isinstance(elector, bool) or elector not in entries:
        return "This person is not on this knock-up list."
    outcome = event.get("outcome")
    if outcome not in _OUTCOMES:
        return "That is not something that can happen on a knock-up."
    when = event.get("recorded_at")
    knocked_at = parse_datetime(when) if isinstance(when, str) else None
    if knocked_at is None:
        return "The phone did not say when this knock was."
    if timezone.is_naive(knocked_at):
        knocked_at = timezone.make_aware(knocked_at)
    if knocked_at > now + datetime.timedelta(minutes=10):
        return "This knock is dated in the future: check the phone's clock."
    note = event.get("note") or ""
    if not isinstance(note, str):
        return "The note must be text."
    return knock_id, {
        "elector_id": elector,
        "person_id": entries[elector],
        "outcome": outcome,
        "knocked_at": knocked_at,
        "note": note.replace("\x00", "").strip()[:MAX_NOTE],
    }


def knocks_sync(*, actor, knock_up_list: KnockUpList, events, request=None) -> SyncOutcome:
    """Store the knocks a runner's phone sends for one list. Safe to send twice: a knock's id
    is the phone's, and one already stored is reported as a duplicate. Each good knock is kept
    (with its contact in the shared record, in the same transaction); each bad one is refused
    with its reason."""
    if not isinstance(events, list):
        raise ValidationError("Send the knocks as a list.")
    if len(events) > MAX_BATCH:
        raise ValidationError(f"Send at most {MAX_BATCH} knocks at a time.")
    now = timezone.now()
    entries = dict(
        KnockUpEntry.objects.filter(knock_up_list=knock_up_list).values_list(
            "elector_id", "elector__person_id"
        )
    )
    outcome = SyncOutcome()
    fresh: dict[uuid.UUID, dict] = {}
    for event in events:
        checked = _check(event, entries, now)
        event_id = str(event.get("id")) if isinstance(event, dict) else ""
        if isinstance(checked, str):
            outcome.rejected.append({"id": event_id, "error": checked})
            continue
        knock_id, fields = checked
        if knock_id in fresh:
            outcome.duplicates.append(event_id)
            continue
        fresh[knock_id] = fields
    with transaction.atomic():
        stored = set(Knock.objects.filter(pk__in=list(fresh)).values_list("pk", flat=True))
        for knock_id in stored:
            outcome.duplicates.append(str(knock_id))
        knocks = [
            Knock(id=knock_id, knock_up_list=knock_up_list, recorded_by=actor, **fields)
            for knock_id, fields in fresh.items()
            if knock_id not in stored
        ]
        Knock.objects.bulk_create(knocks, ignore_conflicts=True)
        contacts_record(
            [
                ContactRecord(
                    person_id=k.person_id,
                    contacted_at=k.knocked_at,
                    channel=Channel.KNOCK_UP,
                    source=KNOCK_SOURCE,
                    source_id=str(k.id),
                    outcome=k.outcome,
                    recorded_by_id=actor.pk,
                    context=knock_up_list.name,
                    id=k.id,
                )
                for k in knocks
            ],
            actor=actor,
            request=request,
        )
        outcome.accepted = [str(k.id) for k in knocks]
        if knocks:
            audit_record(
                actor=actor,
                action="pollingday.knock_up.sync",
                target=knock_up_list,
                request=request,
                details={
                    "accepted": len(knocks),
                    "duplicates": len(outcome.duplicates),
                    "rejected": len(outcome.rejected),
                },
            )
    return outcome
