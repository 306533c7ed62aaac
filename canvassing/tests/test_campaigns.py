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
        {"text": "Which issues matter?", "kind": "multiple", "options": "Buses\nSchools\n"},
    )
    question = SurveyQuestion.objects.get()
    assert (question.kind, question.options) == ("multiple", ["Buses", "Schools"])
    page = client.get(response.url).content.decode()
    assert "Plaid Cymru" in page and "Which issues matter?" in page


def test_a_choice_question_needs_choices(client, users, campaign):
    client.force_login(users[RoleCode.ORGANISER])
    response = client.post(
        reverse("canvassing:question_add", args=[campaign.pk]),
        {"text": "Pick one", "kind": "single", "options": "Only one"},
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
