"""A district filter outside the user's areas is refused, never widened to all their districts."""

import pytest
from django.urls import reverse

from clp.models import AuditEntry
from clp.roles import RoleCode
from members.models import PollingDistrict
from members.tests.test_pages import register  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_export_of_a_district_outside_the_users_areas_is_refused(register, client_for):  # noqa: F811
    client = client_for(RoleCode.AREA_ORGANISER)  # Castle ward only
    riverside = PollingDistrict.objects.get(code="RA")
    response = client.get(reverse("members:elector_export"), {"polling_district": riverside.pk})
    assert response.status_code == 400
    assert "not one of yours" in response.content.decode()
    assert not AuditEntry.objects.filter(action="read:electors.export").exists()


def test_export_of_an_unknown_district_is_refused(register, client_for):  # noqa: F811
    client = client_for(RoleCode.AREA_ORGANISER)
    response = client.get(reverse("members:elector_export"), {"polling_district": "999999"})
    assert response.status_code == 400
    assert b"CA-1" not in response.content


def test_export_of_an_own_district_still_works(register, client_for):  # noqa: F811
    client = client_for(RoleCode.AREA_ORGANISER)
    castle_a = PollingDistrict.objects.get(code="CA")
    response = client.get(
        reverse("members:elector_export"), {"polling_district": castle_a.pk, "why": "leaflets"}
    )
    body = b"".join(response.streaming_content).decode()
    assert response.status_code == 200
    assert "CA-1" in body and "RA-1" not in body


def test_elector_list_with_an_out_of_scope_district_shows_an_error_not_every_elector(
    register,  # noqa: F811
    client_for,
):
    client = client_for(RoleCode.AREA_ORGANISER)
    riverside = PollingDistrict.objects.get(code="RA")
    response = client.get(reverse("members:elector_list"), {"polling_district": riverside.pk})
    assert response.status_code == 400
    assert "That polling district is not one of yours." in response.content.decode()
    assert list(response.context["page"]) == []
