"""Organiser pages make the same number of queries however many people an area holds (issue 9;
`make bench` times them at 120,000 people: tests/bench/pages_at_scale.py)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from canvassing.tests.factories import CampaignFactory, ResultFactory
from clp.roles import RoleCode
from members.models import Elector, Person, PollingDistrict, Segment
from members.services.register_imports import register_import
from members.services.segments import segment_save
from members.tests.registers import XPRESS14, csv_bytes, small_register

pytestmark = pytest.mark.django_db


def _import(geography, pd, count):
    register_import(
        actor=None,
        constituency=geography["constituency"],
        data=csv_bytes(XPRESS14, small_register(pd, count=count)),
        filename=f"{pd}.csv",
        published_on=datetime.date(2026, 12, 1),
    )


@pytest.fixture
def pages(geography):
    _import(geography, "CA", 4)
    constituency = geography["constituency"]
    campaign = CampaignFactory(constituency=constituency)
    ward = Segment.objects.create(
        constituency=constituency,
        name="Castle ward electors",
        filters={"wards": [geography["wards"]["Castle"].pk], "on_register": True},
    )
    postal = segment_save(
        actor=None,
        constituency=constituency,
        name="Postal voters",
        description="",
        filters={"markers": "A", "on_register": True},
    )
    since = (datetime.date.today() - datetime.timedelta(days=28)).isoformat()
    said_labour = Segment.objects.create(
        constituency=constituency,
        name="Castle Labour 4+ not spoken to in 28 days",
        filters={
            "wards": [geography["wards"]["Castle"].pk],
            "intentions": ["LAB"],
            "min_strength": "4",
            "not_contacted_since": since,
        },
    )
    not_phoned = Segment.objects.create(
        constituency=constituency,
        name="Not phoned in 28 days",
        filters={"contact_channels": ["phone"], "not_contacted_since": since},
    )
    preview = reverse("canvassing:target_preview", args=[campaign.pk])
    castle_person = Elector.objects.filter(polling_district__code="CA").first().person
    return {
        "people": (reverse("members:people_list"), {}),
        "people search": (reverse("members:people_list"), {"q": "smith castle"}),
        "members": (reverse("members:people_list"), {"membership": "any"}),
        "electors": (reverse("members:elector_list"), {}),
        "electors search": (reverse("members:elector_list"), {"q": "Smith"}),
        "ward segment": (reverse("members:segment_detail", args=[ward.pk]), {}),
        "postal segment": (reverse("members:segment_detail", args=[postal.pk]), {}),
        "preview from segment": (preview, {"segment": ward.pk}),
        "preview postal voters": (preview, {"postal_voter": "yes"}),
        "preview by intention": (preview, {"intentions": ["LAB"], "min_strength": "3"}),
        "preview never canvassed": (preview, {"never_canvassed": "on"}),
        "preview said Labour, not since, ward": (
            preview,
            {
                "intentions": ["LAB"],
                "min_strength": "4",
                "not_contacted_since": since,
                "wards": [geography["wards"]["Castle"].pk],
            },
        ),
        "preview from contact segment": (preview, {"segment": said_labour.pk}),
        "preview from not phoned": (preview, {"segment": not_phoned.pk}),
        "contact segment": (reverse("members:segment_detail", args=[said_labour.pk]), {}),
        "campaign": (reverse("canvassing:campaign_detail", args=[campaign.pk]), {}),
        "ward segment, page 2": (reverse("members:segment_detail", args=[ward.pk]), {"page": 2}),
        "person edit": (reverse("members:person_edit", args=[castle_person.pk]), {}),
        "_campaign": campaign,
    }


def _queries(client, pages) -> dict:
    counts = {}
    for name, page in pages.items():
        if name.startswith("_"):
            continue
        url, params = page
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, params)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(captured.captured_queries)
    return counts


@pytest.mark.parametrize("role", [RoleCode.ORGANISER, RoleCode.AREA_ORGANISER])
def test_organiser_pages_make_as_many_queries_for_sixty_more_people(
    geography, pages, client_for, role
):
    client = client_for(role)
    _queries(client, pages)  # warm the session
    few = _queries(client, pages)
    _import(geography, "CB", 60)  # Castle ward: both roles see them
    campaign = pages["_campaign"]
    for elector in Elector.objects.filter(polling_district__code="CB")[:20]:
        ResultFactory(campaign=campaign, elector=elector, intention="LAB", strength=4)
    assert Person.objects.filter(polling_district=PollingDistrict.objects.get(code="CB")).count()
    assert _queries(client, pages) == few


def test_a_page_of_people_is_whole_and_in_name_order(geography, pages, client_for):
    _import(geography, "CB", 60)
    client = client_for(RoleCode.AREA_ORGANISER)
    first = client.get(reverse("members:people_list")).context["page"]
    second = client.get(reverse("members:people_list"), {"page": 2}).context["page"]
    names = [(p.last_name, p.first_name, p.pk) for p in [*first, *second]]
    assert len(first) == 50 and len(names) == first.paginator.count == 60
    assert names == sorted(names)
    assert all(p.property.address_lines for p in first)  # joined, not fetched one by one
