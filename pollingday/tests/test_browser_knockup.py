"""A runner on a 360 px phone: opens their knock-up list, records a knock with no signal, the
knock syncs when the signal comes back; a teller's number for someone on the list then takes
them off the runner's page."""

import os
import re

import pytest
from playwright.sync_api import expect

from clp.roles import RoleCode
from conftest import browser_login, make_user
from members.models import Channel, Contact, Outcome
from pollingday.models import Knock
from pollingday.services.knockup import knockup_list_hand_out, knockup_lists_cut
from pollingday.tests.factories import LABOUR, add_electors
from pollingday.tests.test_promises import tell

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_runner_knocks_with_no_signal_it_syncs_and_who_votes_leaves_the_list(
    live_server, phone, world, geography
):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    constituency = geography["constituency"]
    organiser = make_user(RoleCode.ORGANISER, constituency, email="org@test.example")
    runner = make_user(RoleCode.MEMBER, constituency, email="runner@test.example")
    electors = add_electors(
        world.districts["CA"], 5, street_name="Mill Lane", intention=LABOUR, strength=5
    )
    (knock_up_list,) = knockup_lists_cut(
        actor=organiser, election=world.election, polling_district=world.districts["CA"]
    )
    knockup_list_hand_out(actor=organiser, knock_up_list=knock_up_list, runner=runner)

    page = phone.new_page()
    browser_login(page, live_server.url, runner.email)
    page.goto(f"{live_server.url}/pollingday/run/")
    page.get_by_role("link", name=re.compile(re.escape(knock_up_list.name))).click()
    expect(page.locator("html[data-offline-ready='1']")).to_have_count(1)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    status = page.locator("#sync-status")
    expect(status).to_have_text("All knocks synced.")
    expect(page.locator("#voted-since")).to_have_text("0 voted since you set out")
    # No sideways scrolling on the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    phone.set_offline(True)
    first = electors[0]
    page.locator(f'.el[data-e="{first.pk}"]').click()
    page.get_by_label("Wants a lift to vote").check()
    page.get_by_role("button", name="Save").click()
    expect(status).to_have_text(re.compile(r"^1 knock waiting to sync \(no signal"))
    expect(page.locator(f'.el[data-e="{first.pk}"] i')).to_have_text("Wants a lift to vote")
    assert not Knock.objects.exists()

    phone.set_offline(False)
    expect(status).to_have_text("All knocks synced.")
    knock = Knock.objects.get()
    assert (knock.elector_id, knock.outcome, knock.recorded_by_id) == (
        first.pk,
        Outcome.WANTS_LIFT,
        runner.pk,
    )
    assert Contact.objects.filter(
        channel=Channel.KNOCK_UP, person_id=first.person_id, source_id=str(knock.pk)
    ).exists()

    # A teller takes number 3: the page's next look at who has voted hides them...
    third = electors[2]
    tell(world, third)
    row = page.locator(f'.el[data-e="{third.pk}"]')
    expect(row).to_be_visible()
    page.evaluate("window.dispatchEvent(new Event('online'))")  # as the minute's poll does
    expect(row).to_be_hidden()
    expect(page.locator("#voted-since")).to_have_text("1 voted since you set out")
    # ... and the list as served again leaves them out.
    page.reload()
    expect(page.locator(".el")).to_have_count(4)
    expect(page.locator(f'.el[data-e="{third.pk}"]')).to_have_count(0)
    expect(page.locator("#voted-since")).to_have_text("1 voted since you set out")


def test_the_knock_up_pages_and_boards_have_no_serious_accessibility_problems_on_a_phone(
    live_server, browser, world, users
):
    """axe-core over each page with real figures in it, at 360 px, and no sideways scroll."""
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from pollingday.tests.test_boards import build
    from tests.test_accessibility import _violations

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    board = build(world)
    organiser = users[RoleCode.ORGANISER]
    (knock_up_list,) = knockup_lists_cut(
        actor=organiser, election=world.election, polling_district=world.districts["CB"]
    )
    knockup_list_hand_out(
        actor=organiser, knock_up_list=knock_up_list, runner=users[RoleCode.CANVASSER]
    )
    pk = world.election.pk
    pages = {
        RoleCode.ORGANISER: [
            reverse("pollingday:promises", args=[pk]),
            reverse("pollingday:knockup_lists", args=[pk]),
            reverse("pollingday:committee_room_board", args=[pk, board.room.pk]),
            reverse("pollingday:turnout", args=[pk]),
        ],
        RoleCode.CANVASSER: [
            reverse("pollingday:my_knock_up_lists"),
            reverse("pollingday:knockup_run", args=[knock_up_list.pk]),
        ],
    }
    failures = []
    for role, urls in pages.items():
        client = Client()
        client.force_login(users[role])
        context = browser.new_context(
            viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, bypass_csp=True
        )
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        for url in urls:
            response = page.goto(f"{live_server.url}{url}")
            assert response.status == 200, url
            overflow = page.evaluate("document.documentElement.scrollWidth") - 360
            if overflow > 1:
                failures.append(f"{url}: scrolls sideways by {overflow}px")
            failures += [f"{url}: {v['id']} {v['help']} {v['nodes']}" for v in _violations(page)]
        context.close()
    assert not failures, "\n".join(failures)
