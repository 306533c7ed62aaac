"""Polling day as one loop, on two 360 px phones: a teller at Castle School takes 20 numbers
with the network cut, the signal returns and they are sent, and the knock-up list on a
runner's phone no longer shows those voters (at its next look, and when opened again)."""

import datetime
import os
import re

import pytest
from playwright.sync_api import expect

from clp.roles import RoleCode
from conftest import browser_login, make_user
from pollingday.models import Telling
from pollingday.services.knockup import knockup_list_hand_out, knockup_lists_cut
from pollingday.tests.factories import LABOUR, add_electors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _phone(browser):
    return browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )


def test_numbers_a_teller_takes_with_no_signal_leave_the_runners_knock_up_list(
    live_server, browser, world, users, geography
):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    world.election.opens_at = datetime.time(0, 0)  # the live server reads the real clock
    world.election.closes_at = datetime.time(23, 59)
    world.election.save(update_fields=["opens_at", "closes_at"])
    promises = add_electors(
        world.districts["CA"], 25, street_name="Mill Lane", intention=LABOUR, strength=5
    )
    organiser = users[RoleCode.ORGANISER]
    runner = make_user(RoleCode.MEMBER, geography["constituency"], email="runner@test.example")
    (knock_up_list,) = knockup_lists_cut(
        actor=organiser, election=world.election, polling_district=world.districts["CA"]
    )
    knockup_list_hand_out(actor=organiser, knock_up_list=knock_up_list, runner=runner)

    runner_phone, teller_phone = _phone(browser), _phone(browser)
    try:
        running = runner_phone.new_page()
        browser_login(running, live_server.url, runner.email)
        running.goto(f"{live_server.url}/pollingday/run/")
        running.get_by_role("link", name=re.compile(re.escape(knock_up_list.name))).click()
        expect(running.locator(".el")).to_have_count(25)

        telling = teller_phone.new_page()
        browser_login(telling, live_server.url, users[RoleCode.TELLER].email)
        telling.goto(f"{live_server.url}/pollingday/tell/")
        telling.get_by_role("link", name="Castle School").click()
        expect(telling.locator("html[data-offline-ready='1']")).to_have_count(1)
        telling.evaluate("navigator.serviceWorker.ready.then(() => true)")
        status = telling.locator("#tell-status")
        expect(status).to_have_text("All numbers sent.")

        teller_phone.set_offline(True)
        voted = promises[:20]
        box = telling.get_by_label("Elector number")
        for elector in voted:
            box.fill(f"CA{elector.number}")
            box.press("Enter")
        expect(status).to_have_text(
            "No signal: 20 numbers waiting to send. They are kept on this phone."
        )
        assert not Telling.objects.exists()
        # Nothing reached the server, so the runner still sees everyone.
        running.evaluate("window.dispatchEvent(new Event('online'))")
        expect(running.locator(".el:visible")).to_have_count(25)

        teller_phone.set_offline(False)
        expect(status).to_have_text("All numbers sent.")
        assert Telling.objects.filter(election=world.election, undone_at=None).count() == 20

        # The runner's page, at its next look at who has voted, hides the 20 ...
        running.evaluate("window.dispatchEvent(new Event('online'))")
        expect(running.locator("#voted-since")).to_have_text("20 voted since you set out")
        expect(running.locator(".el:visible")).to_have_count(5)
        for elector in voted:
            expect(running.locator(f'.el[data-e="{elector.pk}"]')).to_be_hidden()
        # ... and opened again it lists only the five still to vote.
        running.reload()
        expect(running.locator(".el")).to_have_count(5)
        assert sorted(
            int(e) for e in running.locator(".el").evaluate_all("els => els.map(e => e.dataset.e)")
        ) == sorted(e.pk for e in promises[20:])
    finally:
        runner_phone.close()
        teller_phone.close()
