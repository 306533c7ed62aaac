"""Menu items and home panels for phone banking."""

from django.urls import reverse

from clp.navigation import NavItem
from clp.roles import ORGANISING_ROLES, RoleCode


def nav_items(user, roles) -> list[NavItem]:
    items = []
    if _calls(user, roles):
        items.append(NavItem("Phone banks", reverse("phonebank:my_phone_banks")))
    if roles & ORGANISING_ROLES:
        items.append(NavItem("Phone banking", reverse("phonebank:campaign_list")))
    return items


def _calls(user, roles) -> bool:
    """Callers by role; and volunteers who joined a phone bank by its code (looked up only for
    those who organise nothing, so organisers' pages keep their query count)."""
    if RoleCode.CALLER in roles:
        return True
    return not roles & (ORGANISING_ROLES | {RoleCode.IT_MANAGER}) and _joined_by_code(user)


def _joined_by_code(user) -> bool:
    from django.utils import timezone

    from phonebank.models import CampaignCaller

    return CampaignCaller.objects.filter(
        user=user, joined_by_code=True, expires_at__gt=timezone.now(), removed_at__isnull=True
    ).exists()


def home_panels(request, roles) -> list:
    from clp.navigation import HomePanel
    from phonebank.selectors import campaigns_for_caller

    panels = []
    if _calls(request.user, roles):
        campaigns = list(
            campaigns_for_caller(request.user).filter(status="active").order_by("name")[:5]
        )
        panels.append(
            HomePanel(
                template="phonebank/_home_caller.html", context={"campaigns": campaigns}, order=15
            )
        )
    if roles & ORGANISING_ROLES:
        panels.append(HomePanel(template="phonebank/_home_organiser.html", order=25))
    return panels
