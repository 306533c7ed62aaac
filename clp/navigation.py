"""The menu each role sees. Only links to pages the user may open are listed."""

from dataclasses import dataclass

from django.urls import reverse

from clp.access import user_roles
from clp.roles import INVITING_ROLES, RoleCode


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


def navigation_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    items = [NavItem("Home", reverse("home"))]
    roles = user_roles(user)
    if roles & INVITING_ROLES:
        items.append(NavItem("Volunteers", reverse("clp:volunteer_list")))
    if RoleCode.IT_MANAGER in roles:
        items.append(NavItem("System", reverse("clp:system_status")))
        if user.is_staff:
            items.append(NavItem("Admin", reverse("admin:index")))
    items.append(NavItem("Security", reverse("mfa_index")))
    return items
