"""Thirty callers asking for their next contact at the same moment, each on their own database
connection, as thirty phones on a busy phone bank evening would: nobody is ever handed to two
callers, and everyone in the queue is called once."""

import threading
from collections import Counter

import pytest
from django.db import connection

from clp.roles import RoleCode
from conftest import make_user
from members.models import ContactPhone, Outcome, Person
from phonebank.models import Call, QueueEntry
from phonebank.services import queue
from phonebank.services.calls import CallResult, call_record
from phonebank.services.queue import contact_hand_out
from phonebank.tests.conftest import TUESDAY_11AM
from tests.db_pool import pool_of_at_least

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

CALLERS = 30
PEOPLE = 600


@pytest.fixture
def crowd(geography, districts):
    """PEOPLE people spread over the districts, each with one mobile we may call."""
    constituency = geography["constituency"]
    people = Person.objects.bulk_create(
        Person(
            constituency=constituency,
            first_name="Race",
            last_name=f"P{n}",
            polling_district=districts[n % len(districts)],
        )
        for n in range(PEOPLE)
    )
    ContactPhone.objects.bulk_create(
        ContactPhone(person=p, number=f"+4477009{n:05d}", kind=ContactPhone.Kind.MOBILE)
        for n, p in enumerate(people)
    )
    return people


@pytest.fixture
def racers(geography):
    """CALLERS callers, with a pooled connection each (and one for the test itself)."""
    users = [
        make_user(RoleCode.CALLER, geography["constituency"], email=f"racer{n}@test.example")
        for n in range(CALLERS)
    ]
    with pool_of_at_least(CALLERS + 1):
        yield users


def _race(racers, work):
    """Run `work(caller)` in one thread per caller, all starting together; the errors raised."""
    barrier = threading.Barrier(len(racers))
    errors = []

    def run(caller):
        try:
            barrier.wait()
            work(caller)
        except Exception as exc:  # noqa: BLE001 - any error is a failure the test reports
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(caller,)) for caller in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _call_everyone(campaign, racers):
    """Every caller takes the next contact and records a refusal until nobody is left; the
    (person, caller) of every hand-out, and any errors."""
    handed, lock = [], threading.Lock()

    def call_until_empty(caller):
        while entry := contact_hand_out(campaign=campaign, user=caller, now=TUESDAY_11AM):
            with lock:
                handed.append((entry.person_id, caller.pk))
            call_record(
                actor=caller,
                campaign=campaign,
                lease_id=entry.lease_id,
                result=CallResult(outcome=Outcome.REFUSED),
                now=TUESDAY_11AM,
            )

    return handed, _race(racers, call_until_empty)


def _assert_each_called_once(campaign, crowd, handed, errors):
    assert errors == []
    assert QueueEntry.objects.filter(campaign=campaign).count() == PEOPLE
    twice = [p for p, n in Counter(p for p, _ in handed).items() if n > 1]
    assert twice == [] and len(handed) == PEOPLE
    assert {p for p, _ in handed} == {p.pk for p in crowd}
    calls = Counter(Call.objects.filter(campaign=campaign).values_list("person_id", flat=True))
    assert len(calls) == PEOPLE and set(calls.values()) == {1}
    callers_of = {p: c for p, c in handed}
    recorded_by = dict(Call.objects.values_list("person_id", "caller_id"))
    assert recorded_by == callers_of
    states = set(QueueEntry.objects.filter(campaign=campaign).values_list("state", flat=True))
    assert states == {QueueEntry.State.DONE}


def test_thirty_callers_racing_through_the_queue_call_each_person_once(
    crowd, racers, make_campaign
):
    campaign = make_campaign()
    handed, errors = _call_everyone(campaign, racers)
    _assert_each_called_once(campaign, crowd, handed, errors)
    # Everyone took part: SKIP LOCKED lets callers pass each other rather than queue up.
    assert len({c for _, c in handed}) == CALLERS


def test_thirty_callers_asking_at_once_each_hold_a_different_person(crowd, racers, make_campaign):
    campaign = make_campaign()
    holding, lock = {}, threading.Lock()

    def ask_twice(caller):
        first = contact_hand_out(campaign=campaign, user=caller, now=TUESDAY_11AM)
        again = contact_hand_out(campaign=campaign, user=caller, now=TUESDAY_11AM)
        with lock:
            holding[caller.pk] = (first.person_id, again.person_id)

    assert _race(racers, ask_twice) == []
    assert all(first == again for first, again in holding.values())
    held = [first for first, _ in holding.values()]
    assert len(held) == CALLERS and len(set(held)) == CALLERS
    leased = QueueEntry.objects.filter(campaign=campaign, state=QueueEntry.State.LEASED)
    assert dict(leased.values_list("leased_by_id", "person_id")) == {
        caller: first for caller, (first, _) in holding.items()
    }


def test_the_portable_claim_also_hands_each_person_to_one_caller(
    crowd, racers, make_campaign, monkeypatch
):
    """The portable hand-out (a conditional UPDATE) that SQLite uses, raced on Postgres where
    callers truly run at once."""
    monkeypatch.setattr(queue, "_hand_out_in_one_statement", queue._hand_out)
    campaign = make_campaign()
    handed, errors = _call_everyone(campaign, racers)
    _assert_each_called_once(campaign, crowd, handed, errors)
