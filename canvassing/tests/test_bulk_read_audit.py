"""Organisers' bulk reads in canvassing leave an audit entry saying what and how many."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from canvassing.services.campaigns import target_create
from canvassing.services.results import canvasser_flag, results_sync
from canvassing.tests.factories import StreetFactory, household
from clp.models import AuditEntry
from clp.roles import RoleCode

pytestmark = pytest.mark.django_db


def _bulk_reads(action):
    return AuditEntry.objects.filter(kind=AuditEntry.Kind.BULK_READ, action=action)


@pytest.fixture
def three_electors(campaign, castle_a):
    street = StreetFactory(constituency=campaign.constituency, name="Count Road")
    return household(street, 1, size=2, pd=castle_a) + household(street, 2, size=1, pd=castle_a)


def test_opening_the_review_queue_logs_how_many_results_it_showed(client, users, make_walk_list):
    walk_list = make_walk_list(doors=2, per_door=1)
    canvasser, organiser = users[RoleCode.CANVASSER], users[RoleCode.AREA_ORGANISER]
    canvasser_flag(actor=organiser, user=canvasser, is_new=True)
    results_sync(
        actor=canvasser,
        events=[
            {
                "id": str(uuid.uuid4()),
                "walk_list": walk_list.pk,
                "elector": entry.elector_id,
                "recorded_at": timezone.now().isoformat(),
                "outcome": "S",
                "intention": "LAB",
            }
            for entry in walk_list.entries.all()
        ],
    )
    client.force_login(organiser)
    assert client.get(reverse("canvassing:review_queue")).status_code == 200
    (entry,) = _bulk_reads("read:canvassing.review_queue")
    assert entry.actor == organiser and entry.details["count"] == 2


def test_previewing_a_target_logs_the_count_shown(
    client, users, campaign, castle_a, three_electors
):
    organiser = users[RoleCode.ORGANISER]
    client.force_login(organiser)
    response = client.get(
        reverse("canvassing:target_preview", args=[campaign.pk]),
        {"polling_districts": [castle_a.pk]},
        headers={"HX-Request": "true"},
    )
    assert "<strong>3</strong> electors" in response.content.decode()
    (entry,) = _bulk_reads("read:canvassing.target_preview")
    assert entry.actor == organiser and entry.details["count"] == 3
    assert entry.details["filters"]["polling_districts"] == [castle_a.pk]


def test_opening_a_target_logs_the_count_shown(client, users, campaign, castle_a, three_electors):
    organiser = users[RoleCode.ORGANISER]
    target = target_create(
        actor=organiser,
        campaign=campaign,
        name="Castle A",
        filters={"polling_districts": [castle_a.pk]},
    )
    client.force_login(organiser)
    assert client.get(reverse("canvassing:target_detail", args=[target.pk])).status_code == 200
    (entry,) = _bulk_reads("read:canvassing.target")
    assert entry.actor == organiser and entry.details["count"] == 3
    assert entry.details["target"] == target.pk
