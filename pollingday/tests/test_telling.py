"""Applying tellers' numbers (pollingday.services.telling): good ones stored once, repeats
ignored with their time, bad ones refused with words, undo, and nothing applied twice."""

import datetime
import uuid

import pytest
from django.utils import timezone

from clp.models import AuditEntry
from clp.roles import RoleCode
from members.models import Elector
from pollingday.models import Telling
from pollingday.numbers import split_batch
from pollingday.services.telling import tellings_apply, tellings_undo
from pollingday.tests.factories import add_electors

pytestmark = pytest.mark.django_db


def _at(world, hh, mm=0):
    zone = timezone.get_current_timezone()
    return datetime.datetime.combine(world.election.polls_on, datetime.time(hh, mm), tzinfo=zone)


@pytest.fixture
def castle(world):
    add_electors(world.districts["CA"], 5)  # CA-1 … CA-5
    add_electors(world.districts["CB"], 3, street_name="Mill Lane")  # CB-1 … CB-3
    add_electors(world.districts["CC"], 3, street_name="Church Road")  # at St Mary's Hall
    (with_suffix,) = add_electors(world.districts["CA"], 1, first_number=889)
    Elector.objects.filter(pk=with_suffix.pk).update(number=888, suffix=1)
    add_electors(world.districts["CA"], 1, first_number=888)
    return world.stations["Castle School"]


def _entry(text, *, told_at, district="CA", by=None):
    entry = {"id": str(uuid.uuid4()), "text": text, "district": district}
    entry["told_at"] = told_at.isoformat()
    if by is not None:
        entry["by"] = by
    return entry


def _apply(world, station, entries, actor, now):
    return tellings_apply(
        actor=actor, election=world.election, station=station, entries=entries, now=now
    )


def test_good_numbers_are_stored_with_who_where_and_when(world, castle, users):
    teller = users[RoleCode.TELLER]
    now = _at(world, 10, 5)
    entries = [
        _entry("3", told_at=_at(world, 10, 2)),
        _entry("CA888/1", told_at=_at(world, 10, 3)),
        _entry("cb-2", told_at=_at(world, 10, 4)),
        _entry("888", told_at=_at(world, 10, 4), district="CA"),
    ]
    result = _apply(world, castle, entries, teller, now)
    assert result.rejected == [] and result.repeats == []
    assert sorted(result.accepted) == sorted(e["id"] for e in entries)
    assert [result.numbers[e["id"]] for e in entries] == ["CA-3", "CA-888/1", "CB-2", "CA-888"]
    stored = Telling.objects.get(pk=entries[0]["id"])
    elector = stored.elector
    assert (elector.polling_district.code, elector.number, elector.suffix) == ("CA", 3, 0)
    assert stored.person_id == elector.person_id
    assert stored.polling_station == castle and stored.election == world.election
    assert stored.recorded_by == teller
    assert stored.told_at == _at(world, 10, 2) and stored.received_at == now
    assert Telling.objects.get(pk=entries[1]["id"]).elector.suffix == 1
    assert result.station_count == 4
    assert timezone.localtime(result.station_last).strftime("%H:%M") == "10:04"


def test_a_district_voting_elsewhere_and_a_number_not_on_the_register_are_refused_in_words(
    world, castle, users
):
    gone = Elector.objects.get(polling_district=world.districts["CA"], number=5)
    gone.on_register = False
    gone.save(update_fields=["on_register"])
    entries = [
        _entry("CC1", told_at=_at(world, 9)),
        _entry("CA999", told_at=_at(world, 9)),
        _entry("CA5", told_at=_at(world, 9)),
        _entry("hello", told_at=_at(world, 9)),
    ]
    result = _apply(world, castle, entries, users[RoleCode.TELLER], _at(world, 9, 30))
    assert result.accepted == []
    reasons = {r["id"]: r["error"] for r in result.rejected}
    assert reasons == {
        entries[0]["id"]: (
            "CC is not a district at this station: it votes at St Mary's Hall. Here: CA, CB."
        ),
        entries[1]["id"]: "CA-999 is not on the register at this station: check the number.",
        entries[2]["id"]: "CA-5 is not on the register at this station: check the number.",
        entries[3]["id"]: "“hello” is not an elector number. Type a number, e.g. 888 or CA888.",
    }
    assert not Telling.objects.exists()


def test_a_pasted_batch_with_one_bad_line_applies_the_rest_and_a_replay_changes_nothing(
    world, castle, users
):
    teller = users[RoleCode.TELLER]
    told = _at(world, 11)
    entries = [_entry(t, told_at=told) for t in split_batch("CA1\nCA 2, XY9\nCB-1/0 4")]
    assert [e["text"] for e in entries] == ["CA1", "CA2", "XY9", "CB-1/0", "4"]
    first = _apply(world, castle, entries, teller, _at(world, 11, 1))
    assert len(first.accepted) == 4
    assert first.rejected == [
        {"id": entries[2]["id"], "error": "XY is not a district at this station. Here: CA, CB."}
    ]
    audits = AuditEntry.objects.filter(action="pollingday.tellings_apply")
    assert audits.count() == 1  # one per batch, naming the count and the station
    assert audits.get().details["taken"] == 4 and audits.get().target_id == str(castle.pk)

    again = _apply(world, castle, entries, teller, _at(world, 11, 5))
    assert again.accepted == [] and again.repeats == []
    assert sorted(again.duplicates) == sorted(first.accepted)
    assert [r["id"] for r in again.rejected] == [entries[2]["id"]]
    assert Telling.objects.count() == 4
    assert audits.count() == 1  # nothing changed, nothing to record
    assert set(Telling.objects.values_list("received_at", flat=True)) == {_at(world, 11, 1)}


def test_the_same_id_twice_in_one_batch_is_stored_once(world, castle, users):
    entry = _entry("CA1", told_at=_at(world, 12))
    result = _apply(world, castle, [entry, dict(entry)], users[RoleCode.TELLER], _at(world, 12))
    assert result.accepted == [entry["id"]] and result.duplicates == [entry["id"]]
    assert Telling.objects.count() == 1


def test_a_voter_already_marked_by_anyone_is_a_repeat_with_the_time_of_the_first_mark(
    world, castle, users
):
    _apply(
        world,
        castle,
        [_entry("CA1", told_at=_at(world, 10, 2))],
        users[RoleCode.TELLER],
        _at(world, 10, 3),
    )
    again = _entry("1", told_at=_at(world, 10, 40))
    twice = [_entry("CA2", told_at=_at(world, 10, 41)), _entry("CA-2", told_at=_at(world, 10, 42))]
    result = _apply(
        world, castle, [again, *twice], users[RoleCode.AREA_ORGANISER], _at(world, 10, 45)
    )
    assert result.accepted == [twice[0]["id"]]
    assert result.rejected == [] and result.duplicates == []
    assert sorted(result.repeats, key=lambda r: r["number"]) == [
        {"id": again["id"], "number": "CA-1", "at": "10:02"},
        {"id": twice[1]["id"], "number": "CA-2", "at": "10:41"},
    ]
    assert Telling.objects.count() == 2


def test_undo_of_a_sent_number_stands_it_down_and_is_safe_to_send_twice(world, castle, users):
    teller = users[RoleCode.TELLER]
    entry = _entry("CA3", told_at=_at(world, 14))
    _apply(world, castle, [entry], teller, _at(world, 14, 1))
    undo = {"id": str(uuid.uuid4()), "undo": entry["id"], "by": teller.pk}
    result = _apply(world, castle, [undo], teller, _at(world, 14, 2))
    assert result.undone == [undo["id"]] and result.station_count == 0
    assert Telling.objects.get(pk=entry["id"]).undone_at == _at(world, 14, 2)

    replay = _apply(world, castle, [undo], teller, _at(world, 14, 9))
    assert replay.undone == [undo["id"]]
    assert Telling.objects.get(pk=entry["id"]).undone_at == _at(world, 14, 2)
    # The voter can be taken again (the teller typed the wrong number, then the right one).
    retaken = _entry("CA3", told_at=_at(world, 14, 10))
    assert _apply(world, castle, [retaken], teller, _at(world, 14, 10)).accepted == [retaken["id"]]
    # The undone entry sent again is a duplicate: it does not come back.
    assert _apply(world, castle, [entry], teller, _at(world, 14, 11)).duplicates == [entry["id"]]
    assert Telling.objects.filter(undone_at=None).count() == 1


def test_undo_of_a_number_never_sent_stores_nothing(world, castle, users):
    teller = users[RoleCode.TELLER]
    undo = {"id": str(uuid.uuid4()), "undo": str(uuid.uuid4())}
    result = _apply(world, castle, [undo], teller, _at(world, 15))
    assert result.undone == [undo["id"]]
    assert not Telling.objects.exists()


def test_a_teller_cannot_undo_another_teller_s_number(world, castle, users):
    entry = _entry("CA3", told_at=_at(world, 14))
    _apply(world, castle, [entry], users[RoleCode.TELLER], _at(world, 14))
    undo = {"id": str(uuid.uuid4()), "undo": entry["id"]}
    _apply(world, castle, [undo], users[RoleCode.AREA_ORGANISER], _at(world, 14, 5))
    assert Telling.objects.get(pk=entry["id"]).undone_at is None


def test_numbers_outside_polling_hours_are_refused(world, castle, users):
    now = _at(world, 22, 50)
    entries = [
        _entry("CA1", told_at=_at(world, 6, 30)),
        _entry("CA2", told_at=_at(world, 22, 30)),
        _entry("CA3", told_at=now + datetime.timedelta(hours=1)),
        _entry("CA4", told_at=_at(world, 12) - datetime.timedelta(days=1)),
        _entry("CA5", told_at=_at(world, 6, 50)),  # a few minutes early: taken
        {"id": str(uuid.uuid4()), "text": "CB1", "told_at": "half past ten"},
    ]
    result = _apply(world, castle, entries, users[RoleCode.TELLER], now)
    assert result.accepted == [entries[4]["id"]]
    day_before = world.election.polls_on - datetime.timedelta(days=1)
    assert [r["error"] for r in result.rejected] == [
        "Taken at 06:30, before the polls opened at 07:00.",
        "Taken at 22:30, after the polls closed at 22:00.",
        "Taken at 22:50, after the polls closed at 22:00.",  # a time still to come: now
        f"Taken on {day_before:%-d %B}: numbers count only on polling day "
        f"({world.election.polls_on:%-d %B}).",
        "The phone sent this number with no proper time: type it again.",
    ]


def test_a_phone_whose_clock_runs_fast_still_marks_the_voter_as_of_arrival(world, castle, users):
    now = _at(world, 14)
    entry = _entry("CA1", told_at=now + datetime.timedelta(minutes=50))
    result = _apply(world, castle, [entry], users[RoleCode.TELLER], now)
    assert result.accepted == [entry["id"]]
    assert Telling.objects.get(pk=entry["id"]).told_at == now


def test_a_number_taken_by_someone_else_on_a_shared_phone_is_not_sent_as_mine(world, castle, users):
    other = users[RoleCode.AREA_ORGANISER]
    entry = _entry("CA1", told_at=_at(world, 10), by=other.pk)
    result = _apply(world, castle, [entry], users[RoleCode.TELLER], _at(world, 10))
    assert result.rejected == [
        {"id": entry["id"], "error": "Taken by someone else on this phone: they must send it."}
    ]
    assert not Telling.objects.exists()


def test_undo_is_recorded_once_in_the_audit_log(world, castle, users):
    teller = users[RoleCode.TELLER]
    entries = [_entry("CA1", told_at=_at(world, 9)), _entry("CA2", told_at=_at(world, 9))]
    _apply(world, castle, entries, teller, _at(world, 9, 1))
    undos = {str(uuid.uuid4()): e["id"] for e in entries}
    result = tellings_undo(
        actor=teller, election=world.election, station=castle, undos=undos, now=_at(world, 9, 2)
    )
    assert sorted(result.undone) == sorted(undos) and result.station_count == 0
    audit = AuditEntry.objects.filter(action="pollingday.tellings_apply").latest("pk")
    assert audit.details["undone"] == 2 and audit.details["taken"] == 0
