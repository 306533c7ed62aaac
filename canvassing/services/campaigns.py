"""Writes for canvass campaigns, their survey questions and targets."""

from django.core.exceptions import ValidationError
from django.db import transaction

from canvassing.models import (
    DOOR_OUTCOMES,
    CanvassCampaign,
    Intention,
    Outcome,
    SurveyQuestion,
    Target,
)
from clp.audit import audit_record
from members.models import Question
from members.services import contacts as bank

# --- campaigns, questions, targets -------------------------------------------------------------


def campaign_create(
    *,
    actor,
    constituency,
    name: str,
    script: str = "",
    intentions: list[str] | None = None,
    outcomes: list[str] | None = None,
    request=None,
) -> CanvassCampaign:
    """Start a canvass campaign with its script and the codes offered on the doorstep."""
    intentions = [c for c in (intentions or []) if c in Intention.values]
    outcomes = [c for c in (outcomes or []) if c in DOOR_OUTCOMES]
    if CanvassCampaign.objects.filter(constituency=constituency, name=name).exists():
        raise ValidationError(f"There is already a campaign called {name!r}.")
    with transaction.atomic():
        campaign = CanvassCampaign(
            constituency=constituency, name=name, script=script, created_by=actor
        )
        if intentions:
            campaign.intentions = intentions
        if outcomes:
            campaign.outcomes = outcomes
        campaign.save()
        audit_record(
            actor=actor, action="canvass.campaign.create", target=campaign, request=request
        )
    return campaign


def question_add(
    *,
    actor,
    campaign,
    question: Question | None = None,
    text: str = "",
    kind: str = "",
    choices: list[str] | None = None,
    request=None,
) -> SurveyQuestion:
    """Ask a question in the campaign: one from the constituency's question bank, or a new one
    (text, kind, choices), which joins the bank for other campaigns and surveys to use."""
    with transaction.atomic():
        if question is None:
            question = bank.question_create(
                actor=actor,
                constituency=campaign.constituency,
                text=text,
                kind=kind,
                choices=choices or [],
                request=request,
            )
        elif question.constituency_id != campaign.constituency_id:
            raise ValidationError("That question belongs to another constituency.")
        if campaign.questions.filter(question=question).exists():
            raise ValidationError("The campaign already asks that question.")
        asked = SurveyQuestion.objects.create(
            campaign=campaign, question=question, order=campaign.questions.count() + 1
        )
        audit_record(
            actor=actor,
            action="canvass.question.add",
            target=campaign,
            request=request,
            details={"question": question.pk, "key": question.key},
        )
    return asked


def campaign_update(
    *,
    actor,
    campaign: CanvassCampaign,
    name: str,
    script: str,
    intentions: list[str],
    outcomes: list[str],
    request=None,
) -> CanvassCampaign:
    """Change a campaign's name, script and the codes offered on the doorstep and the sheet.

    Results already recorded keep their codes; phones pick up the change when they next open
    the list with signal.
    """
    intentions = [c for c in Intention.values if c in intentions]
    outcomes = [c for c in DOOR_OUTCOMES if c in outcomes]
    if not intentions or not outcomes:
        raise ValidationError("Offer at least one voting intention and one outcome.")
    if Outcome.SPOKE not in outcomes:
        raise ValidationError("Keep the outcome “Spoke to them”: intentions are recorded with it.")
    clash = CanvassCampaign.objects.filter(constituency=campaign.constituency, name=name)
    if clash.exclude(pk=campaign.pk).exists():
        raise ValidationError(f"There is already a campaign called {name!r}.")
    changes = {
        field: {"from": getattr(campaign, field), "to": value}
        for field, value in {
            "name": name,
            "script": script,
            "intentions": intentions,
            "outcomes": outcomes,
        }.items()
        if getattr(campaign, field) != value
    }
    if not changes:
        return campaign
    with transaction.atomic():
        for field, change in changes.items():
            setattr(campaign, field, change["to"])
        campaign.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor,
            action="canvass.campaign.update",
            target=campaign,
            request=request,
            details={"changes": changes},
        )
    return campaign


def question_remove(*, actor, question: SurveyQuestion, request=None) -> None:
    """Stop asking a survey question in this campaign. It stays in the bank, and answers
    already given stay with the people who gave them."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="canvass.question.remove",
            target=question.campaign,
            request=request,
            details={"question": question.pk, "text": question.text},
        )
        question.delete()


def target_create(
    *, actor, campaign, name: str, filters: dict, segment=None, request=None
) -> Target:
    with transaction.atomic():
        target = Target.objects.create(
            campaign=campaign, name=name, filters=filters, segment=segment, created_by=actor
        )
        audit_record(
            actor=actor,
            action="canvass.target.create",
            target=target,
            request=request,
            details={"filters": filters},
        )
    return target
