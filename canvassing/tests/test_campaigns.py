import pytest
from django.urls import reverse

from canvassing.models import CanvassCampaign, SurveyQuestion
from clp.roles import RoleCode

pytestmark = pytest.mark.django_db


def test_organiser_starts_a_campaign_with_its_own_intentions_and_questions(
    client, users, geography
):
    client.force_login(users[RoleCode.ORGANISER])
    response = client.post(
        reverse("canvassing:campaign_create"),
        {
            "constituency": geography["constituency"].pk,
            "name": "Senedd 2026 — Calder Vale",
            "script": "Hello!",
            "intentions": ["LAB", "PC", "CON", "UND"],
            "outcomes": ["S", "NI", "R"],
        },
    )
    campaign = CanvassCampaign.objects.get()
    assert response.url == reverse("canvassing:campaign_detail", args=[campaign.pk])
    assert campaign.intentions == ["LAB", "PC", "CON", "UND"]
    client.post(
        reverse("canvassing:question_add", args=[campaign.pk]),
        {"text": "Which issues matter?", "kind": "multiple", "choices": "Buses\nSchools\n"},
    )
    question = SurveyQuestion.objects.get()
    assert (question.kind, question.options) == ("multiple", ["Buses", "Schools"])
    page = client.get(response.url).content.decode()
    assert "Plaid Cymru" in page and "Which issues matter?" in page


def test_a_choice_question_needs_choices(client, users, campaign):
    client.force_login(users[RoleCode.ORGANISER])
    response = client.post(
        reverse("canvassing:question_add", args=[campaign.pk]),
        {"text": "Pick one", "kind": "single", "choices": "Only one"},
    )
    assert response.status_code == 400
    assert "at least two choices" in response.content.decode()
    assert not SurveyQuestion.objects.exists()


def test_campaigns_elsewhere_are_not_found(client, users, geography):
    from members.models import Constituency

    other = Constituency.objects.create(name="Elsewhere")
    campaign = CanvassCampaign.objects.create(constituency=other, name="Not ours")
    client.force_login(users[RoleCode.AREA_ORGANISER])
    assert client.get(reverse("canvassing:campaign_detail", args=[campaign.pk])).status_code == 404


def test_organiser_edits_the_campaigns_script_questions_and_outcome_codes(client, users, campaign):
    from canvassing.models import SurveyQuestion
    from canvassing.services.campaigns import question_add
    from clp.models import AuditEntry

    question = question_add(
        actor=users[RoleCode.ORGANISER],
        campaign=campaign,
        text="Bus lane?",
        kind="single",
        choices=["Yes", "No"],
    )
    dropped = question_add(
        actor=users[RoleCode.ORGANISER], campaign=campaign, text="Old one", kind="text", choices=[]
    )
    client.force_login(users[RoleCode.AREA_ORGANISER])
    page = client.get(reverse("canvassing:campaign_detail", args=[campaign.pk])).content.decode()
    assert reverse("canvassing:campaign_edit", args=[campaign.pk]) in page
    response = client.post(
        reverse("canvassing:campaign_edit", args=[campaign.pk]),
        {
            "name": campaign.name,
            "script": "Hello, I'm calling for Labour.",
            "intentions": ["LAB", "CON", "UND"],
            "outcomes": ["S", "NI", "R"],
        },
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.script == "Hello, I'm calling for Labour."
    assert campaign.outcomes == ["S", "NI", "R"] and campaign.intentions == ["LAB", "CON", "UND"]
    client.post(
        reverse("canvassing:question_edit", args=[question.pk]),
        {"text": "Do you back the bus lane?", "kind": "single", "choices": "Yes\nNo\nNot sure"},
    )
    question.refresh_from_db()
    assert question.text == "Do you back the bus lane?" and question.options[-1] == "Not sure"
    client.post(reverse("canvassing:question_remove", args=[dropped.pk]))
    assert list(SurveyQuestion.objects.filter(campaign=campaign)) == [question]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "canvass.campaign.update",
        "question.update",
        "canvass.question.remove",
    } <= actions


def test_a_campaign_keeps_spoke_to_them_and_reports_every_problem(client, users, campaign):
    client.force_login(users[RoleCode.ORGANISER])
    response = client.post(
        reverse("canvassing:campaign_edit", args=[campaign.pk]),
        {"name": campaign.name, "script": "", "intentions": ["LAB"], "outcomes": ["NI"]},
    )
    assert response.status_code == 400
    assert "Keep the outcome" in response.content.decode()
    campaign.refresh_from_db()
    assert "S" in campaign.outcomes


def test_an_organiser_cannot_edit_another_constituencys_campaign(client, users, campaign):
    from canvassing.tests.factories import CampaignFactory
    from members.models import Constituency

    other = Constituency.objects.create(name="Elsewhere")
    foreign = CampaignFactory(constituency=other, name="Not ours")
    client.force_login(users[RoleCode.ORGANISER])
    assert client.get(reverse("canvassing:campaign_edit", args=[foreign.pk])).status_code == 404
