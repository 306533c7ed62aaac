"""Reading a person's page, or a segment's count, leaves an audit entry saying how many."""

import datetime

import pytest
from django.urls import reverse

from clp.models import AuditEntry
from clp.roles import RoleCode
from members.models import Elector
from members.services.register_imports import register_import
from members.services.segments import segment_save
from members.tests.registers import XPRESS14, csv_bytes, small_register

pytestmark = pytest.mark.django_db


def _bulk_reads(action):
    return AuditEntry.objects.filter(kind=AuditEntry.Kind.BULK_READ, action=action)


@pytest.fixture
def register(geography):
    """Four electors in two houses in Castle A, four in Riverside A."""
    rows = small_register("CA", count=4) + small_register("RA", count=4, start=1)
    for row in rows[4:]:
        row[8] = row[8].replace("Castle", "River")
    register_import(
        actor=None,
        constituency=geography["constituency"],
        data=csv_bytes(XPRESS14, rows),
        filename="r.csv",
        published_on=datetime.date(2026, 12, 1),
    )
    return geography


def test_opening_a_person_page_logs_them_and_the_household_shown(register, client_for, users):
    person = Elector.objects.get(polling_district__code="CA", number=1).person
    response = client_for(RoleCode.ORGANISER).get(
        reverse("members:person_detail", args=[person.pk])
    )
    assert b"Mary" in response.content  # the household
    (entry,) = _bulk_reads("read:person")
    assert entry.actor == users[RoleCode.ORGANISER]
    assert entry.details == {"count": 2, "person": person.pk}


def test_previewing_a_segment_logs_the_count_shown(register, client_for, users):
    client = client_for(RoleCode.AREA_ORGANISER)
    data = {"name": "Castle", "on_register": "on", "polling_districts": [], "preview": "1"}
    assert client.post(reverse("members:segment_create"), data).context["preview"] == 4
    (entry,) = _bulk_reads("read:segment.preview")
    assert entry.actor == users[RoleCode.AREA_ORGANISER] and entry.details["count"] == 4


def test_opening_a_segment_logs_the_count_shown(register, client_for, users):
    organiser = users[RoleCode.ORGANISER]
    segment = segment_save(
        actor=organiser,
        constituency=register["constituency"],
        name="Everyone",
        description="",
        filters={"on_register": "on"},
    )
    response = client_for(RoleCode.ORGANISER).get(
        reverse("members:segment_detail", args=[segment.pk])
    )
    assert response.context["count"] == 8
    (entry,) = _bulk_reads("read:segment")
    assert entry.actor == organiser and entry.details["count"] == 8
    assert entry.details["segment"] == segment.pk
