from django.urls import reverse

from clp.navigation import HomePanel, NavItem
from members.selectors import IMPORTERS, READERS


def nav_items(user, roles) -> list[NavItem]:
    items = []
    if roles & set(READERS):
        items.append(NavItem("Electors", reverse("members:elector_list")))
        items.append(NavItem("People", reverse("members:people_list")))
        items.append(NavItem("Segments", reverse("members:segment_list")))
    if roles & set(IMPORTERS):
        items.append(NavItem("Imports", reverse("members:import_list")))
    if roles & set(READERS):
        items.append(NavItem("Geography", reverse("members:geography")))
    return items


def home_panels(request, roles) -> list[HomePanel]:
    if not roles & set(IMPORTERS):
        return []
    from members.models import MemberMatch
    from members.selectors import member_matches_for_user

    pending = (
        member_matches_for_user(request.user)
        .filter(status=MemberMatch.Status.PENDING)
        .values("membership")
        .distinct()
        .count()
    )
    return [HomePanel("members/_home_panel.html", {"pending_matches": pending}, order=20)]
