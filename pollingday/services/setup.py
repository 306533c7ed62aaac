"""Writes for setting polling day up: elections, where each district votes, committee rooms,
the shifts volunteers sign up for. Each is keyword-only, transactional and audited."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clp.audit import audit_record
from members.models import Election, PollingDistrict, PollingStation
from pollingday.models import CommitteeRoom, Shift, ShiftSignup

# The election's own settings an organiser chooses (the form's fields, and what the audit shows).
ELECTION_SETTINGS = [
    "name",
    "kind",
    "polls_on",
    "opens_at",
    "closes_at",
    "compare_with",
    "promise_min_strength",
    "undecided_min_strength",
]
# The telling rota: three-hour slots from the polls opening to their close, two tellers each.
TELLING_SLOT = datetime.timedelta(hours=3)
TELLERS_PER_SLOT = 2

STALE = "Someone else changed this since you opened it. Look at it again and redo your change."


def _fresh(obj, seen: datetime.datetime | None) -> None:
    """Refuse to overwrite a newer save (two organisers editing at once)."""
    if seen is None or obj.pk is None:
        return
    current = type(obj).objects.filter(pk=obj.pk).values_list("updated_at", flat=True).first()
    if current is not None and abs((current - seen).total_seconds()) >= 0.001:
        raise ValidationError(STALE)


def _codes(districts) -> list[str]:
    return sorted(d.code for d in districts)


# Elections


def _election_checked(values: dict, districts, *, constituency, election=None) -> dict:
    values = {k: values.get(k) for k in ELECTION_SETTINGS}
    if not districts:
        raise ValidationError("Choose the polling districts that vote in this election.")
    if any(d.constituency_id != constituency.pk for d in districts):
        raise ValidationError("Every polling district must be in this constituency.")
    if values["closes_at"] <= values["opens_at"]:
        raise ValidationError("The polls must close after they open.")
    earlier = values.get("compare_with")
    if earlier is not None:
        if earlier.constituency_id != constituency.pk or (election and earlier.pk == election.pk):
            raise ValidationError("Compare turnout with an earlier election of this constituency.")
        if earlier.polls_on >= values["polls_on"]:
            raise ValidationError(
                f"{earlier} was not before this polling day: compare with an earlier election."
            )
    clash = Election.objects.filter(constituency=constituency, name__iexact=values["name"])
    if election is not None:
        clash = clash.exclude(pk=election.pk)
    if clash.exists():
        raise ValidationError(f"There is already an election called {values['name']!r}.")
    return values


def election_create(*, actor, constituency, values: dict, districts, request=None) -> Election:
    """Set up an election: its day, hours, the districts that vote and the promise rule."""
    districts = list(districts)
    values = _election_checked(values, districts, constituency=constituency)
    try:
        with transaction.atomic():
            election = Election.objects.create(
                constituency=constituency, created_by=actor, **values
            )
            election.polling_districts.set(districts)
            audit_record(
                actor=actor,
                action="pollingday.election_create",
                target=election,
                request=request,
                details={"polls_on": str(election.polls_on), "districts": _codes(districts)},
            )
    except IntegrityError:
        raise ValidationError(f"There is already an election called {values['name']!r}.") from None
    return election


def election_update(
    *, actor, election: Election, values: dict, districts, seen=None, request=None
) -> Election:
    """Change an election. Districts taken out of it leave its committee rooms too. A new
    polling day moves the shifts with it, at the same times of day; shifts already on the
    rota otherwise stay as they are (edit them on the rota)."""
    districts = list(districts)
    values = _election_checked(
        values, districts, constituency=election.constituency, election=election
    )
    with transaction.atomic():
        Election.objects.select_for_update().filter(pk=election.pk).first()
        _fresh(election, seen)
        before = _codes(election.polling_districts.all())
        moved_from = election.polls_on
        for field, value in values.items():
            setattr(election, field, value)
        election.save(update_fields=[*values, "updated_at"])
        election.polling_districts.set(districts)
        if election.polls_on != moved_from:
            _shifts_move(election)
        dropped = set(before) - set(_codes(districts))
        if dropped:
            for room in CommitteeRoom.objects.filter(election=election):
                room.polling_districts.remove(
                    *[d for d in room.polling_districts.all() if d.code in dropped]
                )
        audit_record(
            actor=actor,
            action="pollingday.election_update",
            target=election,
            request=request,
            details={"districts_before": before, "districts": _codes(districts)},
        )
    return election


def _shifts_move(election: Election) -> None:
    shifts = list(Shift.objects.filter(election=election))
    for shift in shifts:
        shift.starts_at = election.on_polling_day(timezone.localtime(shift.starts_at).time())
        shift.ends_at = election.on_polling_day(timezone.localtime(shift.ends_at).time())
    Shift.objects.bulk_update(shifts, ["starts_at", "ends_at"])


# Polling stations


def polling_station_save(
    *,
    actor,
    election: Election,
    station: PollingStation | None,
    name: str,
    address: str,
    postcode: str,
    districts,
    choosable,
    seen=None,
    request=None,
) -> PollingStation:
    """Add or edit a polling station and say which of the election's districts vote there.

    `choosable` are the districts the organiser may move (the election's, inside their areas):
    those ticked vote here from now on; those unticked that voted here have no station until
    another is chosen. Where a district votes is the council's arrangement, so it holds for
    every election of the constituency."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError("Give the polling station a name.")
    districts = list(districts)
    choosable = list(choosable)
    allowed = {d.pk for d in choosable}
    if any(d.pk not in allowed for d in districts):
        raise ValidationError("You can only choose districts of this election in your areas.")
    with transaction.atomic():
        if station is None:
            station = PollingStation.objects.create(
                constituency=election.constituency,
                name=name,
                address=(address or "").strip(),
                postcode=(postcode or "").strip().upper()[:10],
            )
            action, before = "pollingday.polling_station_create", []
        else:
            PollingStation.objects.select_for_update().filter(pk=station.pk).first()
            _fresh(station, seen)
            station.name = name[:200]
            station.address = (address or "").strip()
            station.postcode = (postcode or "").strip().upper()[:10]
            station.save(update_fields=["name", "address", "postcode", "updated_at"])
            action = "pollingday.polling_station_update"
            before = _codes(PollingDistrict.objects.filter(polling_station=station))
        now = timezone.now()
        PollingDistrict.objects.filter(pk__in=[d.pk for d in districts]).update(
            polling_station=station, updated_at=now
        )
        PollingDistrict.objects.filter(pk__in=allowed - {d.pk for d in districts}).filter(
            polling_station=station
        ).update(polling_station=None, updated_at=now)
        audit_record(
            actor=actor,
            action=action,
            target=station,
            request=request,
            details={
                "election": election.pk,
                "districts_before": before,
                "districts": _codes(PollingDistrict.objects.filter(polling_station=station)),
            },
        )
    return station


# Committee rooms


def committee_room_save(
    *,
    actor,
    election: Election,
    room: CommitteeRoom | None,
    name: str,
    address: str,
    phone: str,
    districts,
    choosable,
    seen=None,
    request=None,
) -> CommitteeRoom:
    """Add or edit a committee room and the districts it covers; each district of an election
    is covered by one room at most. Districts outside `choosable` (another organiser's areas)
    keep the room they had."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError("Give the committee room a name.")
    districts = list(districts)
    allowed = {d.pk for d in choosable}
    if any(d.pk not in allowed for d in districts):
        raise ValidationError("You can only choose districts of this election in your areas.")
    with transaction.atomic():
        # One room at a time per election, so two rooms cannot both take a district.
        Election.objects.select_for_update().filter(pk=election.pk).first()
        others = CommitteeRoom.objects.filter(election=election)
        if room is not None:
            others = others.exclude(pk=room.pk)
        taken = {
            code: room_name
            for code, room_name in others.filter(
                polling_districts__in=[d.pk for d in districts]
            ).values_list("polling_districts__code", "name")
        }
        if taken:
            raise ValidationError(
                [
                    f"{code} is already covered by {room_name}: a district is run from one "
                    "committee room. Take it out of that room first."
                    for code, room_name in sorted(taken.items())
                ]
            )
        clash = others.filter(name__iexact=name)
        if clash.exists():
            raise ValidationError(f"There is already a committee room called {name!r}.")
        if room is None:
            room = CommitteeRoom.objects.create(
                election=election, name=name[:120], address=address.strip(), phone=phone.strip()
            )
            action, before = "pollingday.committee_room_create", []
        else:
            _fresh(room, seen)
            before = _codes(room.polling_districts.all())
            room.name, room.address, room.phone = name[:120], address.strip(), phone.strip()[:30]
            room.save(update_fields=["name", "address", "phone", "updated_at"])
            action = "pollingday.committee_room_update"
        keep = [d for d in room.polling_districts.all() if d.pk not in allowed]
        room.polling_districts.set([*keep, *districts])
        audit_record(
            actor=actor,
            action=action,
            target=room,
            request=request,
            details={"districts_before": before, "districts": _codes([*keep, *districts])},
        )
    return room


# Shifts


def telling_slots(election: Election) -> list[tuple[datetime.datetime, datetime.datetime]]:
    start, close = election.polls_open, election.polls_close
    slots = []
    while start < close:
        end = min(start + TELLING_SLOT, close)
        slots.append((start, end))
        start = end
    return slots


def telling_rota_make(*, actor, election: Election, stations, request=None) -> int:
    """Put telling shifts on the rota at each station: three-hour slots over polling hours
    (07–10, 10–13, 13–16, 16–19, 19–22 by default), two tellers each. A slot already on the
    rota is left as it is, so pressing the button again adds nothing. Returns how many were
    added."""
    stations = list(stations)
    with transaction.atomic():
        Election.objects.select_for_update().filter(pk=election.pk).first()
        existing = set(
            Shift.objects.filter(
                election=election, kind=Shift.Kind.TELLER, polling_station__in=stations
            ).values_list("polling_station_id", "starts_at", "ends_at")
        )
        new = [
            Shift(
                election=election,
                kind=Shift.Kind.TELLER,
                polling_station=station,
                starts_at=start,
                ends_at=end,
                wanted=TELLERS_PER_SLOT,
            )
            for station in stations
            for start, end in telling_slots(election)
            if (station.pk, start, end) not in existing
        ]
        Shift.objects.bulk_create(new)
        audit_record(
            actor=actor,
            action="pollingday.telling_rota_make",
            target=election,
            request=request,
            details={"added": len(new), "stations": [s.pk for s in stations]},
        )
    return len(new)


def _shift_checked(
    election, kind, polling_station, committee_room, starts_at, ends_at, wanted
) -> None:
    if kind == Shift.Kind.TELLER:
        if polling_station is None:
            raise ValidationError("Choose the polling station the tellers stand at.")
        if committee_room is not None:
            raise ValidationError("Tellers stand at a polling station: leave the room empty.")
    else:
        if committee_room is None:
            raise ValidationError(
                "Choose the committee room this shift works from (add one first if needed)."
            )
        if polling_station is not None:
            raise ValidationError("Only tellers stand at a polling station: leave it empty.")
    if committee_room is not None and committee_room.election_id != election.pk:
        raise ValidationError("That committee room belongs to another election.")
    if ends_at <= starts_at:
        raise ValidationError("A shift must end after it starts.")
    opens, closes = election.polls_open, election.polls_close
    if starts_at < opens or ends_at > closes:
        raise ValidationError(
            f"Shifts are on polling day between {election.opens_at:%H:%M} and "
            f"{election.closes_at:%H:%M}, when the polls are open."
        )
    if not 1 <= wanted <= 50:
        raise ValidationError("A shift needs between 1 and 50 people.")


def shift_save(
    *,
    actor,
    election: Election,
    shift: Shift | None,
    kind: str,
    polling_station=None,
    committee_room=None,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    wanted: int,
    notes: str = "",
    seen=None,
    request=None,
) -> Shift:
    """Add a shift to the rota or change one."""
    _shift_checked(election, kind, polling_station, committee_room, starts_at, ends_at, wanted)
    values = {
        "kind": kind,
        "polling_station": polling_station,
        "committee_room": committee_room,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "wanted": wanted,
        "notes": (notes or "").strip()[:200],
    }
    with transaction.atomic():
        if shift is None:
            shift = Shift.objects.create(election=election, **values)
            action = "pollingday.shift_create"
        else:
            Shift.objects.select_for_update().filter(pk=shift.pk).first()
            _fresh(shift, seen)
            signed = shift.signups.count()
            if wanted < signed:
                raise ValidationError(
                    f"{signed} volunteers are down for this shift: take some off first, or ask "
                    f"for at least {signed}."
                )
            for field, value in values.items():
                setattr(shift, field, value)
            shift.save(update_fields=[*values, "updated_at"])
            action = "pollingday.shift_update"
        audit_record(
            actor=actor,
            action=action,
            target=shift,
            request=request,
            details={"kind": kind, "wanted": wanted, "starts_at": starts_at.isoformat()},
        )
    return shift


FULL = "This shift is full: every place on it is taken. Choose another, or ask the organiser."


def shift_signup_create(*, actor, shift: Shift, user, request=None) -> ShiftSignup:
    """Put `user` down for a shift (themselves, or a volunteer the organiser places). Signing up
    twice is one sign-up; a full shift takes nobody more."""
    with transaction.atomic():
        locked = Shift.objects.select_for_update().get(pk=shift.pk)
        existing = ShiftSignup.objects.filter(shift=locked, user=user).first()
        if existing is not None:
            return existing
        if locked.signups.count() >= locked.wanted:
            raise ValidationError(FULL)
        signup = ShiftSignup.objects.create(shift=locked, user=user)
        audit_record(
            actor=actor,
            action="pollingday.shift_signup",
            target=locked,
            request=request,
            details={"user": user.pk, "by_organiser": actor.pk != user.pk},
        )
    return signup


def shift_signup_cancel(*, actor, shift: Shift, user, request=None) -> bool:
    """Take `user` off a shift (they cancel, or the organiser takes them off). Returns whether
    they were on it."""
    with transaction.atomic():
        deleted, _ = ShiftSignup.objects.filter(shift=shift, user=user).delete()
        if deleted:
            audit_record(
                actor=actor,
                action="pollingday.shift_cancel",
                target=shift,
                request=request,
                details={"user": user.pk, "by_organiser": actor.pk != user.pk},
            )
    return bool(deleted)
