"""Organisers revoke or extend a volunteer's role from the volunteer list, without the admin:
only roles they could grant, in their own areas; the IT manager any."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clp.models import AuditEntry, RoleGrant
from clp.roles import RoleCode
from conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def volunteer(geography):
    return make_user(
        RoleCode.CANVASSER, geography["wards"]["Castle"], email="volunteer@test.example"
    )


def _grant(user):
    return RoleGrant.objects.get(user=user)


def test_organiser_revokes_a_volunteers_role_from_the_volunteer_list(client, users, volunteer):
    client.force_login(users[RoleCode.AREA_ORGANISER])
    grant = _grant(volunteer)
    page = client.get(reverse("clp:volunteer_list")).content.decode()
    assert reverse("clp:role_revoke", args=[grant.pk]) in page
    response = client.post(reverse("clp:role_revoke", args=[grant.pk]))
    assert response.status_code == 302
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    assert AuditEntry.objects.filter(action="role.revoke").exists()
    client.force_login(volunteer)
    assert client.get(reverse("canvassing:my_walk_lists")).status_code == 403


def test_organiser_extends_a_volunteers_role(client, users, volunteer):
    grant = _grant(volunteer)
    grant.expires_on = timezone.localdate() + datetime.timedelta(days=2)
    grant.save(update_fields=["expires_on"])
    client.force_login(users[RoleCode.AREA_ORGANISER])
    later = timezone.localdate() + datetime.timedelta(days=90)
    response = client.post(
        reverse("clp:role_extend", args=[grant.pk]), {"expires_on": later.isoformat()}, follow=True
    )
    grant.refresh_from_db()
    assert grant.expires_on == later
    assert "now ends on" in response.content.decode()
    entry = AuditEntry.objects.get(action="role.extend")
    assert entry.details["to"] == later.isoformat()


def test_an_end_date_in_the_past_is_refused(client, users, volunteer):
    grant = _grant(volunteer)
    client.force_login(users[RoleCode.ORGANISER])
    client.post(reverse("clp:role_extend", args=[grant.pk]), {"expires_on": "2001-01-01"})
    grant.refresh_from_db()
    assert grant.expires_on is None


def test_area_organiser_cannot_touch_roles_outside_their_areas(client, users, geography):
    outside = make_user(
        RoleCode.CANVASSER,
        next(w for name, w in geography["wards"].items() if name != "Castle"),
        email="outside@test.example",
    )
    client.force_login(users[RoleCode.AREA_ORGANISER])
    for grant in (_grant(outside), _grant(users[RoleCode.ORGANISER])):
        assert client.post(reverse("clp:role_revoke", args=[grant.pk])).status_code == 404
        assert (
            client.post(
                reverse("clp:role_extend", args=[grant.pk]), {"expires_on": "2099-01-01"}
            ).status_code
            == 404
        )
        assert RoleGrant.objects.filter(pk=grant.pk, expires_on=None).exists()
    # The organiser's constituency role is shown to the area organiser, but not offered to change.
    page = client.get(reverse("clp:volunteer_list")).content.decode()
    assert reverse("clp:role_revoke", args=[_grant(users[RoleCode.ORGANISER]).pk]) not in page


def test_it_manager_may_revoke_any_role(client, users):
    grant = _grant(users[RoleCode.ORGANISER])
    client.force_login(users[RoleCode.IT_MANAGER])
    assert client.post(reverse("clp:role_revoke", args=[grant.pk])).status_code == 302
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
