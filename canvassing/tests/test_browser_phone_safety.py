"""A shared or lost phone: logging out removes the walk lists kept for offline use, without
losing results that have not reached the server; refused results are shown with their reason."""

import contextlib
import json
import os
import re
import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from canvassing.models import CanvassResult, WalkList
from clp.demo import DemoContext, _seed_users
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


def _open_walk_list(page, base_url):
    """Log in, open the canvasser's list online so the phone keeps it, and visit My lists once."""
    walk_list = WalkList.objects.filter(checked_out_to__email=CANVASSER).first()
    browser_login(page, base_url, CANVASSER, PASSWORD)
    page.get_by_role("link", name=re.compile(re.escape(walk_list.name))).click()
    expect(page.locator("#doorstep[data-offline-ready='1']")).to_have_count(1)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    expect(page.locator("#sync-status")).to_have_text("All results synced.")
    page.get_by_role("link", name="My lists").click()
    expect(page.get_by_role("heading", name="My walk lists")).to_be_visible()
    page.go_back()
    expect(page.locator(".hh").first).to_be_visible()
    name = page.locator(".el b").first.text_content()
    return walk_list, name, f"{base_url}/canvassing/walk/{walk_list.pk}/"


def _offline_page_text(page, phone, url) -> str:
    phone.set_offline(True)
    with contextlib.suppress(PlaywrightError):  # no worker answering: the browser's error page
        page.goto(url)
    text = page.locator("body").inner_text()
    phone.set_offline(False)
    return text


def _queued(page) -> list:
    return json.loads(page.evaluate("localStorage.getItem('clp.doorstep.pending') || '[]'"))


def _record_nobody_in_offline(page, phone) -> int:
    phone.set_offline(True)
    page.reload()
    first = page.locator(".hh").first
    count = first.locator(".el").count()
    first.get_by_role("button", name="Nobody in").click()
    expect(page.locator("#sync-status")).to_contain_text(f"{count} results waiting to sync")
    page.get_by_role("link", name="My lists").click()  # the phone's copy: still no signal
    page.get_by_role("button", name="Log out", exact=True).click()
    return count


def test_after_logout_the_doorstep_page_shows_no_names_offline(live_server, phone, demo):
    page = phone.new_page()
    _walk_list, name, url = _open_walk_list(page, live_server.url)
    # Before logging out the list opens with no signal (so the check below means something).
    assert name in _offline_page_text(page, phone, url)
    page.goto(url)
    page.get_by_role("link", name="My lists").click()
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page.get_by_role("button", name="Sign In")).to_be_visible()

    text = _offline_page_text(page, phone, url)
    assert name not in text
    assert "My walk lists" not in _offline_page_text(page, phone, f"{live_server.url}/canvassing/")
    cached = page.evaluate("caches.keys()")
    assert cached == []


def test_logging_out_with_unsynced_results_warns_and_keeps_them_for_the_next_login(
    live_server, phone, demo
):
    page = phone.new_page()
    walk_list, name, url = _open_walk_list(page, live_server.url)
    before = CanvassResult.objects.count()
    waiting = _record_nobody_in_offline(page, phone)

    warning = page.locator("#logout-warning")
    expect(warning).to_contain_text(
        f"{waiting} results recorded on this phone have not reached the server yet."
    )
    warning.get_by_role("button", name="Send them now, then log out").click()
    expect(warning).to_contain_text("Could not send them")
    assert len(_queued(page)) == waiting

    phone.set_offline(False)
    warning.get_by_role("button", name=re.compile("^Log out anyway")).click()
    expect(page.get_by_role("button", name="Sign In")).to_be_visible()
    # Playwright's offline switch does not reach the service worker's own requests, so the
    # "failed" send above may in fact have reached the server: either way nothing is lost, and
    # the phone keeps every result until the server has confirmed it.
    assert CanvassResult.objects.count() in (before, before + waiting)
    assert len(_queued(page)) == waiting  # kept on the phone, no names with them
    assert name not in _offline_page_text(page, phone, url)

    # At the next login they are sent, once.
    browser_login(page, live_server.url, CANVASSER, PASSWORD)
    page.get_by_role("link", name=re.compile(re.escape(walk_list.name))).click()
    expect(page.locator("#sync-status")).to_have_text("All results synced.", timeout=20_000)
    assert CanvassResult.objects.count() == before + waiting


def test_send_now_at_logout_syncs_the_results_then_logs_out(live_server, phone, demo):
    page = phone.new_page()
    _walk_list, name, url = _open_walk_list(page, live_server.url)
    before = CanvassResult.objects.count()
    waiting = _record_nobody_in_offline(page, phone)
    phone.set_offline(False)
    page.locator("#logout-warning").get_by_role(
        "button", name="Send them now, then log out"
    ).click()
    expect(page.get_by_role("button", name="Sign In")).to_be_visible()
    assert CanvassResult.objects.count() == before + waiting
    assert _queued(page) == []
    assert name not in _offline_page_text(page, phone, url)


def test_a_refused_result_is_shown_with_its_reason_and_not_sent_again(live_server, phone, demo):
    page = phone.new_page()
    walk_list, name, url = _open_walk_list(page, live_server.url)
    elector = int(page.locator(".el").first.get_attribute("data-e"))
    user = page.locator("#doorstep").get_attribute("data-user")
    bad = {
        "id": str(uuid.uuid4()),
        "walk_list": walk_list.pk,
        "elector": elector,
        "outcome": "XX",
        "recorded_at": timezone.now().isoformat(),
        "by": user,
    }
    page.evaluate(f"localStorage.setItem('clp.doorstep.pending', {json.dumps(json.dumps([bad]))})")
    page.reload()
    problems = page.locator("#sync-problems")
    expect(problems).to_contain_text(f"{name}: 'XX' is not an outcome in this campaign.")
    expect(page.locator("#sync-status")).to_contain_text("1 could not be saved")
    assert _queued(page) == []
    page.reload()  # still shown after a reload, until dismissed
    expect(problems).to_contain_text("'XX' is not an outcome in this campaign.")
    problems.get_by_role("button", name="I have told my organiser").click()
    expect(problems).to_be_hidden()
    expect(page.locator("#sync-status")).to_have_text("All results synced.")


def test_when_the_session_ends_elsewhere_the_phone_drops_the_list_at_its_next_signal(
    live_server, phone, demo
):
    from django.contrib.sessions.models import Session

    page = phone.new_page()
    _walk_list, name, url = _open_walk_list(page, live_server.url)
    Session.objects.all().delete()  # logged out elsewhere, or the session expired
    page.goto(url)  # with signal: the server answers with the login page
    expect(page.get_by_role("button", name="Sign In")).to_be_visible()
    assert name not in _offline_page_text(page, phone, url)
