"""Menu items and the canvasser's home panel: login → tap a list → the first door."""

from django.urls import reverse

from clp.navigation import HomePanel, NavItem
from clp.roles import ORGANISING_ROLES, RoleCode


def nav_items(user, roles) -> list[NavItem]:
    items = []
    if RoleCode.CANVASSER in roles:
        items.append(NavItem("My walk lists", reverse("canvassing:my_walk_lists")))
    if roles & ORGANISING_ROLES:
        items.append(NavItem("Canvassing", reverse("canvassing:campaign_list")))
    return items


def home_panels(request, roles) -> list[HomePanel]:
    from canvassing.selectors import walk_list_progress, walk_lists_for_user

    panels = []
    if RoleCode.CANVASSER in roles:
        walk_lists = walk_list_progress(walk_lists_for_user(request.user)).select_related(
            "campaign", "polling_district"
        )
        panels.append(
            HomePanel(
                template="canvassing/_home_walk_lists.html",
                context={"walk_lists": list(walk_lists)},
                order=10,
            )
        )
    if roles & ORGANISING_ROLES:
        panels.append(HomePanel(template="canvassing/_home_organiser.html", order=20))
    return panels
