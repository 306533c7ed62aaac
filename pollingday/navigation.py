"""Menu items and home panels for polling day: organisers run it, every volunteer signs up
for shifts, tellers tell."""

from django.urls import reverse

from clp.navigation import HomePanel, NavItem
from clp.roles import ORGANISING_ROLES, RoleCode


def nav_items(user, roles) -> list[NavItem]:
    items = []
    if roles & ORGANISING_ROLES:
        items.append(NavItem("Polling day", reverse("pollingday:election_list")))
    if roles:
        items.append(NavItem("My shifts", reverse("pollingday:my_shifts")))
    if _tells(user, roles):
        items.append(NavItem("Tell", reverse("pollingday:tell_choose")))
    return items


def _tells(user, roles) -> bool:
    """Tellers by role; and volunteers down for a telling shift in an election today (looked up
    only for those who organise nothing, so organisers' pages keep their query count, and
    kept in the cache so a canvasser's doorstep page does not pay for it)."""
    if RoleCode.TELLER in roles:
        return True
    if not roles or roles & (ORGANISING_ROLES | {RoleCode.IT_MANAGER}):
        return False
    from pollingday.selectors import has_teller_shift_today

    return has_teller_shift_today(user)


def home_panels(request, roles) -> list[HomePanel]:
    from pollingday.access_setup import shifts_for_volunteer
    from pollingday.selectors import my_signups, next_election

    panels = []
    if roles & ORGANISING_ROLES:
        panels.append(
            HomePanel(
                template="pollingday/_home_organiser.html",
                context={"election": next_election(request.user)},
                order=30,
            )
        )
    if _tells(request.user, roles):
        panels.append(HomePanel(template="pollingday/_home_tell.html", order=5))
    if roles:
        from pollingday.access_knockup import knockup_lists_for_runner

        lists = list(knockup_lists_for_runner(request.user).order_by("name")[:5])
        if lists:
            panels.append(
                HomePanel(template="pollingday/_home_run.html", context={"lists": lists}, order=4)
            )
    if roles:
        signups = my_signups(request.user, limit=3)
        if signups or shifts_for_volunteer(request.user).exists():
            panels.append(
                HomePanel(
                    template="pollingday/_home_shifts.html",
                    context={"signups": signups},
                    order=12,
                )
            )
    return panels
