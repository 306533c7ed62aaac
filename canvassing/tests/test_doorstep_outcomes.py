"""What the doorstep says reaches the person: deceased, moved away, do not return."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from canvassing import selectors
from canvassing.models import CanvassResult
from canvassing.services.campaigns import campaign_create, target_create
from canvassing.services.results import (
    canvasser_flag,
    paper_results_enter,
    results_review,
    results_sync,
)
from canvassing.services.walk_lists import walk_list_return, walk_lists_cut
from canvassing.targeting import target_electors
from clp.roles import RoleCode
from members import consent
from members.models import ConsentState, ContactEmail, ContactPhone, Person, Segment
from members.segments import segment_queryset

pytestmark = pytest.mark.django_db


def _event(walk_list, elector, outcome):
    return {
        "id": str(uuid.uuid4()),
        "walk_list": walk_list.pk,
        "elector": elector.pk,
        "recorded_at": timezone.now().isoformat(),
        "outcome": outcome,
    }


def _target_ids(campaign, organiser, **filters):
    return set(
        target_electors(campaign=campaign, filters=filters, user=organiser).values_list(
            "pk", flat=True
        )
    )


def test_deceased_at_the_door_takes_the_person_off_every_target_list_and_mailing(
    users, campaign, castle_a, make_walk_list
):
    organiser = users[RoleCode.ORGANISER]
    walk_list = make_walk_list(doors=2, per_door=1)
    gone, alive = [e.elector for e in walk_list.entries.select_related("elector__person")]
    person = gone.person
    email = ContactEmail.objects.create(
        person=person, address="gone@example.org", consent=ConsentState.GRANTED
    )
    phone = ContactPhone.objects.create(
        person=person, number="+447700900123", consent=ConsentState.GRANTED
    )
    # The same person on another campaign's list, cut before the news.
    other = campaign_create(actor=organiser, constituency=campaign.constituency, name="Summer")
    target = target_create(
        actor=organiser, campaign=other, name="All", filters={"polling_districts": [castle_a.pk]}
    )
    (other_list,) = walk_lists_cut(
        actor=organiser, target=target, polling_district=castle_a, size=100
    )
    segment = Segment.objects.create(constituency=campaign.constituency, name="All", filters={})
    assert person in segment_queryset(segment)

    outcome = results_sync(actor=users[RoleCode.CANVASSER], events=[_event(walk_list, gone, "D")])

    assert len(outcome.accepted) == 1
    person.refresh_from_db()
    assert person.deceased_on == timezone.localdate()
    assert gone.pk not in _target_ids(campaign, organiser)
    assert alive.pk in _target_ids(campaign, organiser)
    assert person not in segment_queryset(segment)
    assert not consent.may_email(person, email) and not consent.may_call(person, phone)
    assert email not in consent.emailable_addresses()
    assert phone not in consent.callable_numbers() and phone not in consent.textable_numbers()
    # Off the other list; still on the list it was reported on, as done.
    assert gone.pk not in {e.elector_id for e in selectors.walk_list_entries(other_list)}
    here = {e.elector_id: e.done_outcome for e in selectors.walk_list_entries(walk_list)}
    assert here[gone.pk] == "D"


def test_deceased_from_a_new_volunteer_applies_only_when_accepted(client, users, make_walk_list):
    walk_list = make_walk_list(doors=1, per_door=1)
    canvasser = users[RoleCode.CANVASSER]
    canvasser_flag(actor=None, user=canvasser, is_new=True)
    elector = walk_list.entries.get().elector
    results_sync(actor=canvasser, events=[_event(walk_list, elector, "D")])
    elector.person.refresh_from_db()
    assert elector.person.deceased_on is None

    client.force_login(users[RoleCode.AREA_ORGANISER])
    result = CanvassResult.objects.get()
    client.post(reverse("canvassing:review_decide"), {"decision": "accept", "result": [result.pk]})
    elector.person.refresh_from_db()
    assert elector.person.deceased_on == timezone.localdate()


def test_rejected_deceased_report_leaves_the_person_alone(users, make_walk_list):
    walk_list = make_walk_list(doors=1, per_door=1)
    canvasser = users[RoleCode.CANVASSER]
    canvasser_flag(actor=None, user=canvasser, is_new=True)
    elector = walk_list.entries.get().elector
    results_sync(actor=canvasser, events=[_event(walk_list, elector, "D")])
    results_review(
        actor=users[RoleCode.ORGANISER], results=CanvassResult.objects.all(), accept=False
    )
    assert Person.objects.get(pk=elector.person_id).deceased_on is None


def test_paper_sheet_deceased_and_moved_away_reach_the_person(users, make_walk_list):
    walk_list = make_walk_list(doors=2, per_door=1)
    first, second = [e.elector for e in walk_list.entries.select_related("elector")]
    paper_results_enter(
        actor=users[RoleCode.ORGANISER],
        walk_list=walk_list,
        text=f"{first.number} D\n{second.number} MV",
        batch=uuid.uuid4(),
        on=datetime.date(2026, 11, 20),
    )
    assert Person.objects.get(pk=first.person_id).deceased_on == datetime.date(2026, 11, 20)
    moved = Person.objects.get(pk=second.person_id)
    assert moved.moved_away_reported_on == datetime.date(2026, 11, 20)
    assert moved.deceased_on is None


def test_moved_away_is_shown_on_the_person_page(client, users, make_walk_list):
    walk_list = make_walk_list(doors=1, per_door=1)
    elector = walk_list.entries.get().elector
    results_sync(actor=users[RoleCode.CANVASSER], events=[_event(walk_list, elector, "MV")])
    client.force_login(users[RoleCode.ORGANISER])
    page = client.get(reverse("members:person_detail", args=[elector.person_id]))
    assert "Reported as moved away" in page.content.decode()


def test_do_not_return_keeps_them_off_this_campaigns_targets_only(
    users, campaign, castle_a, make_walk_list
):
    organiser = users[RoleCode.ORGANISER]
    walk_list = make_walk_list(doors=2, per_door=1)
    away, other = [e.elector for e in walk_list.entries.select_related("elector")]
    results_sync(actor=users[RoleCode.CANVASSER], events=[_event(walk_list, away, "DNR")])
    assert away.pk not in _target_ids(campaign, organiser)
    assert other.pk in _target_ids(campaign, organiser)
    next_one = campaign_create(
        actor=organiser, constituency=campaign.constituency, name="Next election"
    )
    assert away.pk in _target_ids(next_one, organiser)
    # A fresh cut of this campaign (other streets' lists, or a re-cut) leaves them out.
    walk_list_return(actor=organiser, walk_list=walk_list)
    walk_list.entries.all().delete()
    target = target_create(actor=organiser, campaign=campaign, name="Again", filters={})
    lists = walk_lists_cut(actor=organiser, target=target, polling_district=castle_a, size=100)
    cut = {e.elector_id for w in lists for e in w.entries.all()}
    assert other.pk in cut and away.pk not in cut
