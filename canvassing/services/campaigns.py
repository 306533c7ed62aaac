"""Writes for canvass campaigns, their survey questions and targets."""

from django.core.exceptions import ValidationError
from django.db import transaction

from canvassing.models import (
    CanvassCampaign,
    Intention,
    Outcome,
    SurveyQuestion,
    Target,
)
from clp.audit import audit_record

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
    outcomes = [c for c in (outcomes or []) if c in Outcome.values]
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
    *, actor, campaign, text: str, kind: str, options: list[str], request=None
) -> SurveyQuestion:
    options = _question_options(kind, options)
    with transaction.atomic():
        question = SurveyQuestion.objects.create(
            campaign=campaign,
            text=text,
            kind=kind,
            options=options,
            order=campaign.questions.count() + 1,
        )
        audit_record(actor=actor, action="canvass.question.add", target=campaign, request=request)
    return question


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
    outcomes = [c for c in Outcome.values if c in outcomes]
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


def _question_options(kind: str, options: list[str]) -> list[str]:
    options = [o.strip() for o in options if o.strip()]
    if kind != SurveyQuestion.Kind.TEXT and len(options) < 2:
        raise ValidationError("A choice question needs at least two choices, one per line.")
    return options if kind != SurveyQuestion.Kind.TEXT else []


def question_update(
    *, actor, question: SurveyQuestion, text: str, kind: str, options: list[str], request=None
) -> SurveyQuestion:
    """Reword a survey question or change its choices. Answers already given are kept."""
    options = _question_options(kind, options)
    with transaction.atomic():
        before = {"text": question.text, "kind": question.kind, "options": question.options}
        question.text, question.kind, question.options = text, kind, options
        question.save(update_fields=["text", "kind", "options", "updated_at"])
        audit_record(
            actor=actor,
            action="canvass.question.update",
            target=question.campaign,
            request=request,
            details={"question": question.pk, "before": before},
        )
    return question


def question_remove(*, actor, question: SurveyQuestion, request=None) -> None:
    """Stop asking a survey question. Answers already given stay on the results."""
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
