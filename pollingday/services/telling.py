"""Tellers' numbers: applying a batch sent by a teller's phone, and undoing entries.

A phone sends what it holds in one request, perhaps hundreds of numbers after a spell with no
signal, perhaps the same batch again because the answer never arrived. Each entry is applied
or refused on its own (DESIGN.md, invariant 1) and none is stored twice: the entry's id is the
phone's, and the database keeps one standing mark per elector and election.

Speed matters (500 numbers under 200 ms): numbers are parsed in Python, all of them are found
on the register with one query, stored with one INSERT ... ON CONFLICT DO NOTHING and the ones
not stored are explained with one more query. SQLite takes a portable path.
"""

import datetime
import uuid
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from clp.audit import audit_record
from members.models import Election, Elector, PollingStation
from pollingday.models import Telling
from pollingday.numbers import NumberRefused, TypedNumber, parse_number

# Numbers taken a little before the doors open or after they close (a clock running fast, a
# last voter) are still taken; a phone's clock may be a few minutes ahead of the server's.
GRACE = datetime.timedelta(minutes=15)
CLOCK_SKEW = datetime.timedelta(minutes=5)
MAX_ENTRIES = 2000


def _hhmm(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


@dataclass
class TellingResult:
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    repeats: list[dict] = field(default_factory=list)  # {"id", "number", "at"}
    rejected: list[dict] = field(default_factory=list)  # {"id", "error"}
    undone: list[str] = field(default_factory=list)
    numbers: dict[str, str] = field(default_factory=dict)  # id → the number as stored
    station_count: int = 0
    station_last: datetime.datetime | None = None

    def reject(self, entry_id, error: str) -> None:
        self.rejected.append({"id": entry_id, "error": error})

    def as_dict(self) -> dict:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "repeats": self.repeats,
            "rejected": self.rejected,
            "undone": self.undone,
            "numbers": self.numbers,
            "station": {
                "count": self.station_count,
                "last": _hhmm(self.station_last) if self.station_last else "",
            },
        }


@dataclass
class StationDistricts:
    """The codes of the districts voting at a station (→ their ids), and where the election's
    other districts vote (code → station name), for telling the teller."""

    ids: dict[str, int]
    elsewhere: dict[str, str]

    @property
    def codes(self) -> list[str]:
        return list(self.ids)


def station_districts_for(election: Election, station: PollingStation) -> StationDistricts:
    ids, elsewhere = {}, {}
    rows = election.polling_districts.values_list(
        "pk", "code", "polling_station_id", "polling_station__name"
    ).order_by("code")
    for pk, code, station_id, station_name in rows:
        if station_id == station.pk:
            ids[code.upper()] = pk
        else:
            elsewhere[code.upper()] = station_name or "another station (none set yet)"
    return StationDistricts(ids=ids, elsewhere=elsewhere)


def _told_at(value, *, election, now) -> datetime.datetime:
    """When the phone says the number was taken, or NumberRefused saying why it cannot be."""
    if value in (None, ""):
        return now
    try:
        moment = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise NumberRefused("The phone sent this number with no proper time: type it again.")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > now + CLOCK_SKEW:
        # A phone whose clock runs fast: the voter has still voted, so the mark counts, as
        # taken when it arrived.
        moment = now
    opens, closes = election.polls_open, election.polls_close
    if opens - GRACE <= moment <= closes + GRACE:
        return moment
    if timezone.localdate(moment) != election.polls_on:
        raise NumberRefused(
            f"Taken on {timezone.localdate(moment):%-d %B}: numbers count only on polling "
            f"day ({election.polls_on:%-d %B})."
        )
    if moment < opens:
        raise NumberRefused(f"Taken at {_hhmm(moment)}, before the polls opened at {opens:%H:%M}.")
    raise NumberRefused(f"Taken at {_hhmm(moment)}, after the polls closed at {closes:%H:%M}.")


def _entry_id(value) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except (TypeError, ValueError, AttributeError):
        return None


@dataclass
class _Taken:
    id: str
    typed: TypedNumber
    told_at: datetime.datetime
    elector_id: int = 0
    person_id: int = 0
    district_id: int = 0


def _find_electors(keys: list[tuple[int, int, int]]) -> dict[tuple, tuple[int, int]]:
    """(district id, number, suffix) → (elector id, person id), on the register, one query."""
    if not keys:
        return {}
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Elector._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT v.d, v.n, v.s, e.id, e.person_id "  # noqa: S608 (table name from the model)
                f"FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS v(d, n, s) "
                f"JOIN {table} e ON e.polling_district_id = v.d AND e.number = v.n "
                f"AND e.suffix = v.s AND e.on_register",
                [[k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys]],
            )
            return {(d, n, s): (e, p) for d, n, s, e, p in cursor.fetchall()}
    wanted = set(keys)
    rows = Elector.objects.filter(
        polling_district_id__in={k[0] for k in keys},
        number__in={k[1] for k in keys},
        on_register=True,
    ).values_list("polling_district_id", "number", "suffix", "pk", "person_id")
    return {(d, n, s): (e, p) for d, n, s, e, p in rows if (d, n, s) in wanted}


def _insert(takes: list[_Taken], *, actor, election, station, now) -> set[str]:
    """Store what is not stored yet; the ids stored."""
    if not takes:
        return set()
    recorder = actor.pk if getattr(actor, "is_authenticated", False) else None
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Telling._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (id, election_id, polling_station_id, "  # noqa: S608
                f"polling_district_id, elector_id, person_id, told_at, received_at, "
                f"recorded_by_id) "
                f"SELECT u.id, %s, %s, u.d, u.e, u.p, u.t, %s, %s FROM unnest("
                f"%s::uuid[], %s::bigint[], %s::bigint[], %s::bigint[], %s::timestamptz[]"
                f") AS u(id, d, e, p, t) ON CONFLICT DO NOTHING RETURNING id",
                [
                    election.pk,
                    station.pk,
                    now,
                    recorder,
                    [t.id for t in takes],
                    [t.district_id for t in takes],
                    [t.elector_id for t in takes],
                    [t.person_id for t in takes],
                    [t.told_at for t in takes],
                ],
            )
            return {str(row[0]) for row in cursor.fetchall()}
    # SQLite: writers take turns, so what is not there now is stored below.
    there = _stored(takes, election=election)
    fresh = [t for t in takes if t.id not in there["ids"] and t.elector_id not in there["marks"]]
    Telling.objects.bulk_create(
        [
            Telling(
                id=uuid.UUID(t.id),
                election=election,
                polling_station=station,
                polling_district_id=t.district_id,
                elector_id=t.elector_id,
                person_id=t.person_id,
                told_at=t.told_at,
                received_at=now,
                recorded_by_id=recorder,
            )
            for t in fresh
        ],
        ignore_conflicts=True,
    )
    return {t.id for t in fresh}


def _stored(takes: list[_Taken], *, election) -> dict:
    """Which of these ids are stored already, and when each elector's standing mark was made."""
    rows = Telling.objects.filter(
        Q(pk__in=[t.id for t in takes])
        | Q(election=election, elector_id__in=[t.elector_id for t in takes], undone_at=None)
    ).values_list("pk", "elector_id", "told_at", "undone_at")
    ids, marks = set(), {}
    for pk, elector_id, told_at, undone_at in rows:
        ids.add(str(pk))
        if undone_at is None:
            marks[elector_id] = told_at
    return {"ids": ids, "marks": marks}


def station_tally(election, station) -> tuple[int, datetime.datetime | None]:
    """How many numbers the station has taken (not undone) and when the last was taken."""
    tally = Telling.objects.filter(
        election=election, polling_station=station, undone_at=None
    ).aggregate(count=Count("pk"), last=Max("told_at"))
    return tally["count"], tally["last"]


def tellings_apply(
    *,
    actor,
    election: Election,
    station: PollingStation,
    entries: list,
    now: datetime.datetime | None = None,
    request=None,
) -> TellingResult:
    """Apply a teller's batch: numbers taken ({"id", "text", "district", "told_at", "by"}) and
    undos ({"id", "undo": the entry's id}). Each good number is stored once; a number already
    marked in this election (by anyone) is a repeat, reported with its time; a bad one is
    refused with its reason; an id already stored is a duplicate. Safe to send twice."""
    now = now or timezone.now()
    result = TellingResult()
    if not isinstance(entries, list):
        entries = []
    places = station_districts_for(election, station)
    takes: list[_Taken] = []
    undos: dict[str, str] = {}  # undo event id → entry id
    seen: set[str] = set()
    # A phone sends at most a few hundred at a time; anything past the limit is left for its
    # next send (neither accepted nor refused, so it stays waiting on the phone).
    for entry in entries[:MAX_ENTRIES]:
        if not isinstance(entry, dict):
            continue
        entry_id = _entry_id(entry.get("id"))
        if entry_id is None:
            result.reject(str(entry.get("id", ""))[:40], "This entry came without its id.")
            continue
        if entry_id in seen:
            result.duplicates.append(entry_id)
            continue
        seen.add(entry_id)
        by = entry.get("by")
        if by not in (None, "") and str(by) != str(getattr(actor, "pk", "")):
            result.reject(entry_id, "Taken by someone else on this phone: they must send it.")
            continue
        if "undo" in entry:
            target = _entry_id(entry.get("undo"))
            if target is None:
                result.reject(entry_id, "This undo does not say which number to undo.")
            else:
                undos[entry_id] = target
            continue
        try:
            told_at = _told_at(entry.get("told_at"), election=election, now=now)
            typed = parse_number(
                entry.get("text"),
                codes=places.codes,
                chosen=entry.get("district") if isinstance(entry.get("district"), str) else None,
                elsewhere=places.elsewhere,
            )
        except NumberRefused as refusal:
            result.reject(entry_id, refusal.message)
            continue
        takes.append(_Taken(entry_id, typed, told_at, district_id=places.ids[typed.district]))

    with transaction.atomic():
        found = _find_electors(
            list({(t.district_id, t.typed.number, t.typed.suffix) for t in takes})
        )
        first_by_elector: dict[int, _Taken] = {}
        to_store: list[_Taken] = []
        in_batch_repeats: list[tuple[_Taken, _Taken]] = []
        for take in takes:
            hit = found.get((take.district_id, take.typed.number, take.typed.suffix))
            if hit is None:
                result.reject(
                    take.id,
                    f"{take.typed} is not on the register at this station: check the number.",
                )
                continue
            take.elector_id, take.person_id = hit
            result.numbers[take.id] = str(take.typed)
            first = first_by_elector.get(take.elector_id)
            if first is not None:
                in_batch_repeats.append((take, first))
                continue
            first_by_elector[take.elector_id] = take
            to_store.append(take)

        stored = _insert(to_store, actor=actor, election=election, station=station, now=now)
        not_stored = [t for t in to_store if t.id not in stored]
        there = _stored(not_stored, election=election) if not_stored else {"ids": set()}
        for take in to_store:
            if take.id in stored:
                result.accepted.append(take.id)
            elif take.id in there["ids"]:
                result.duplicates.append(take.id)
            else:
                marked = there["marks"].get(take.elector_id, take.told_at)
                result.repeats.append(
                    {"id": take.id, "number": str(take.typed), "at": _hhmm(marked)}
                )
        for take, first in in_batch_repeats:
            result.repeats.append(
                {"id": take.id, "number": str(take.typed), "at": _hhmm(first.told_at)}
            )

        undone = 0
        if undos:
            undone = Telling.objects.filter(
                pk__in=list(undos.values()),
                election=election,
                polling_station=station,
                recorded_by=actor,
                undone_at=None,
            ).update(undone_at=now)
            # Settled whether or not there was anything left to undo: sending it again is safe.
            result.undone.extend(undos)

        if result.accepted or undone:
            audit_record(
                actor=actor,
                action="pollingday.tellings_apply",
                target=station,
                request=request,
                details={
                    "election": election.pk,
                    "station": station.pk,
                    "taken": len(result.accepted),
                    "repeats": len(result.repeats),
                    "refused": len(result.rejected),
                    "undone": undone,
                },
            )
        result.station_count, result.station_last = station_tally(election, station)
    return result


def tellings_undo(
    *,
    actor,
    election: Election,
    station: PollingStation,
    undos: dict[str, str],
    now: datetime.datetime | None = None,
    request=None,
) -> TellingResult:
    """Undo the actor's own entries at this station: {undo event id: entry id}. The event id
    makes sending it again harmless; an entry never stored (or already undone) is left be."""
    events = [{"id": event_id, "undo": entry_id} for event_id, entry_id in undos.items()]
    return tellings_apply(
        actor=actor, election=election, station=station, entries=events, now=now, request=request
    )
