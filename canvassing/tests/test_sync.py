import datetime
import json
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from canvassing.models import CanvassResult
from canvassing.services.campaigns import question_add
from canvassing.services.results import results_sync
from canvassing.services.walk_lists import walk_list_checkout, walk_list_return
from clp.roles import RoleCode
from conftest import make_user
from members.models import Answer, Contact, ContactSummary

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
    # ... and each is one contact of its person in the shared record, with its summary.
    contacts = Contact.objects.filter(source="canvassing.result")
    assert sorted(str(c.pk) for c in contacts) == sorted(e["id"] for e in batch)
    summary = ContactSummary.objects.get(person=electors[0].person_id)
    assert (summary.intention, summary.strength, summary.contact_channel) == ("LAB", 4, "doorstep")


def test_two_phones_sending_the_same_results_store_one_set(users, make_walk_list):
    walk_list = make_walk_list(holder=None)
    castle = users[RoleCode.CANVASSER].role_grants.get().ward
    runner = make_user(RoleCode.CANVASSER, castle, email="runner@test.example")
    walk_list_checkout(
        actor=users[RoleCode.ORGANISER],
        walk_list=walk_list,
        holder=runner,
        team=[users[RoleCode.CANVASSER]],
    )
    batch = [_event(walk_list, e) for e in _electors(walk_list)]
    results_sync(actor=runner, events=batch)
    again = results_sync(actor=users[RoleCode.CANVASSER], events=batch + batch)
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


def _taken_back_an_hour_ago(users, walk_list):
    """The list was the canvasser's from three hours ago until the organiser took it back an
    hour ago."""
    now = timezone.now()
    walk_list.assignments.update(started_at=now - datetime.timedelta(hours=3))
    walk_list_return(actor=users[RoleCode.ORGANISER], walk_list=walk_list)
    walk_list.assignments.update(ended_at=now - datetime.timedelta(hours=1))
    return now - datetime.timedelta(hours=1)


def test_results_sent_after_the_list_was_taken_back_wait_for_review_whatever_their_time(
    client, users, make_walk_list
):
    walk_list = make_walk_list()
    taken_back = _taken_back_an_hour_ago(users, walk_list)
    electors = _electors(walk_list)
    while_held = _event(
        walk_list, electors[0], recorded_at=(taken_back - datetime.timedelta(hours=1)).isoformat()
    )
    minutes_late = _event(
        walk_list, electors[1], recorded_at=(taken_back + datetime.timedelta(minutes=9)).isoformat()
    )
    outcome = results_sync(actor=users[RoleCode.CANVASSER], events=[while_held, minutes_late])
    # Stored (nothing queued offline is lost) but not counted until an organiser decides.
    assert sorted(outcome.accepted) == sorted([while_held["id"], minutes_late["id"]])
    reason = "Sent after the list was taken back from the canvasser."
    assert outcome.held_for_review == [
        {"id": while_held["id"], "reason": reason},
        {"id": minutes_late["id"], "reason": reason},
    ]
    assert not CanvassResult.objects.counting().exists()
    client.force_login(users[RoleCode.AREA_ORGANISER])
    queue = client.get(reverse("canvassing:review_queue")).content.decode()
    assert queue.count(reason) == 2


def test_results_recorded_after_the_list_was_taken_back_are_refused(users, make_walk_list):
    walk_list = make_walk_list()
    _taken_back_an_hour_ago(users, walk_list)
    after = _event(walk_list, _electors(walk_list)[1], recorded_at=timezone.now().isoformat())
    outcome = results_sync(actor=users[RoleCode.CANVASSER], events=[after])
    assert outcome.accepted == []
    assert outcome.rejected == [
        {
            "id": after["id"],
            "error": "Recorded after the list was taken back from you or your lease ended.",
        }
    ]


def test_results_sent_while_the_list_is_held_count_at_once(users, make_walk_list):
    walk_list = make_walk_list()
    event = _event(walk_list, _electors(walk_list)[0])
    outcome = results_sync(actor=users[RoleCode.CANVASSER], events=[event])
    assert outcome.accepted == [event["id"]] and outcome.held_for_review == []
    assert CanvassResult.objects.counting().count() == 1


def test_results_sent_after_the_lease_expired_wait_for_review(users, make_walk_list):
    walk_list = make_walk_list()
    now = timezone.now()
    walk_list.assignments.update(
        started_at=now - datetime.timedelta(hours=50), expires_at=now - datetime.timedelta(hours=2)
    )
    event = _event(
        walk_list,
        _electors(walk_list)[0],
        recorded_at=(now - datetime.timedelta(hours=3)).isoformat(),
    )
    outcome = results_sync(actor=users[RoleCode.CANVASSER], events=[event])
    assert outcome.held_for_review == [
        {"id": event["id"], "reason": "Sent after the canvasser's lease on the list ended."}
    ]


def test_each_malformed_result_is_refused_with_its_reason_and_the_good_ones_kept(
    client, users, make_walk_list
):
    walk_list = make_walk_list()
    electors = _electors(walk_list)
    good = _event(walk_list, electors[0], note="Dog\u0000 at the gate \ud800")
    cases = {
        "Infinity": _event(walk_list, electors[1], strength="@INF@"),
        "huge elector": {**_event(walk_list, electors[1]), "elector": "@HUGE@"},
        "huge list": {**_event(walk_list, electors[1]), "walk_list": "@HUGE@"},
        "impossible date": _event(walk_list, electors[1], recorded_at="2026-02-30T10:00:00Z"),
        "year 1 with offset": _event(
            walk_list, electors[1], recorded_at="0001-01-01T00:00:00+14:00"
        ),
        "float list": {**_event(walk_list, electors[1]), "walk_list": 1.5},
        "nested note": _event(walk_list, electors[1], note=[[[["deep"]]]]),
        "not a result": "just text",
    }
    body = json.dumps({"results": [good, *cases.values()]})
    body = body.replace('"@INF@"', "Infinity").replace('"@HUGE@"', str(2**63))
    client.force_login(users[RoleCode.CANVASSER])
    response = client.post(reverse("canvassing:sync"), data=body, content_type="application/json")
    assert response.status_code == 200
    reply = response.json()
    assert reply["accepted"] == [good["id"]]
    ids = [e["id"] if isinstance(e, dict) else "" for e in cases.values()]
    assert [r["id"] for r in reply["rejected"]] == ids
    assert [r["error"] for r in reply["rejected"]] == [
        "Support strength must be 1 to 5.",
        "The result does not say which list and elector it is for.",
        "The result does not say which list and elector it is for.",
        "The result has no valid time.",
        "The result has no valid time.",
        "The result does not say which list and elector it is for.",
        "“note” must be text.",
        "A result must be a set of fields.",
    ]
    assert CanvassResult.objects.get().note == "Dog at the gate ?"


def test_a_deeply_nested_body_is_refused_as_a_whole_not_a_server_error(client, users):
    client.force_login(users[RoleCode.CANVASSER])
    body = '{"results": [' + "[" * 100_000 + "]" * 100_000 + "]}"
    response = client.post(reverse("canvassing:sync"), data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"error": "Not valid JSON."}


def test_refused_results_are_in_the_audit_log(users, make_walk_list):
    from clp.models import AuditEntry

    walk_list = make_walk_list()
    bad = _event(walk_list, _electors(walk_list)[0], outcome="XX")
    results_sync(actor=users[RoleCode.CANVASSER], events=[bad])
    entry = AuditEntry.objects.get(action="canvass.results.sync")
    assert entry.details["refused"] == [
        {"id": bad["id"], "error": "'XX' is not an outcome in this campaign."}
    ]


def test_survey_answers_are_checked_against_the_campaigns_questions(users, make_walk_list):
    walk_list = make_walk_list()
    question = question_add(
        actor=users[RoleCode.ORGANISER],
        campaign=walk_list.campaign,
        text="Biggest local issue?",
        kind="single",
        choices=["Potholes", "Parking"],
    )
    electors = _electors(walk_list)
    ok = _event(walk_list, electors[0], answers={str(question.pk): "Parking"})
    wrong = _event(walk_list, electors[1], answers={str(question.pk): "Aliens"})
    outcome = results_sync(actor=users[RoleCode.CANVASSER], events=[ok, wrong])
    assert outcome.accepted == [ok["id"]]
    assert "not a choice" in outcome.rejected[0]["error"]
    assert CanvassResult.objects.get(pk=ok["id"]).answers == {str(question.pk): "Parking"}
    # The answer is the person's, in the shared record, against the bank question.
    answer = Answer.objects.get()
    assert (answer.question, answer.value, answer.channel) == (
        question.question,
        "Parking",
        "doorstep",
    )
    assert answer.person_id == electors[0].person_id


def test_a_correction_is_a_new_event_and_the_latest_counts(client, users, make_walk_list):
    walk_list = make_walk_list()
    elector = _electors(walk_list)[0]
    earlier = timezone.now() - datetime.timedelta(minutes=5)
    results_sync(
        actor=users[RoleCode.CANVASSER],
        events=[
            _event(walk_list, elector, intention="CON", recorded_at=earlier.isoformat()),
            _event(walk_list, elector, intention="LAB"),
        ],
    )
    assert CanvassResult.objects.filter(elector=elector).count() == 2
    client.force_login(users[RoleCode.CANVASSER])
    page = client.get(reverse("canvassing:doorstep", args=[walk_list.pk])).content.decode()
    assert "was Labour" in page and "was Conservative" not in page


def test_sync_rejects_a_body_that_is_not_json(client, users):
    client.force_login(users[RoleCode.CANVASSER])
    response = client.post(
        reverse("canvassing:sync"), data="{oops", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"error": "Not valid JSON."}
