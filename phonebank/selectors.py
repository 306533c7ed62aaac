"""Permission-aware reads. Access functions raise 404 for what the user may not see."""

from django.db.models import QuerySet
from django.http import Http404

from clp.access import constituencies_for_user
from clp.roles import RoleCode
from phonebank.models import CallCampaign, CampaignCaller

ORGANISING = (RoleCode.ORGANISER, RoleCode.AREA_ORGANISER)


def campaigns_organised_by(user) -> QuerySet:
    """The phone banks of every constituency where `user` organises."""
    return CallCampaign.objects.filter(constituency__in=constituencies_for_user(user, *ORGANISING))


def get_campaign_for_organiser(user, pk) -> CallCampaign:
    """The phone bank, if it is in a constituency where `user` organises; 404 otherwise."""
    campaign = campaigns_organised_by(user).filter(pk=pk).select_related("constituency").first()
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
