"""The doorstep journey on a 360 px phone in headless Chromium, with the signal lost midway."""

import os
import re

import pytest
from playwright.sync_api import expect

from canvassing.models import CanvassResult, WalkList
from clp.demo import DemoContext, _seed_users
from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


@pytest.fixture
def demo(geography):
    from canvassing.demo import seed_canvassing

    ctx = DemoContext(stdout=open(os.devnull, "w"), password=PASSWORD, shared=geography)  # noqa: SIM115
    _seed_users(ctx)
    seed_canvassing(ctx)
    return ctx


def test_canvasser_works_a_list_offline_and_results_sync_exactly_once(live_server, phone, demo):
    walk_list = WalkList.objects.filter(checked_out_to__email="canvasser@demo.example").first()
    before = CanvassResult.objects.count()
    page = phone.new_page()
    browser_login(page, live_server.url, "canvasser@demo.example", PASSWORD)

    # Login → one tap on the list → the first door.
    page.get_by_role("link", name=re.compile(re.escape(walk_list.name))).click()
    doors = page.locator(".hh")
    expect(doors.first).to_be_visible()
    expect(page.locator("#sync-status")).to_have_text("All results synced.")
    expect(page.locator("#doorstep[data-offline-ready='1']")).to_have_count(1)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    for target in (".el", ".ni"):
        box = page.locator(target).first.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 300

    # The signal goes; the list still opens from the phone.
    phone.set_offline(True)
    page.reload()
    expect(doors.first).to_be_visible()

    first_household = doors.nth(0).locator(".el").count()
    doors.nth(0).get_by_role("button", name="Nobody in").click()

    doors.nth(1).locator(".el").first.click()
    sheet = page.locator("#rec")
    expect(sheet).to_be_visible()
    sheet.get_by_text("Spoke to them").click()
    sheet.get_by_text("Labour", exact=True).click()
    sheet.locator("label.chip", has_text="5").click()
    sheet.get_by_text("Buses").click()
    sheet.get_by_text("Wants a postal vote").click()
    sheet.get_by_role("button", name="Save").click()
    expect(sheet).to_be_hidden()

    doors.nth(2).locator(".el").first.click()
    sheet.get_by_text("Refused").click()
    sheet.get_by_role("button", name="Save").click()

    waiting = first_household + 2
    expect(page.locator("#sync-status")).to_contain_text(f"{waiting} results waiting to sync")
    expect(doors.nth(1).locator(".el").first).to_contain_text("Spoke to them · Labour")
    assert CanvassResult.objects.count() == before  # nothing reached the server

    # Still offline, the phone is put away and the page opened again: nothing is lost.
    page.reload()
    expect(page.locator("#sync-status")).to_contain_text(f"{waiting} results waiting to sync")

    # Handing the list back is refused while results are still only on the phone.
    page.get_by_role("button", name="Finished: hand the list back").click()
    expect(page.locator("#sync-status")).to_contain_text("Find a signal, then hand the list back.")

    # The signal returns: the results are sent, once.
    phone.set_offline(False)
    expect(page.locator("#sync-status")).to_have_text("All results synced.", timeout=40_000)
    page.reload()
    expect(page.locator("#sync-status")).to_have_text("All results synced.")

    new = CanvassResult.objects.filter(walk_list=walk_list)
    assert new.count() == waiting
    assert new.filter(outcome="NI").count() == first_household
    spoke = new.get(outcome="S")
    assert (spoke.intention, spoke.strength, spoke.wants_postal_vote) == ("LAB", 5, True)
    assert list(spoke.answers.values()) == ["Buses"]
    assert new.filter(outcome="R").count() == 1
    assert CanvassResult.objects.count() == before + waiting

    # Now the list can be handed back, and its copy leaves the phone.
    page.get_by_role("button", name="Finished: hand the list back").click()
    expect(page.get_by_role("heading", name="My walk lists")).to_be_visible()
    walk_list.refresh_from_db()
    assert walk_list.checked_out_to is None
    cached = page.evaluate(
        "caches.open('clp-doorstep-v1').then(c => c.keys()).then(k => k.map(r => r.url))"
    )
    assert not any(f"/canvassing/walk/{walk_list.pk}/" in url for url in cached)
