"""The canvasser's pages with no signal: My lists and home open from the phone's copy, a page
never saved says so in a proper page with a way back, the first open of a walk list downloads it
once, the status says when there is no signal, marks are words, and the app can be added to the
home screen."""

import contextlib
import json
import os
import re

import pytest
from django.core.signals import request_started
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from canvassing.models import WalkList
from clp.demo import DemoContext, _seed_users
from clp.models import AuditEntry
from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
CANVASSER = "canvasser@demo.example"


@pytest.fixture
def demo(geography):
    from canvassing.demo import seed_canvassing

    ctx = DemoContext(stdout=open(os.devnull, "w"), password=PASSWORD, shared=geography)  # noqa: SIM115
    _seed_users(ctx)
    seed_canvassing(ctx)
    return ctx


def _walk_list():
    return WalkList.objects.filter(checked_out_to__email=CANVASSER).first()


def _offline_goto(page, url):
    with contextlib.suppress(PlaywrightError):  # no worker answering: the browser's error page
        page.goto(url)


def _log_in_and_open_my_lists(page, base_url):
    browser_login(page, base_url, CANVASSER, PASSWORD)  # lands on home
    expect(page.locator("html[data-offline-ready='1']")).to_have_count(1)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.get_by_role("link", name="My walk lists").click()
    expect(page.get_by_role("heading", name="My walk lists")).to_be_visible()
    expect(page.locator("html[data-offline-ready='1']")).to_have_count(1)


def test_my_lists_and_home_open_with_no_signal(live_server, phone, demo):
    page = phone.new_page()
    _log_in_and_open_my_lists(page, live_server.url)
    walk_list = _walk_list()
    phone.set_offline(True)
    _offline_goto(page, f"{live_server.url}/canvassing/")
    expect(page.get_by_role("heading", name="My walk lists")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(re.escape(walk_list.name)))).to_be_visible()
    _offline_goto(page, f"{live_server.url}/")
    expect(page.get_by_role("heading", name=re.compile("^Hello"))).to_be_visible()


def test_a_page_not_saved_on_the_phone_says_no_signal_with_a_way_back_to_my_lists(
    live_server, phone, demo
):
    page = phone.new_page()
    _log_in_and_open_my_lists(page, live_server.url)
    walk_list = _walk_list()
    phone.set_offline(True)
    _offline_goto(page, f"{live_server.url}/canvassing/walk/{walk_list.pk}/")  # never opened
    expect(page.get_by_role("heading", name="No signal")).to_be_visible()
    assert page.evaluate("document.contentType") == "text/html"
    # Styled like the app (not a plain-text error in small monospace).
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui")
    page.get_by_role("link", name="My lists").click()
    expect(page.get_by_role("heading", name="My walk lists")).to_be_visible()


def test_the_first_open_of_a_walk_list_downloads_it_once(live_server, phone, demo):
    page = phone.new_page()
    browser_login(page, live_server.url, CANVASSER, PASSWORD)
    walk_list = _walk_list()
    path = f"/canvassing/walk/{walk_list.pk}/"
    url = f"{live_server.url}{path}"
    # What reaches the server, not the browser's request events: once the service worker
    # controls the page those report the page's request and the worker's fetch of it both.
    served = []

    def record(sender, environ, **kwargs):
        served.append(environ.get("PATH_INFO"))

    request_started.connect(record)
    try:
        page.goto(url)
        expect(page.locator("#doorstep[data-offline-ready='1']")).to_have_count(1)
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    finally:
        request_started.disconnect(record)
    opened = AuditEntry.objects.filter(
        action="read:canvassing.doorstep", details__walk_list=walk_list.pk
    ).count()
    assert opened == 1
    assert served.count(path) == 1
    # ... and the copy it kept opens with no signal.
    name = page.locator(".el b").first.text_content()
    phone.set_offline(True)
    _offline_goto(page, url)
    expect(page.locator(".el b").first).to_have_text(name)


def test_with_no_signal_and_nothing_waiting_the_status_says_no_signal(live_server, phone, demo):
    page = phone.new_page()
    browser_login(page, live_server.url, CANVASSER, PASSWORD)
    page.goto(f"{live_server.url}/canvassing/walk/{_walk_list().pk}/")
    status = page.locator("#sync-status")
    expect(status).to_have_text("All results synced.")
    phone.set_offline(True)
    expect(status).to_contain_text("No signal")
    phone.set_offline(False)
    expect(status).to_have_text("All results synced.")


def test_marks_on_the_doorstep_show_words_not_codes(live_server, phone, demo):
    page = phone.new_page()
    browser_login(page, live_server.url, CANVASSER, PASSWORD)
    page.goto(f"{live_server.url}/canvassing/walk/{_walk_list().pk}/")
    household = page.locator(".hh").first
    household.get_by_role("button", name="Nobody in").click()
    expect(household.locator(".el i").first).to_have_text("Not in")
    expect(page.locator("#sync-status")).to_have_text("All results synced.")
    page.reload()  # from the server's view too
    expect(household.locator(".el i").first).to_have_text("Not in")
    first = page.locator(".hh").nth(1).locator(".el").first
    first.click()
    page.get_by_label("Spoke to them").check()
    page.get_by_label("Labour").check()
    page.get_by_role("button", name="Save").click()
    expect(first.locator("i")).to_have_text("Spoke to them · Labour")
    # Let the sync finish before the test's database is emptied.
    expect(page.locator("#sync-status")).to_have_text("All results synced.")


def test_the_app_can_be_added_to_the_home_screen(live_server, phone, demo):
    page = phone.new_page()
    browser_login(page, live_server.url, CANVASSER, PASSWORD)
    href = page.locator("link[rel='manifest']").get_attribute("href")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.ok
    manifest = json.loads(response.text())
    assert manifest["start_url"] == "/canvassing/"
    assert manifest["display"] == "standalone"
    sizes = set()
    for icon in manifest["icons"]:
        image = page.request.get(f"{live_server.url}{icon['src']}")
        assert image.ok and image.body()[:8] == b"\x89PNG\r\n\x1a\n"
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes
