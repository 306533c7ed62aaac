"""Across apps: re-importing the register never loses doorstep history (DESIGN.md, members)."""

import datetime

import pytest
from django.urls import reverse

from canvassing.models import CanvassResult
from canvassing.tests.factories import ResultFactory
from clp.roles import RoleCode
from members.models import Elector
from members.services.register_imports import register_import
from members.tests.registers import XPRESS14, csv_bytes, small_register


def _import(geography, rows, published_on):
    return register_import(
        actor=None,
        constituency=geography["constituency"],
        data=csv_bytes(XPRESS14, rows),
        filename="r.csv",
        published_on=published_on,
    )


@pytest.mark.django_db
def test_canvass_results_survive_a_new_register_and_show_on_the_timeline(geography, client_for):
    _import(geography, small_register(count=4), datetime.date(2026, 1, 1))
    john, ann = Elector.objects.get(number=1), Elector.objects.get(number=3)
    ResultFactory(elector=john, outcome="S")
    ResultFactory(elector=ann, outcome="S")
    # Next edition: Ann has left the register, John is still there.
    rows = [r for r in small_register(count=4) if r[1] != "3"]
    report = _import(geography, rows, datetime.date(2026, 12, 1))
    assert report["electors_left"] == 1
    assert CanvassResult.objects.filter(person=john.person).count() == 1
    ann.refresh_from_db()
    assert not ann.on_register
    assert CanvassResult.objects.filter(person=ann.person, elector=ann).count() == 1
    page = client_for(RoleCode.ORGANISER).get(
        reverse("members:person_detail", args=[ann.person_id])
    )
    assert b"Spring locals" in page.content and b"Left the register" in page.content


@pytest.mark.django_db
def test_accepting_a_member_match_moves_doorstep_history_to_the_elector(geography, users):
    from members.models import MemberMatch, Membership, Person
    from members.services.member_imports import member_match_decide

    _import(geography, small_register(count=2), datetime.date(2026, 1, 1))
    john = Elector.objects.get(number=1)
    member = Person.objects.create(
        constituency=geography["constituency"], first_name="J", last_name="Smith"
    )
    membership = Membership.objects.create(person=member, number="L1")
    result = ResultFactory(elector=john, person=member)  # recorded against the member record
    match = MemberMatch.objects.create(membership=membership, elector=john, score=60)
    member_match_decide(actor=users[RoleCode.ORGANISER], match=match, same_person=True)
    result.refresh_from_db()
    member.refresh_from_db()
    assert result.person_id == john.person_id and member.merged_into_id == john.person_id
    assert Membership.objects.get().person_id == john.person_id
