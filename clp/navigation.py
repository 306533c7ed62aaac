"""The menu and home-page panels each role sees. Only pages the user may open are listed.

Each app may add its own by defining, in `<app>/navigation.py`:
- `nav_items(user, roles) -> list[NavItem]`
- `home_panels(request, roles) -> list[HomePanel]` (a template and its context)
"""

from dataclasses import dataclass, field
from functools import cache

from django.apps import apps
from django.urls import reverse
from django.utils.module_loading import import_string

from clp.access import user_roles
from clp.roles import INVITING_ROLES, RoleCode


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


@dataclass
class HomePanel:
    template: str
    context: dict = field(default_factory=dict)
    order: int = 50


@cache
def _app_hooks(name: str) -> list:
    hooks = []
    for config in apps.get_app_configs():
        if config.name == "clp":
            continue
        try:
            hooks.append(import_string(f"{config.name}.navigation.{name}"))
        except ImportError:
            continue
    return hooks


def navigation_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    roles = user_roles(user)
    items = [NavItem("Home", reverse("home"))]
    for hook in _app_hooks("nav_items"):
        items.extend(hook(user, roles))
    if roles & INVITING_ROLES:
        items.append(NavItem("Volunteers", reverse("clp:volunteer_list")))
    if RoleCode.IT_MANAGER in roles:
        items.append(NavItem("System", reverse("clp:system_status")))
        if user.is_staff:
            items.append(NavItem("Admin", reverse("admin:index")))
    items.append(NavItem("Security", reverse("mfa_index")))
    return items


def home_panels_for(request) -> list[HomePanel]:
    roles = user_roles(request.user)
    panels = []
    for hook in _app_hooks("home_panels"):
        panels.extend(hook(request, roles))
    return sorted(panels, key=lambda panel: panel.order)
