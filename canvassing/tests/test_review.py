import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from canvassing.models import CanvassResult, WalkList
from canvassing.selectors import walk_list_progress
from canvassing.services.results import canvasser_flag, results_sync
from clp.roles import RoleCode
from members.models import Contact, ContactSummary

pytestmark = pytest.mark.django_db


def _event(walk_list, elector, intention="LAB"):
    return {
        "id": str(uuid.uuid4()),
        "walk_list": walk_list.pk,
        "elector": elector.pk,
        "recorded_at": timezone.now().isoformat(),
        "outcome": "S",
        "intention": intention,
    }


def _done(walk_list):
    return walk_list_progress(WalkList.objects.filter(pk=walk_list.pk)).get().done_count


def test_new_volunteers_results_wait_for_review_before_they_count(client, users, make_walk_list):
    walk_list = make_walk_list(doors=2, per_door=1)
    canvasser = users[RoleCode.CANVASSER]
    organiser = users[RoleCode.AREA_ORGANISER]
    client.force_login(organiser)
    client.post(reverse("canvassing:canvasser_flag"), {"user": canvasser.pk, "is_new": "on"})
    first, second = [e.elector for e in walk_list.entries.select_related("elector")]
    results_sync(
        actor=canvasser, events=[_event(walk_list, first), _event(walk_list, second, "CON")]
    )
    assert set(CanvassResult.objects.values_list("review_status", flat=True)) == {"pending"}
    assert _done(walk_list) == 0
    # Every tool reads the shared record: nothing counts there either until reviewed.
    assert set(Contact.objects.values_list("review_status", flat=True)) == {"pending"}
    assert not ContactSummary.objects.exists()
    queue = client.get(reverse("canvassing:review_queue")).content.decode()
    assert str(first) in queue and str(second) in queue

    keep = CanvassResult.objects.get(elector=first)
    drop = CanvassResult.objects.get(elector=second)
    client.post(reverse("canvassing:review_decide"), {"decision": "accept", "result": [keep.pk]})
    client.post(reverse("canvassing:review_decide"), {"decision": "reject", "result": [drop.pk]})
    keep.refresh_from_db()
    drop.refresh_from_db()
    assert (keep.review_status, keep.reviewed_by) == ("accepted", organiser)
    assert drop.review_status == "rejected"
    assert _done(walk_list) == 1
    assert dict(Contact.objects.values_list("person_id", "review_status")) == {
        first.person_id: "accepted",
        second.person_id: "rejected",
    }
    assert list(ContactSummary.objects.values_list("person_id", "intention")) == [
        (first.person_id, "LAB")
    ]
    assert "Nothing waiting" in client.get(reverse("canvassing:review_queue")).content.decode()


def test_trusted_volunteers_results_count_at_once(users, make_walk_list):
    walk_list = make_walk_list(doors=1, per_door=1)
    elector = walk_list.entries.get().elector
    results_sync(actor=users[RoleCode.CANVASSER], events=[_event(walk_list, elector)])
    assert CanvassResult.objects.get().review_status == "accepted"
    assert _done(walk_list) == 1


def test_organiser_cannot_review_results_outside_their_area(client, users, make_walk_list):
    walk_list = make_walk_list(doors=1, per_door=1)
    canvasser_flag(actor=None, user=users[RoleCode.CANVASSER], is_new=True)
    elector = walk_list.entries.get().elector
    results_sync(actor=users[RoleCode.CANVASSER], events=[_event(walk_list, elector)])
    from conftest import make_user
    from members.models import PollingDistrict

    elsewhere = make_user(
        RoleCode.AREA_ORGANISER,
        PollingDistrict.objects.get(code="RA").ward,
        email="riverside@test.example",
    )
    client.force_login(elsewhere)
    result = CanvassResult.objects.get()
    client.post(reverse("canvassing:review_decide"), {"decision": "accept", "result": [result.pk]})
    result.refresh_from_db()
    assert result.review_status == "pending"
