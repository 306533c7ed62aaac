"""The canvass target form's contact filters (issue 10): on which channels a contact counts,
whether any attempt counts, and an answer to a bank question, each narrowing the preview."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from canvassing.tests.test_targeting import electorate  # noqa: F401  (fixture)
from clp.roles import RoleCode
from members.models import Channel, Constituency, Outcome
from members.services.contacts import ContactRecord, contacts_record, question_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def phoned(campaign, electorate):  # noqa: F811
    """The elector at door 3 ("never" canvassed) was phoned 20 days ago and wants a postal
    vote."""
    question = question_create(
        actor=None,
        constituency=campaign.constituency,
        text="Would you like a postal vote?",
        kind="yesno",
        choices=[],
    )
    contacts_record(
        [
            ContactRecord(
                person_id=electorate["never"].person_id,
                contacted_at=timezone.now() - datetime.timedelta(days=20),
                channel=Channel.PHONE,
                source="test.call",
                source_id="1",
                outcome=Outcome.SPOKE,
                answers={question.pk: "yes"},
            )
        ],
        actor=None,
    )
    return question


def _count(client, campaign, **filters) -> int:
    response = client.get(reverse("canvassing:target_preview", args=[campaign.pk]), filters)
    assert response.context["form"].is_valid(), response.context["form"].errors
    return response.context["counts"]["electors"]


def test_channels_outcome_and_answer_narrow_the_preview(client, users, campaign, phoned):
    client.force_login(users[RoleCode.ORGANISER])
    since = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    assert _count(client, campaign, contact_outcome="reached") == 7  # no filter yet
    # Spoken to in 30 days: labour and tory on the doorstep today, door 3 on the phone.
    assert _count(client, campaign, not_contacted_since=since) == 4
    # Only the doorstep counts: door 3's call does not.
    on_doorstep = {"not_contacted_since": since, "contact_channels": ["doorstep"]}
    assert _count(client, campaign, **on_doorstep) == 5
    # Any attempt counts: the member's "not in" today does too.
    assert _count(client, campaign, **on_doorstep, contact_outcome="any") == 4
    answered = {"answer_question": phoned.pk, "answer_value": "yes"}
    assert _count(client, campaign, **answered) == 1


def test_a_target_saved_with_the_new_fields_keeps_them(client, users, campaign, phoned):
    client.force_login(users[RoleCode.ORGANISER])
    response = client.post(
        reverse("canvassing:target_create", args=[campaign.pk]),
        {
            "name": "Doorstep only",
            "not_contacted_since": "2026-11-01",
            "contact_channels": ["doorstep", "paper"],
            "contact_outcome": "any",
            "answer_question": phoned.pk,
            "answer_value": "Yes",
        },
    )
    assert response.status_code == 302
    assert campaign.targets.get().filters == {
        "not_contacted_since": "2026-11-01",
        "contact_channels": ["doorstep", "paper"],
        "contact_outcome": "any",
        "answers": [{"question": phoned.pk, "value": "yes"}],
    }


def test_the_target_form_refuses_an_answer_the_question_cannot_take(
    client, users, campaign, phoned
):
    client.force_login(users[RoleCode.ORGANISER])
    response = client.post(
        reverse("canvassing:target_create", args=[campaign.pk]),
        {"name": "Maybe", "answer_question": phoned.pk, "answer_value": "perhaps"},
    )
    assert response.status_code == 400
    assert "“perhaps” is not an answer to “Would you like a postal vote?”" in (
        response.content.decode()
    )
    assert not campaign.targets.exists()


def test_the_target_form_offers_only_the_campaigns_bank(client, users, campaign, phoned):
    question_create(
        actor=None,
        constituency=Constituency.objects.create(name="Elsewhere"),
        text="Elsewhere?",
        kind="yesno",
        choices=[],
    )
    client.force_login(users[RoleCode.ORGANISER])
    page = client.get(reverse("canvassing:campaign_detail", args=[campaign.pk]))
    assert list(page.context["target_form"].fields["answer_question"].queryset) == [phoned]
