"""The teller's journey on a 360 px phone in headless Chromium: with no signal a teller takes
20 numbers, the phone keeps them and says so, the page opens again from the phone; the signal
returns and they are sent; a slip is undone, before and after sending."""

import contextlib
import datetime
import os
import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from clp.roles import RoleCode
from conftest import browser_login
from pollingday.models import Telling
from pollingday.tests.factories import add_electors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def day(world):
    world.election.opens_at = datetime.time(0, 0)  # the live server reads the real clock
    world.election.closes_at = datetime.time(23, 59)
    world.election.save(update_fields=["opens_at", "closes_at"])
    add_electors(world.districts["CA"], 30)
    add_electors(world.districts["CB"], 3, street_name="Mill Lane")
    return world


def _take(page, text):
    box = page.get_by_label("Elector number")
    box.fill(text)
    box.press("Enter")


def test_a_teller_takes_20_numbers_with_no_signal_and_they_are_sent_when_it_returns(
    live_server, phone, day, users
):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    teller = users[RoleCode.TELLER]
    page = phone.new_page()
    browser_login(page, live_server.url, teller.email)
    page.goto(f"{live_server.url}/pollingday/tell/")
    page.get_by_role("link", name="Castle School").click()
    expect(page.get_by_role("heading", name="Castle School")).to_be_visible()
    expect(page.locator("html[data-offline-ready='1']")).to_have_count(1)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    status = page.locator("#tell-status")
    expect(status).to_have_text("All numbers sent.")

    # One-handed at 360 px: nothing sideways, every control big enough to hit.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    for control in [
        page.get_by_label("Elector number"),
        page.get_by_role("button", name="Add", exact=True),
        page.locator(".tell-chip").first,
        page.get_by_label("Surname"),
        page.get_by_role("button", name="Find"),
    ]:
        box = control.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, box

    phone.set_offline(True)
    for n in range(1, 11):
        _take(page, f"CA{n}")
    for n in range(11, 21):
        _take(page, str(n))  # bare: the district chosen on the page (CA)
    expect(status).to_have_text(
        "No signal: 20 numbers waiting to send. They are kept on this phone."
    )
    expect(page.locator("#tell-recent li")).to_have_count(10)
    expect(page.locator("#tell-recent li").first).to_contain_text("CA-20")
    # A slip is caught at once, even with no signal.
    _take(page, "CC1")
    expect(page.locator("#tell-error")).to_have_text(
        "CC is not a district at this station: it votes at St Mary's Hall. Here: CA, CB."
    )
    # A slip not yet sent is undone on the phone alone.
    _take(page, "CA25")
    expect(status).to_contain_text("21 numbers waiting")
    page.get_by_role("button", name="Undo CA-25").click()
    expect(status).to_contain_text("20 numbers waiting")
    assert Telling.objects.count() == 0
    # Lookup needs the server: the teller is told so plainly.
    page.get_by_label("Surname").fill("Highson")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("#lookup-results")).to_contain_text("Lookup needs signal")

    # The page opens again from the phone with the numbers still waiting.
    with contextlib.suppress(PlaywrightError):
        page.reload()
    expect(page.get_by_role("heading", name="Castle School")).to_be_visible()
    expect(status).to_have_text(
        "No signal: 20 numbers waiting to send. They are kept on this phone."
    )

    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(status).to_have_text("All numbers sent.")
    expect(page.locator("#tally-count")).to_have_text("20")
    expect(page.locator("#tally-last")).to_have_text(re.compile(r"^last at \d\d:\d\d$"))
    assert Telling.objects.filter(recorded_by=teller, undone_at=None).count() == 20
    assert sorted(Telling.objects.values_list("elector__number", flat=True)) == list(range(1, 21))

    # A sent number undone: the server stands it down.
    page.get_by_role("button", name="Undo CA-20").click()
    expect(page.locator("#tally-count")).to_have_text("19")
    assert Telling.objects.get(elector__number=20).undone_at is not None
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_station_page_and_its_lookup_have_no_serious_accessibility_problems(
    live_server, browser, day, users
):
    from tests.test_accessibility import _violations

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # bypass_csp: for the accessibility checker injected by the test, not for the page's own.
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, bypass_csp=True
    )
    page = context.new_page()
    browser_login(page, live_server.url, users[RoleCode.TELLER].email)
    page.goto(f"{live_server.url}/pollingday/tell/")
    assert _violations(page) == []
    page.get_by_role("link", name="Castle School").click()
    # The page's script has taken over the form (typing sooner submits it as a plain form).
    expect(page.locator("#tell-status")).to_have_text("All numbers sent.")
    _take(page, "CA1")
    _take(page, "CA1")  # a repeat: "already marked at …"
    expect(page.locator("#tell-recent li").first).to_contain_text("already marked at")
    page.get_by_label("Surname").fill("Mill")
    page.get_by_role("button", name="Find").click()
    hits = page.locator(".lookup-hit")
    expect(hits).to_have_count(3)
    assert _violations(page) == []
    hits.first.click()  # tapping a voter takes their number
    expect(page.locator("#tell-recent li").first).to_contain_text("CB-1")
    expect(page.locator("#tally-count")).to_have_text("2")
    # The district for bare numbers is chosen once and remembered on the phone.
    page.locator(".tell-chip", has_text="CB").click()
    page.reload()
    expect(page.get_by_role("radio", name="CB")).to_be_checked()
    _take(page, "3")
    expect(page.locator("#tell-recent li").first).to_contain_text("CB-3")
    expect(page.locator("#tally-count")).to_have_text("3")
    context.close()
