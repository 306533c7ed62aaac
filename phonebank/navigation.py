"""Menu items and home panels for phone banking."""

from django.urls import reverse

from clp.navigation import NavItem
from clp.roles import ORGANISING_ROLES, RoleCode


def nav_items(user, roles) -> list[NavItem]:
    items = []
    if RoleCode.CALLER in roles or _joined_by_code(user):
        items.append(NavItem("Phone banks", reverse("phonebank:my_phone_banks")))
    if roles & ORGANISING_ROLES:
        items.append(NavItem("Phone banking", reverse("phonebank:campaign_list")))
    return items


def _joined_by_code(user) -> bool:
    from django.utils import timezone

    from phonebank.models import CampaignCaller

    return CampaignCaller.objects.filter(
        user=user, joined_by_code=True, expires_at__gt=timezone.now(), removed_at__isnull=True
    ).exists()
