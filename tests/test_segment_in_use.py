"""A segment a canvass target selects by cannot be deleted: the target would quietly widen to
everyone in its areas (Target.segment is SET_NULL)."""

import pytest
from django.urls import reverse

from canvassing.tests.factories import CampaignFactory, TargetFactory
from clp.models import AuditEntry
from clp.roles import RoleCode
from members.models import Segment
from members.services.segments import segment_save

pytestmark = pytest.mark.django_db


def test_deleting_a_segment_a_canvass_target_uses_is_refused_naming_the_target(
    geography, client_for
):
    segment = segment_save(
        actor=None,
        constituency=geography["constituency"],
        name="Postal voters",
        description="",
        filters={"markers": "A"},
    )
    target = TargetFactory(campaign=CampaignFactory(), name="Postal vote chase", segment=segment)
    client = client_for(RoleCode.ORGANISER)
    url = reverse("members:segment_delete", args=[segment.pk])
    page = client.get(url).content.decode()
    assert "cannot be deleted yet" in page and "Postal vote chase" in page
    response = client.post(url)
    assert response.status_code == 409
    assert "Postal vote chase" in response.content.decode()
    target.refresh_from_db()
    assert target.segment == segment
    assert not AuditEntry.objects.filter(action="segment.delete").exists()

    target.segment = None
    target.save()
    assert client.post(url).status_code == 302
    assert not Segment.objects.filter(pk=segment.pk).exists()
