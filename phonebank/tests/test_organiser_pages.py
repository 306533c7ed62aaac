"""Organisers' pages: setting up a phone bank, its call list (and why people are left out),
starting it, the script with branches, and join codes."""

import pytest
from django.urls import reverse

from clp.roles import RoleCode
from members.models import ConsentState, Question, Segment
from phonebank.models import CallCampaign, QueueEntry, ScriptStep
from phonebank.tests.conftest import add_person

pytestmark = pytest.mark.django_db


def _form(geography, **values):
    data = {
        "name": "Renewals",
        "constituency": geography["constituency"].pk,
        "mode": "area",
        "wards": [geography["wards"]["Castle"].pk],
        "outcomes": ["S", "NI", "CB", "DNP", "WN"],
        "intentions": ["LAB", "CON"],
        "weekday_start": "09:00",
        "weekday_end": "20:00",
        "weekend_start": "10:00",
        "weekend_end": "18:00",
        "recent_days": 7,
        "lease_minutes": 15,
        "retry_hours": 4,
        "max_attempts": 3,
    }
    data.update(values)
    return data


def test_an_organiser_sets_up_a_phone_bank_and_a_window_past_nine_pm_is_refused(
    client_for, geography
):
    client = client_for(RoleCode.ORGANISER)
    page = client.post(reverse("phonebank:campaign_create"), _form(geography, weekday_end="21:30"))
    assert page.status_code == 200
    assert "between 09:00 and 21:00" in page.content.decode()
    assert not CallCampaign.objects.exists()
    response = client.post(reverse("phonebank:campaign_create"), _form(geography))
    campaign = CallCampaign.objects.get()
    assert response.url == reverse("phonebank:campaign_detail", args=[campaign.pk])
    assert list(campaign.wards.all()) == [geography["wards"]["Castle"]]


def test_a_call_list_with_nobody_callable_says_how_many_each_rule_left_out(
    client_for, geography, districts
):
    constituency = geography["constituency"]
    castle = [d for d in districts if d.ward_id == geography["wards"]["Castle"].pk]
    add_person(constituency, castle[0], phone=False)
    add_person(constituency, castle[0], do_not_phone=True)
    add_person(constituency, castle[0], phone={"consent": ConsentState.REFUSED})
    add_person(constituency, castle[0], phone={"tps_registered": True})
    client = client_for(RoleCode.ORGANISER)
    client.post(reverse("phonebank:campaign_create"), _form(geography))
    campaign = CallCampaign.objects.get()
    page = client.post(
        reverse("phonebank:queue_build", args=[campaign.pk]), follow=True
    ).content.decode()
    assert "Nobody this phone bank selects has a number we may call" in page
    for reason in ("1 no phone number", "1 do not phone", "1 number refused", "1 on the tps"):
        assert reason in page.lower()
    started = client.post(
        reverse("phonebank:campaign_status", args=[campaign.pk]), {"status": "active"}, follow=True
    )
    assert "Build the call list before starting" in started.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == CallCampaign.Status.DRAFT


def test_a_consented_number_on_the_tps_is_called_and_the_list_is_built_once(
    client_for, geography, districts
):
    constituency = geography["constituency"]
    castle = [d for d in districts if d.ward_id == geography["wards"]["Castle"].pk]
    consented = add_person(
        constituency, castle[0], phone={"tps_registered": True, "consent": ConsentState.GRANTED}
    )
    client = client_for(RoleCode.ORGANISER)
    client.post(reverse("phonebank:campaign_create"), _form(geography))
    campaign = CallCampaign.objects.get()
    for _ in range(2):
        client.post(reverse("phonebank:queue_build", args=[campaign.pk]))
    assert list(QueueEntry.objects.values_list("person_id", flat=True)) == [consented.pk]


def test_an_area_organiser_builds_a_list_of_their_own_wards_only(
    client_for, users, geography, districts
):
    constituency = geography["constituency"]
    castle_ward = geography["wards"]["Castle"]
    inside = add_person(constituency, next(d for d in districts if d.ward_id == castle_ward.pk))
    add_person(constituency, next(d for d in districts if d.ward_id != castle_ward.pk))
    everyone = Segment.objects.create(constituency=constituency, name="Everyone", filters={})
    client = client_for(RoleCode.AREA_ORGANISER)
    client.post(
        reverse("phonebank:campaign_create"),
        _form(geography, mode="segment", segment=everyone.pk, wards=[]),
    )
    campaign = CallCampaign.objects.get()
    client.post(reverse("phonebank:queue_build", args=[campaign.pk]))
    assert list(QueueEntry.objects.values_list("person_id", flat=True)) == [inside.pk]


def test_the_script_is_built_step_by_step_with_branches_checked(client_for, geography):
    constituency = geography["constituency"]
    question = Question.objects.create(
        constituency=constituency, key="bins", text="Bins collected?", kind="yesno"
    )
    client = client_for(RoleCode.ORGANISER)
    client.post(reverse("phonebank:campaign_create"), _form(geography))
    campaign = CallCampaign.objects.get()
    add = reverse("phonebank:script_step_add", args=[campaign.pk])
    client.post(add, {"text": "Hello", "question": question.pk})
    client.post(add, {"text": "Tell me more"})
    client.post(add, {"text": "Thanks"})
    first = ScriptStep.objects.get(position=1)
    page = client.post(
        reverse("phonebank:script_step_edit", args=[first.pk]),
        {"text": "Hello", "question": question.pk, "branches": "maybe -> 3"},
    )
    assert "“maybe” is not an answer" in page.content.decode()
    client.post(
        reverse("phonebank:script_step_edit", args=[first.pk]),
        {"text": "Hello", "question": question.pk, "branches": "yes -> 3"},
    )
    first.refresh_from_db()
    assert first.branches == {"yes": 3}
    client.post(
        reverse("phonebank:script_step_remove", args=[ScriptStep.objects.get(position=2).pk])
    )
    first.refresh_from_db()
    assert first.branches == {"yes": 2}
    assert list(campaign.steps.values_list("position", "text")) == [(1, "Hello"), (2, "Thanks")]


def test_a_join_code_can_be_issued_and_stopped(client_for, geography):
    client = client_for(RoleCode.ORGANISER)
    client.post(reverse("phonebank:campaign_create"), _form(geography))
    campaign = CallCampaign.objects.get()
    client.post(reverse("phonebank:join_code_issue", args=[campaign.pk]), {"days": 7})
    campaign.refresh_from_db()
    assert len(campaign.join_code) == 8
    page = client.get(reverse("phonebank:campaign_detail", args=[campaign.pk])).content.decode()
    assert campaign.join_code in page
    client.post(reverse("phonebank:join_code_end", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.join_code is None
