"""Reads that depend on who is asking: organisers see their constituencies' phone banks; a
caller sees the phone banks they may call for, and nothing of the queue but their contact."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from clp.access import constituencies_for_user, polling_districts_for_user
from clp.roles import ORGANISING_ROLES, RoleCode
from phonebank.models import CallCampaign, CampaignCaller, ScriptStep


def campaigns_for_organiser(user) -> QuerySet:
    return CallCampaign.objects.filter(
        constituency__in=constituencies_for_user(user, *ORGANISING_ROLES)
    )


def get_campaign_for_organiser(user, pk) -> CallCampaign:
    """The phone bank, if it is in a constituency where `user` organises; 404 otherwise."""
    campaign = campaigns_for_organiser(user).filter(pk=pk).select_related("constituency").first()
    if campaign is None:
        raise Http404("No such phone bank.")
    return campaign


def get_step_for_organiser(user, pk) -> ScriptStep:
    step = (
        ScriptStep.objects.filter(pk=pk, campaign__in=campaigns_for_organiser(user))
        .select_related("campaign", "question")
        .first()
    )
    if step is None:
        raise Http404("No such step.")
    return step


def campaigns_for_caller(user) -> QuerySet:
    """Phone banks `user` may call for: by the caller role over their area, or by a join code
    that has not expired; not one they were taken off."""
    districts = polling_districts_for_user(user, RoleCode.CALLER)
    by_role = Q(constituency__in=districts.values("constituency_id")) & (
        Q(caller_ward__isnull=True) | Q(caller_ward__in=districts.values("ward_id"))
    )
    by_code = Exists(
        CampaignCaller.objects.filter(
            campaign=OuterRef("pk"),
            user=user,
            joined_by_code=True,
            expires_at__gt=timezone.now(),
        )
    )
    removed = Exists(
        CampaignCaller.objects.filter(campaign=OuterRef("pk"), user=user, removed_at__isnull=False)
    )
    return (
        CallCampaign.objects.filter(by_role | by_code)
        .exclude(removed)
        .exclude(status=CallCampaign.Status.DRAFT)
    )


def get_campaign_for_caller(user, pk) -> CallCampaign:
    campaign = campaigns_for_caller(user).filter(pk=pk).first()
    if campaign is None:
        raise Http404("No such phone bank.")
    return campaign


def get_campaign_caller_for_organiser(user, campaign_pk, caller_pk) -> CampaignCaller:
    """One of the phone bank's callers, for its organisers; 404 for anyone else, and for a
    caller of another phone bank."""
    campaign = get_campaign_for_organiser(user, campaign_pk)
    caller = (
        CampaignCaller.objects.filter(pk=caller_pk, campaign=campaign)
        .select_related("user")
        .first()
    )
    if caller is None:
        raise Http404("No such caller on this phone bank.")
    caller.campaign = campaign
    return caller
