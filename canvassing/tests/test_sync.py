import datetime
import json
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from canvassing import services
from canvassing.models import CanvassResult, SurveyQuestion
from clp.roles import RoleCode
from conftest import make_user

pytestmark = pytest.mark.django_db


def _event(walk_list, elector, **fields):
    return {
        "id": str(uuid.uuid4()),
        "walk_list": walk_list.pk,
        "elector": elector.pk,
        "recorded_at": timezone.now().isoformat(),
        "outcome": "S",
        "intention": "LAB",
        "strength": 4,
        **fields,
    }


def _post(client, events):
    return client.post(
        reverse("canvassing:sync"),
        data=json.dumps({"results": events}),
        content_type="application/json",
    )


def _electors(walk_list):
    return [e.elector for e in walk_list.entries.select_related("elector")]


def test_the_same_batch_posted_twice_is_stored_once(client, users, make_walk_list):
    walk_list = make_walk_list()
    electors = _electors(walk_list)
    batch = [_event(walk_list, e) for e in electors[:4]]
    client.force_login(users[RoleCode.CANVASSER])
    first = _post(client, batch).json()
    assert sorted(first["accepted"]) == sorted(e["id"] for e in batch)
    second = _post(client, batch).json()
    assert second["accepted"] == []
    assert sorted(second["duplicates"]) == sorted(e["id"] for e in batch)
    assert CanvassResult.objects.count() == 4
    stored = CanvassResult.objects.get(pk=batch[0]["id"])
    assert (stored.outcome, stored.intention, stored.strength) == ("S", "LAB", 4)
    assert stored.person_id == electors[0].person_id
    assert stored.recorded_by == users[RoleCode.CANVASSER]


def test_two_phones_sending_the_same_results_store_one_set(users, make_walk_list):
    walk_list = make_walk_list(holder=None)
    castle = users[RoleCode.CANVASSER].role_grants.get().ward
    runner = make_user(RoleCode.CANVASSER, castle, email="runner@test.example")
    services.walk_list_checkout(
        actor=users[RoleCode.ORGANISER],
        walk_list=walk_list,
        holder=runner,
        team=[users[RoleCode.CANVASSER]],
    )
    batch = [_event(walk_list, e) for e in _electors(walk_list)]
    services.results_sync(actor=runner, events=batch)
    again = services.results_sync(actor=users[RoleCode.CANVASSER], events=batch + batch)
    assert again.accepted == [] and len(again.duplicates) == len(batch)
    assert CanvassResult.objects.count() == len(batch)


def test_each_bad_result_is_reported_and_the_good_ones_kept(client, users, make_walk_list):
    walk_list = make_walk_list()
    other_list = make_walk_list(holder=None, name="Other Road")
    electors = _electors(walk_list)
    good = _event(walk_list, electors[0])
    bad = [
        _event(walk_list, _electors(other_list)[0]),  # elector not on this list
        _event(other_list, _electors(other_list)[0]),  # list not assigned to me
        _event(walk_list, electors[1], outcome="XX"),
        _event(walk_list, electors[1], outcome="NI", intention="LAB"),
        _event(walk_list, electors[1], strength=9),
        _event(walk_list, electors[1], id="not-a-uuid"),
        _event(
            walk_list,
            electors[1],
            recorded_at=(timezone.now() + datetime.timedelta(days=1)).isoformat(),
        ),
    ]
    client.force_login(users[RoleCode.CANVASSER])
    reply = _post(client, [good, *bad]).json()
    assert reply["accepted"] == [good["id"]]
    errors = [r["error"] for r in reply["rejected"]]
    assert errors == [
        "That elector is not on this walk list.",
        "This walk list was not assigned to you when the result was recorded.",
        "'XX' is not an outcome in this campaign.",
        "A voting intention needs the outcome “Spoke to them”.",
        "Support strength must be 1 to 5.",
        "The result has no valid id.",
        "The result is dated in the future; check the phone's clock.",
    ]
    assert list(CanvassResult.objects.values_list("pk", flat=True)) == [uuid.UUID(good["id"])]


def test_results_recorded_offline_sync_after_the_lease_has_ended(users, make_walk_list):
    walk_list = make_walk_list()
    now = timezone.now()
    # The list was theirs from three hours ago until it was taken back an hour ago.
    walk_list.assignments.update(started_at=now - datetime.timedelta(hours=3))
    services.walk_list_return(actor=users[RoleCode.ORGANISER], walk_list=walk_list)
    walk_list.assignments.update(ended_at=now - datetime.timedelta(hours=1))
    electors = _electors(walk_list)
    while_held = _event(
        walk_list, electors[0], recorded_at=(now - datetime.timedelta(hours=2)).isoformat()
    )
    after = _event(walk_list, electors[1], recorded_at=now.isoformat())
    outcome = services.results_sync(actor=users[RoleCode.CANVASSER], events=[while_held, after])
    assert outcome.accepted == [while_held["id"]]
    assert outcome.rejected == [
        {
            "id": after["id"],
            "error": "This walk list was not assigned to you when the result was recorded.",
        }
    ]


def test_survey_answers_are_checked_against_the_campaigns_questions(users, make_walk_list):
    walk_list = make_walk_list()
    question = services.question_add(
        actor=users[RoleCode.ORGANISER],
        campaign=walk_list.campaign,
        text="Biggest local issue?",
        kind=SurveyQuestion.Kind.SINGLE,
        options=["Potholes", "Parking"],
    )
    electors = _electors(walk_list)
    ok = _event(walk_list, electors[0], answers={str(question.pk): "Parking"})
    wrong = _event(walk_list, electors[1], answers={str(question.pk): "Aliens"})
    outcome = services.results_sync(actor=users[RoleCode.CANVASSER], events=[ok, wrong])
    assert outcome.accepted == [ok["id"]]
    assert "not a choice" in outcome.rejected[0]["error"]
    assert CanvassResult.objects.get(pk=ok["id"]).answers == {str(question.pk): "Parking"}


def test_a_correction_is_a_new_event_and_the_latest_counts(client, users, make_walk_list):
    walk_list = make_walk_list()
    elector = _electors(walk_list)[0]
    earlier = timezone.now() - datetime.timedelta(minutes=5)
    services.results_sync(
        actor=users[RoleCode.CANVASSER],
        events=[
            _event(walk_list, elector, intention="CON", recorded_at=earlier.isoformat()),
            _event(walk_list, elector, intention="LAB"),
        ],
    )
    assert CanvassResult.objects.filter(elector=elector).count() == 2
    client.force_login(users[RoleCode.CANVASSER])
    page = client.get(reverse("canvassing:doorstep", args=[walk_list.pk])).content.decode()
    assert "was LAB" in page and "was CON" not in page


def test_sync_rejects_a_body_that_is_not_json(client, users):
    client.force_login(users[RoleCode.CANVASSER])
    response = client.post(
        reverse("canvassing:sync"), data="{oops", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"error": "Not valid JSON."}
