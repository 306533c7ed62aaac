"""Writes for call campaigns: setting one up, its script, its join code, and its callers."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clp.audit import audit_record
from clp.join_codes import (
    TOO_MANY_WRONG_CODES,
    join_code_clean,
    join_code_new,
    join_limited,
    join_refused,
)
from members.models import PHONE_OUTCOMES, Intention, Outcome
from phonebank.models import CallCampaign, CampaignCaller, QueueEntry, ScriptStep
from phonebank.script import END, branch_problems
from phonebank.services.queue import leases_release_for
from phonebank.window import window_problems

JOIN_SCOPE = "phonebank"
PARKED = 10_000  # added to step positions while they are renumbered
# Settings an organiser chooses for a campaign (the form's fields, and what the audit shows).
SETTINGS = [
    "name",
    "mode",
    "purpose",
    "segment",
    "member_statuses",
    "introduction",
    "outcomes",
    "intentions",
    "weekday_start",
    "weekday_end",
    "weekend_start",
    "weekend_end",
    "recent_days",
    "lease_minutes",
    "retry_hours",
    "max_attempts",
    "caller_ward",
]
RELATED = ["wards", "polling_districts", "tags"]


def default_settings(**values) -> dict:
    """A new campaign's settings as the model's defaults have them, with `values` on top (for
    the demo, tests and benches that set a campaign up in code)."""
    fields = {f.name: f for f in CallCampaign._meta.get_fields()}
    settings = {
        name: fields[name].get_default()
        for name in SETTINGS
        if name not in ("name", "segment", "caller_ward")
    }
    settings["mode"] = CallCampaign.Mode.AREA
    return {**settings, **values}


def _checked_settings(values: dict) -> dict:
    values = dict(values)
    values["outcomes"] = [c for c in PHONE_OUTCOMES if c in values.get("outcomes", [])]
    values["intentions"] = [c for c in Intention.values if c in values.get("intentions", [])]
    if Outcome.SPOKE not in values["outcomes"]:
        raise ValidationError("Keep the outcome “Spoke to them”: answers are recorded with it.")
    problems = window_problems(
        weekday=(values["weekday_start"], values["weekday_end"]),
        weekend=(values["weekend_start"], values["weekend_end"]),
    )
    if problems:
        raise ValidationError(problems)
    if values["mode"] == CallCampaign.Mode.SEGMENT and not values.get("segment"):
        raise ValidationError("Choose the segment to call.")
    if values["mode"] == CallCampaign.Mode.AREA and not (
        values.get("wards") or values.get("polling_districts")
    ):
        raise ValidationError("Choose the wards or polling districts to call.")
    return values


def campaign_create(*, actor, constituency, values: dict, request=None) -> CallCampaign:
    """Set up a phone bank (in draft: nobody is called until it is started)."""
    values = _checked_settings(values)
    related = {name: values.pop(name, []) for name in RELATED}
    try:
        with transaction.atomic():
            campaign = CallCampaign.objects.create(
                constituency=constituency, created_by=actor, **values
            )
            for name, items in related.items():
                getattr(campaign, name).set(items)
            audit_record(
                actor=actor, action="phonebank.campaign_create", target=campaign, request=request
            )
    except IntegrityError:
        raise ValidationError(f"There is already a phone bank called {values['name']!r}.") from None
    return campaign


def campaign_update(*, actor, campaign: CallCampaign, values: dict, request=None) -> CallCampaign:
    """Change a phone bank's settings. Calls already made keep what they recorded; a changed
    selection reaches the queue when it is next built."""
    values = _checked_settings(values)
    related = {name: values.pop(name, []) for name in RELATED}
    clash = CallCampaign.objects.filter(constituency=campaign.constituency_id, name=values["name"])
    if clash.exclude(pk=campaign.pk).exists():
        raise ValidationError(f"There is already a phone bank called {values['name']!r}.")
    with transaction.atomic():
        for field, value in values.items():
            setattr(campaign, field, value)
        campaign.save(update_fields=[*values, "updated_at"])
        for name, items in related.items():
            getattr(campaign, name).set(items)
        audit_record(
            actor=actor, action="phonebank.campaign_update", target=campaign, request=request
        )
    return campaign


def campaign_status_set(*, actor, campaign: CallCampaign, status: str, request=None) -> None:
    """Start, pause, resume or close calling. Pausing or closing frees every lease."""
    if status not in CallCampaign.Status.values or status == CallCampaign.Status.DRAFT:
        raise ValidationError("Choose start, pause or close.")
    if (
        status == CallCampaign.Status.ACTIVE
        and not QueueEntry.objects.filter(campaign=campaign).exists()
    ):
        raise ValidationError("Build the call list before starting: it is empty.")
    with transaction.atomic():
        campaign.status = status
        campaign.save(update_fields=["status", "updated_at"])
        if status != CallCampaign.Status.ACTIVE:
            QueueEntry.objects.filter(campaign=campaign, state=QueueEntry.State.LEASED).release(
                timezone.now()
            )
        audit_record(
            actor=actor,
            action="phonebank.campaign_status",
            target=campaign,
            request=request,
            details={"status": status},
        )


# --- join code -------------------------------------------------------------------------------


def join_code_issue(*, actor, campaign: CallCampaign, days: int, request=None) -> str:
    """A new join code for the campaign, good for `days` days; the old one stops working."""
    if not 1 <= days <= 60:
        raise ValidationError("A join code lasts between 1 and 60 days.")
    for _ in range(5):
        code = join_code_new()
        try:
            with transaction.atomic():
                campaign.join_code = code
                campaign.join_code_expires_at = timezone.now() + datetime.timedelta(days=days)
                campaign.save(update_fields=["join_code", "join_code_expires_at", "updated_at"])
                audit_record(
                    actor=actor,
                    action="phonebank.join_code_issue",
                    target=campaign,
                    request=request,
                    details={"days": days},
                )
            return code
        except IntegrityError:
            continue  # the random code was taken; draw another
    raise RuntimeError("Could not find a free join code.")


def join_code_end(*, actor, campaign: CallCampaign, request=None) -> None:
    campaign.join_code = None
    campaign.join_code_expires_at = None
    campaign.save(update_fields=["join_code", "join_code_expires_at", "updated_at"])
    audit_record(actor=actor, action="phonebank.join_code_end", target=campaign, request=request)


def campaign_join(*, actor, code: str, request=None) -> CallCampaign:
    """A volunteer becomes a caller for one campaign by its code, until the code expires.
    Wrong codes count against them (clp.join_codes)."""
    if join_limited(JOIN_SCOPE, actor=actor, request=request):
        _join_refused(actor=actor, reason="too many wrong codes", request=request)
        raise ValidationError(TOO_MANY_WRONG_CODES)
    now = timezone.now()
    campaign = CallCampaign.objects.filter(
        join_code=join_code_clean(code), join_code_expires_at__gt=now
    ).first()
    if campaign is None:
        _join_refused(actor=actor, reason="wrong code", request=request)
        raise ValidationError("No phone bank has that code, or it has expired. Check it.")
    with transaction.atomic():
        caller, created = CampaignCaller.objects.get_or_create(
            campaign=campaign,
            user=actor,
            defaults={"joined_by_code": True, "expires_at": campaign.join_code_expires_at},
        )
        if caller.removed_at:
            raise ValidationError("The organiser has taken you off this phone bank.")
        if not created and (
            not caller.joined_by_code or caller.expires_at < campaign.join_code_expires_at
        ):
            caller.joined_by_code = True
            caller.expires_at = campaign.join_code_expires_at
            caller.save(update_fields=["joined_by_code", "expires_at", "updated_at"])
        audit_record(actor=actor, action="phonebank.join", target=campaign, request=request)
    return campaign


def _join_refused(*, actor, reason: str, request) -> None:
    join_refused(
        JOIN_SCOPE, actor=actor, reason=reason, action="phonebank.join_refused", request=request
    )


# --- the script ------------------------------------------------------------------------------


def script_step_save(
    *,
    actor,
    campaign: CallCampaign,
    step: ScriptStep | None = None,
    text: str,
    question=None,
    branches: dict | None = None,
    request=None,
) -> ScriptStep:
    """Add a step at the end of the script, or change one."""
    branches = branches or {}
    if question is not None and question.constituency_id != campaign.constituency_id:
        raise ValidationError("Choose a question from this constituency's bank.")
    if not text.strip() and question is None:
        raise ValidationError("Write what to say, or choose a question (or both).")
    with transaction.atomic():
        steps = list(campaign.steps.select_for_update())
        if step is None:
            step = ScriptStep(
                campaign=campaign, position=max((s.position for s in steps), default=0) + 1
            )
        step.text, step.question, step.branches = text.strip(), question, branches
        problems = branch_problems(step, branches, [s.position for s in steps])
        if problems:
            raise ValidationError(problems)
        step.save()
        audit_record(
            actor=actor, action="phonebank.script_step_save", target=campaign, request=request
        )
    return step


def script_step_remove(*, actor, step: ScriptStep, request=None) -> None:
    """Remove a step; later steps move up one, and branches to it go to the step after it."""
    campaign = step.campaign
    gone = step.position
    with transaction.atomic():
        steps = [s for s in campaign.steps.select_for_update() if s.pk != step.pk]
        step.delete()
        last = len(steps)

        def moved(position):
            if position == END:
                return END
            position = position - 1 if position > gone else position
            return END if position > last else position

        # Positions are unique: move the steps out of the way first.
        for s in steps:
            s.branches = {value: moved(target) for value, target in s.branches.items()}
            ScriptStep.objects.filter(pk=s.pk).update(
                position=s.position + PARKED, branches=s.branches
            )
        for s in steps:
            ScriptStep.objects.filter(pk=s.pk).update(
                position=s.position - 1 if s.position > gone else s.position
            )
        audit_record(
            actor=actor, action="phonebank.script_step_remove", target=campaign, request=request
        )


# --- callers ---------------------------------------------------------------------------------


def caller_pause(*, actor, caller: CampaignCaller, paused: bool, request=None) -> None:
    """Pause a caller (their contact goes back in the queue at once), or let them go on."""
    with transaction.atomic():
        caller.paused_at = timezone.now() if paused else None
        caller.save(update_fields=["paused_at", "updated_at"])
        released = leases_release_for(campaign=caller.campaign, user=caller.user) if paused else 0
        audit_record(
            actor=actor,
            action="phonebank.caller_pause" if paused else "phonebank.caller_resume",
            target=caller.campaign,
            request=request,
            details={"caller": caller.user.email, "released": released},
        )


def caller_remove(*, actor, caller: CampaignCaller, request=None) -> None:
    """Take a caller off the campaign for good; their contact goes back in the queue at once."""
    with transaction.atomic():
        caller.removed_at = timezone.now()
        caller.save(update_fields=["removed_at", "updated_at"])
        released = leases_release_for(campaign=caller.campaign, user=caller.user)
        audit_record(
            actor=actor,
            action="phonebank.caller_remove",
            target=caller.campaign,
            request=request,
            details={"caller": caller.user.email, "released": released},
        )


def caller_totals_show(*, caller: CampaignCaller, show: bool) -> None:
    """A caller's choice to see (and be thanked by name in) the running totals."""
    caller.shows_totals = show
    caller.save(update_fields=["shows_totals", "updated_at"])
