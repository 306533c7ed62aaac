"""Targeting uses vote history: the council's files imported on polling day's pages become a
segment, and a canvass target built from that segment reaches exactly its people."""

import datetime

import pytest

from canvassing.services.campaigns import target_create
from canvassing.targeting import target_electors
from canvassing.tests.factories import CampaignFactory
from clp.roles import RoleCode
from members.services.segments import segment_save
from pollingday.services.imports import (
    absent_voters_import,
    marked_register_import,
    postal_returns_import,
)
from pollingday.tests.factories import add_electors, election_today

pytestmark = pytest.mark.django_db


def _csv(*lines):
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def imported(geography, users):
    """Last year's election in Castle ward: its absent voters list, returns and marked
    register imported the way an organiser does; CA-1..6 and CB-1..2 on the register."""
    organiser = users[RoleCode.ORGANISER]
    world = election_today(geography, name="Locals 2026", polls_on=datetime.date(2026, 5, 7))
    election = world.election
    add_electors(world.districts["CA"], 6)
    add_electors(world.districts["CB"], 2, street_name="Mill Lane")
    add_electors(world.districts["RA"], 1, street_name="River Walk")
    absent_voters_import(
        actor=organiser,
        election=election,
        data=_csv("Elector Number,Surname", "CA-1,Highson", "CA-2,Highson", "CA-3,Highson"),
        filename="av.csv",
        list_kind="postal",
    )
    postal_returns_import(
        actor=organiser,
        election=election,
        data=_csv("Elector Number", "CA-1"),
        filename="returns.csv",
        received_on=datetime.date(2026, 5, 1),
    )
    marked_register_import(
        actor=organiser,
        election=election,
        data=_csv("Elector Number,Method", "CA-1,postal", "CA-4,in person", "CB-1,", "RA-1,"),
        filename="marked.csv",
    )
    return {"election": election, "world": world}


def _target_names(users, segment, role=RoleCode.ORGANISER):
    campaign = CampaignFactory(constituency=segment.constituency, name=f"For {segment.name}")
    organiser = users[role]
    target = target_create(
        actor=organiser, campaign=campaign, name=segment.name, filters={}, segment=segment
    )
    electors = target_electors(
        campaign=campaign, filters=target.filters, user=organiser, segment=target.segment
    )
    return sorted(e.elector_number for e in electors.select_related("polling_district"))


def _segment(geography, name, **filters):
    return segment_save(
        actor=None,
        constituency=geography["constituency"],
        name=name,
        description="",
        filters=filters,
    )


def test_a_canvass_target_from_a_did_not_vote_segment_reaches_the_non_voters(
    geography, users, imported
):
    segment = _segment(geography, "Stayed at home", did_not_vote_in=imported["election"].pk)
    # CA-2 and CA-3 (postal, not returned), CA-5, CA-6, CB-2; not CA-1, CA-4, CB-1 who voted.
    assert _target_names(users, segment) == ["CA-2", "CA-3", "CA-5", "CA-6", "CB-2"]


def test_a_target_from_voted_in_and_postal_not_returned_segments(geography, users, imported):
    voted = _segment(geography, "Voted last time", voted_in=imported["election"].pk)
    assert _target_names(users, voted) == ["CA-1", "CA-4", "CB-1", "RA-1"]
    postal = _segment(
        geography, "Postal non-returners", postal_not_returned=imported["election"].pk
    )
    assert _target_names(users, postal) == ["CA-2", "CA-3"]


def test_an_area_organisers_target_stays_in_their_areas(geography, users, imported):
    """The segment selects across the constituency; an area organiser's target only inside
    their areas (Castle ward: CA, CB, CC), so RA-1 is left out."""
    segment = _segment(geography, "Voted", voted_in=imported["election"].pk)
    assert _target_names(users, segment, RoleCode.AREA_ORGANISER) == ["CA-1", "CA-4", "CB-1"]
