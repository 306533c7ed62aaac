"""The promise list and who has voted: which electors knock-up reminds, and when they count
as having voted (a teller's number, a postal ballot back, a runner told "I have voted")."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from clp.models import AuditEntry
from clp.roles import RoleCode
from members.models import AbsentVoter, Intention, Outcome, VoteMethod
from pollingday.knockup import not_voted
from pollingday.models import Knock, KnockUpList, Telling
from pollingday.promises import promises
from pollingday.tests.factories import LABOUR, add_electors

pytestmark = pytest.mark.django_db


# --- helpers the other knock-up tests use too --------------------------------------------------


def tell(world, elector, *, at=None, undone=False, station=None):
    """A teller's number for `elector` at its district's station."""
    at = at or timezone.now()
    return Telling.objects.create(
        election=world.election,
        polling_station=station or elector.polling_district.polling_station,
        polling_district=elector.polling_district,
        elector=elector,
        person_id=elector.person_id,
        told_at=at,
        received_at=at,
        undone_at=at if undone else None,
    )


def postal(world, elector, *, returned=True):
    return AbsentVoter.objects.create(
        election=world.election,
        elector=elector,
        person_id=elector.person_id,
        method=VoteMethod.POSTAL,
        returned_on=timezone.localdate() - datetime.timedelta(days=2) if returned else None,
    )


def knock(world, elector, outcome, *, at=None):
    knock_up_list, _ = KnockUpList.objects.get_or_create(
        election=world.election,
        polling_district=elector.polling_district,
        name="Test list",
    )
    return Knock.objects.create(
        id=uuid.uuid4(),
        knock_up_list=knock_up_list,
        elector=elector,
        person_id=elector.person_id,
        outcome=outcome,
        knocked_at=at or timezone.now(),
    )


def codes(qs):
    return sorted(qs.values_list("polling_district__code", "number"))


# --- the promise list --------------------------------------------------------------------------


def test_promises_are_labour_at_the_election_strength_or_more(world):
    ca = world.districts["CA"]
    add_electors(ca, 1, first_number=1, intention=LABOUR, strength=5)
    add_electors(ca, 1, first_number=2, intention=LABOUR, strength=4)
    add_electors(ca, 1, first_number=3, intention=LABOUR, strength=3)
    add_electors(ca, 1, first_number=4, intention=Intention.CONSERVATIVE, strength=5)
    add_electors(ca, 1, first_number=5)  # never spoken to
    assert codes(promises(world.election)) == [("CA", 1), ("CA", 2)]
    world.election.promise_min_strength = 5
    assert codes(promises(world.election)) == [("CA", 1)]


def test_leaning_undecideds_are_promises_only_when_the_election_says_so(world):
    ca = world.districts["CA"]
    add_electors(ca, 1, first_number=1, intention=Intention.UNDECIDED, strength=4)
    add_electors(ca, 1, first_number=2, intention=Intention.UNDECIDED, strength=2)
    assert codes(promises(world.election)) == []
    world.election.undecided_min_strength = 3
    assert codes(promises(world.election)) == [("CA", 1)]


def test_people_who_asked_to_be_left_alone_or_died_or_left_the_register_are_not_promises(world):
    ca = world.districts["CA"]
    kept, no_door, no_contact, dead, off, merged = add_electors(ca, 6, intention=LABOUR, strength=5)
    no_door.person.do_not_canvass = True
    no_door.person.save(update_fields=["do_not_canvass"])
    no_contact.person.do_not_contact = True
    no_contact.person.save(update_fields=["do_not_contact"])
    dead.person.deceased = True
    dead.person.save(update_fields=["deceased"])
    merged.person.merged_into = kept.person
    merged.person.save(update_fields=["merged_into"])
    off.on_register = False
    off.save(update_fields=["on_register"])
    assert codes(promises(world.election)) == [("CA", kept.number)]


def test_promises_are_only_in_the_elections_districts_and_the_ones_asked_for(world):
    add_electors(world.districts["CA"], 1, first_number=1, intention=LABOUR, strength=5)
    add_electors(world.districts["RA"], 1, first_number=2, intention=LABOUR, strength=5)
    add_electors(world.districts["RB"], 1, first_number=3, intention=LABOUR, strength=5)
    assert codes(promises(world.election)) == [("CA", 1), ("RA", 2)]
    assert codes(promises(world.election, [world.districts["RA"]])) == [("RA", 2)]


# --- who has voted -------------------------------------------------------------------------------


def test_voted_is_a_standing_telling_a_returned_postal_vote_or_a_knock_saying_so(world):
    ca = world.districts["CA"]
    (told, undone, posted, not_posted, said, not_in, yesterday, waiting) = add_electors(
        ca, 8, intention=LABOUR, strength=5
    )
    tell(world, told)
    tell(world, undone, undone=True)
    postal(world, posted)
    postal(world, not_posted, returned=False)
    knock(world, said, Outcome.ALREADY_VOTED)
    knock(world, not_in, Outcome.NOT_IN)
    knock(world, yesterday, Outcome.ALREADY_VOTED, at=timezone.now() - datetime.timedelta(days=1))
    left = not_voted(promises(world.election), world.election)
    assert codes(left) == [
        ("CA", e.number) for e in (undone, not_posted, not_in, yesterday, waiting)
    ]


def test_a_telling_in_another_election_is_not_a_vote_in_this_one(world, geography):
    from pollingday.tests.factories import election_today

    (elector,) = add_electors(world.districts["CA"], 1, intention=LABOUR, strength=5)
    other = election_today(geography, name="By-election")
    Telling.objects.create(
        election=other.election,
        polling_station=world.stations["Castle School"],
        polling_district=elector.polling_district,
        elector=elector,
        person_id=elector.person_id,
        told_at=timezone.now(),
        received_at=timezone.now(),
    )
    assert codes(not_voted(promises(world.election), world.election)) == [("CA", 1)]


# --- the page ------------------------------------------------------------------------------------


def test_the_promise_list_page_counts_by_district_and_logs_the_read(world, client, users):
    add_electors(world.districts["CA"], 3, intention=LABOUR, strength=5, street_name="Mill Lane")
    ra = add_electors(world.districts["RA"], 2, first_number=10, intention=LABOUR, strength=5)
    tell(world, ra[0])
    client.force_login(users[RoleCode.ORGANISER])
    response = client.get(reverse("pollingday:promises", args=[world.election.pk]))
    assert response.status_code == 200
    figures = {f.district.code: f for f in response.context["figures"]}
    assert (figures["CA"].promises, figures["RA"].promises, figures["RA"].promises_voted) == (
        3,
        2,
        1,
    )
    assert response.context["page"].paginator.count == 5
    assert b"Mill Lane" in response.content
    entry = AuditEntry.objects.get(action="read:pollingday.promises")
    assert entry.details["count"] == 5


def test_an_area_organiser_sees_only_their_wards_promises(world, client, users):
    add_electors(world.districts["CA"], 2, intention=LABOUR, strength=5)
    add_electors(world.districts["RA"], 3, first_number=10, intention=LABOUR, strength=5)
    client.force_login(users[RoleCode.AREA_ORGANISER])  # Castle ward
    response = client.get(reverse("pollingday:promises", args=[world.election.pk]))
    assert sorted(f.district.code for f in response.context["figures"]) == ["CA", "CB", "CC"]
    assert response.context["page"].paginator.count == 2
    response = client.get(
        reverse("pollingday:promises", args=[world.election.pk]), {"district": "RA"}
    )
    assert response.context["page"].paginator.count == 2  # RA is not theirs: all of theirs
