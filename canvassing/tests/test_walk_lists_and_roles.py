"""A canvasser who loses their role (revoked, or expired) lets go of their walk lists."""

import datetime

import pytest
from django.utils import timezone

from canvassing.models import WalkList, WalkListAssignment
from canvassing.services.walk_lists import walk_list_checkout
from canvassing.tasks import walk_lists_release_lapsed_roles
from clp.models import AuditEntry, RoleGrant
from clp.roles import RoleCode
from clp.services import role_grant, role_revoke
from conftest import make_user

pytestmark = pytest.mark.django_db


def _held(walk_list):
    walk_list.refresh_from_db()
    current = WalkListAssignment.objects.filter(walk_list=walk_list, ended_at__isnull=True)
    return walk_list.checked_out_to, set(current.values_list("user__email", flat=True))


def test_revoked_canvasser_role_releases_their_walk_lists(users, make_walk_list):
    walk_list = make_walk_list()
    canvasser = users[RoleCode.CANVASSER]
    assert _held(walk_list)[0] == canvasser
    grant = RoleGrant.objects.get(user=canvasser, role=RoleCode.CANVASSER)
    role_revoke(actor=users[RoleCode.ORGANISER], grant=grant)
    assert _held(walk_list) == (None, set())
    entry = AuditEntry.objects.get(action="canvass.walk_list.release")
    assert entry.details["holder"] == canvasser.email
    # Free again: someone else can take it.
    other = make_user(RoleCode.CANVASSER, walk_list.polling_district, email="new@test.example")
    walk_list_checkout(actor=users[RoleCode.ORGANISER], walk_list=walk_list, holder=other)
    assert _held(walk_list)[0] == other


def test_expired_canvasser_role_releases_walk_lists_overnight(users, make_walk_list):
    walk_list = make_walk_list()
    canvasser = users[RoleCode.CANVASSER]
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    RoleGrant.objects.filter(user=canvasser).update(
        starts_on=yesterday - datetime.timedelta(days=30), expires_on=yesterday
    )
    assert walk_lists_release_lapsed_roles.delay().get() == 1
    assert _held(walk_list) == (None, set())
    # Run again: nothing more to do.
    assert walk_lists_release_lapsed_roles.delay().get() == 0


def test_canvasser_with_another_role_over_the_district_keeps_the_list(
    users, make_walk_list, castle_a
):
    walk_list = make_walk_list()
    canvasser = users[RoleCode.CANVASSER]
    role_grant(actor=None, user=canvasser, role=RoleCode.CANVASSER, area=castle_a)
    ward_grant = RoleGrant.objects.get(user=canvasser, role=RoleCode.CANVASSER, ward__isnull=False)
    role_revoke(actor=None, grant=ward_grant)
    assert _held(walk_list)[0] == canvasser


def test_team_member_losing_their_role_leaves_the_team_not_the_list(users, make_walk_list):
    walk_list = make_walk_list(holder=None)
    runner = users[RoleCode.CANVASSER]
    member = make_user(RoleCode.CANVASSER, walk_list.polling_district, email="m@test.example")
    walk_list_checkout(
        actor=users[RoleCode.ORGANISER], walk_list=walk_list, holder=runner, team=[member]
    )
    role_revoke(actor=None, grant=RoleGrant.objects.get(user=member))
    assert _held(walk_list) == (runner, {runner.email})
    assert WalkList.objects.get(pk=walk_list.pk).is_checked_out
