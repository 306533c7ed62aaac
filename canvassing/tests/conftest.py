import pytest

from canvassing.services.campaigns import target_create
from canvassing.services.walk_lists import walk_list_checkout, walk_lists_cut
from canvassing.tests.factories import CampaignFactory, StreetFactory, household
from clp.roles import RoleCode
from members.models import PollingDistrict


@pytest.fixture
def castle_a(geography):
    return PollingDistrict.objects.get(code="CA")


@pytest.fixture
def campaign(geography):
    return CampaignFactory(constituency=geography["constituency"], name="Spring 2027 — Castle")


@pytest.fixture
def high_street(geography):
    return StreetFactory(constituency=geography["constituency"], name="High Street")


@pytest.fixture
def make_walk_list(users, campaign, castle_a):
    """A walk list cut through the real services, handed to the canvasser by default."""

    def make(*, doors=3, per_door=2, street=None, holder=RoleCode.CANVASSER, name="Elm Road"):
        street = street or StreetFactory(constituency=campaign.constituency, name=name)
        for number in range(1, doors + 1):
            household(street, number, size=per_door, pd=castle_a)
        target = target_create(
            actor=users[RoleCode.ORGANISER],
            campaign=campaign,
            name=f"All of {street.name}",
            filters={"polling_districts": [castle_a.pk]},
        )
        (walk_list,) = walk_lists_cut(
            actor=users[RoleCode.ORGANISER],
            target=target,
            polling_district=castle_a,
            streets=[street],
            size=10_000,
        )
        if holder:
            walk_list_checkout(
                actor=users[RoleCode.ORGANISER], walk_list=walk_list, holder=users[holder]
            )
        return walk_list

    return make
