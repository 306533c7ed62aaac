import io

import pytest

from clp.demo import DemoContext
from members.demo import WARDS, demo_register_csv, seed_register_and_members
from members.models import Elector, MemberMatch, Membership, Segment


def test_demo_register_is_a_valid_xpress_file_of_the_asked_size():
    data = demo_register_csv(WARDS, 1200)
    lines = data.decode().splitlines()
    assert lines[0].startswith("Elector Number Prefix,Elector Number")
    assert 1100 < len(lines) - 1 <= 1200


@pytest.mark.django_db
def test_demo_step_fills_the_register_members_and_segments_once(geography, monkeypatch):
    monkeypatch.setattr("members.demo.DEMO_ELECTORS", 1200)
    ctx = DemoContext(stdout=io.StringIO(), shared=geography)
    seed_register_and_members(ctx)
    electors = Elector.objects.count()
    assert electors > 1100
    assert set(Elector.objects.values_list("polling_district__code", flat=True).distinct()) == {
        code for codes in WARDS.values() for code in codes
    }
    assert Membership.objects.count() == 440
    assert Membership.objects.filter(person__elector_entries__isnull=False).count() > 300
    assert MemberMatch.objects.exists()
    assert Segment.objects.count() == 4
    seed_register_and_members(ctx)
    assert Elector.objects.count() == electors and Membership.objects.count() == 440
