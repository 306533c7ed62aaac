"""Menu items and home panels for polling day: organisers run it, every volunteer signs up
for shifts, tellers tell, runners knock up."""

from django.urls import reverse

from clp.navigation import HomePanel, NavItem
from clp.roles import ORGANISING_ROLES, RoleCode


def nav_items(user, roles) -> list[NavItem]:
    items = []
    if roles & ORGANISING_ROLES:
        items.append(NavItem("Polling day", reverse("pollingday:election_list")))
    if roles:
        items.append(NavItem("My shifts", reverse("pollingday:my_shifts")))
    if RoleCode.TELLER in roles:
        items.append(NavItem("Tell", reverse("pollingday:tell_choose")))
    return items


def home_panels(request, roles) -> list[HomePanel]:
    from pollingday.access_setup import shifts_for_volunteer
    from pollingday.selectors import has_teller_shift_today, my_signups, next_election

    panels = []
    if roles & ORGANISING_ROLES:
        panels.append(
            HomePanel(
                template="pollingday/_home_organiser.html",
                context={"election": next_election(request.user)},
                order=30,
            )
        )
    # Volunteers without the teller role tell at the station of their telling shift: home is
    # where they find it (the menu asks no database question on every page).
    if RoleCode.TELLER in roles or (
        roles and not roles & ORGANISING_ROLES and has_teller_shift_today(request.user)
    ):
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
