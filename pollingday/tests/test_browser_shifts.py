"""A member signs up for a polling-day shift on a 360 px phone and finds it under their
shifts, with where to go; nothing scrolls sideways and every button is a thumb's width."""

import datetime
import os

import pytest
from playwright.sync_api import expect

from clp.roles import RoleCode
from conftest import browser_login, make_user
from pollingday.models import Shift, ShiftSignup
from pollingday.tests.factories import election_today
from tests.test_accessibility import _violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _too_small(page, selector) -> list[str]:
    small = []
    for handle in page.query_selector_all(selector):
        box = handle.bounding_box()
        if box and box["height"] < 44:
            small.append(f"{handle.inner_text()[:40]!r} is {box['height']:.0f}px high")
    return small


def test_a_member_signs_up_on_their_phone_and_sees_the_shift_under_theirs(
    live_server, browser, geography
):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    world = election_today(geography, name="County by-election")
    station = world.stations["St Mary's Hall"]
    station.address, station.postcode = "Church Lane, Northbridge", "NB1 2CD"
    station.save()
    for start, wanted in [(7, 2), (10, 2), (13, 1)]:
        Shift.objects.create(
            election=world.election,
            kind=Shift.Kind.TELLER,
            polling_station=station,
            starts_at=world.election.on_polling_day(datetime.time(start)),
            ends_at=world.election.on_polling_day(datetime.time(start + 3)),
            wanted=wanted,
        )
    member = make_user(RoleCode.MEMBER, geography["constituency"], email="rhian@test.example")

    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, bypass_csp=True
    )
    page = phone.new_page()
    browser_login(page, live_server.url, member.email)
    page.get_by_role("link", name="My shifts").first.click()
    expect(page.get_by_role("heading", name="My shifts", level=1)).to_be_visible()
    expect(page.get_by_text("You are not down for any shift yet.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert _too_small(page, "main button, main a.button, nav a") == []
    assert _violations(page) == []

    page.get_by_role("button", name="10:00–13:00 Teller 2 needed · Sign up").tap()
    expect(page.get_by_text("You are down for teller at St Mary's Hall")).to_be_visible()
    mine = page.locator(".my-shift")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("10:00–13:00")
    expect(mine).to_contain_text("Where to go: Church Lane, Northbridge, NB1 2CD")
    # The shift still needs one more: it stays on offer to others, not to them.
    expect(page.get_by_role("button", name="10:00–13:00 Teller 1 needed · Sign up")).to_have_count(
        0
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert _too_small(page, "main button, main a.button") == []
    assert ShiftSignup.objects.filter(user=member).count() == 1

    mine.get_by_role("button", name="Cancel").tap()
    expect(page.get_by_text("You are no longer down for")).to_be_visible()
    expect(page.locator(".my-shift")).to_have_count(0)
    assert not ShiftSignup.objects.filter(user=member).exists()
    phone.close()
