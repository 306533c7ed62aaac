"""The phone-bank journey on a 360 px phone in headless Chromium: a volunteer joins by code,
takes three contacts, records two results and a call-back; the organiser's live board shows
them."""

import datetime
import os
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clp.roles import RoleCode
from conftest import browser_login, make_user
from members.models import Question
from phonebank.models import Call, QueueEntry
from phonebank.services.campaigns import join_code_issue, script_step_save
from phonebank.tests.conftest import add_person
from phonebank.tests.test_caller_pages import ALL_DAY
from tests.test_accessibility import _violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _calls_allowed_all_day(monkeypatch):
    """The live server reads the real clock: let the journey run at whatever hour CI does."""
    monkeypatch.setattr("phonebank.window.EARLIEST_CALL", datetime.time(0, 0))
    monkeypatch.setattr("phonebank.window.LATEST_CALL", datetime.time(23, 59, 59))


def test_a_volunteer_joins_by_code_calls_three_people_and_the_board_shows_it(
    live_server, browser, geography, districts, make_campaign
):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    constituency = geography["constituency"]
    organiser = make_user(RoleCode.ORGANISER, constituency, email="org@test.example")
    volunteer = make_user(RoleCode.MEMBER, constituency, email="vol@test.example")
    for n, name in enumerate(["Adams", "Baker", "Clarke", "Dunn"]):
        add_person(constituency, districts[n % 2], first="Sam", last=name)
    question = Question.objects.create(
        constituency=constituency, key="buses", text="Do the buses work for you?", kind="yesno"
    )
    campaign = make_campaign("Evening calls", **ALL_DAY)
    script_step_save(actor=organiser, campaign=campaign, text="Ask about buses", question=question)
    script_step_save(actor=organiser, campaign=campaign, text="Why not?")
    script_step_save(actor=organiser, campaign=campaign, text="Thank them")
    first = campaign.steps.get(position=1)
    script_step_save(
        actor=organiser,
        campaign=campaign,
        step=first,
        text=first.text,
        question=question,
        branches={"yes": 3},
    )
    code = join_code_issue(actor=organiser, campaign=campaign, days=7)

    # bypass_csp: for the accessibility checker injected by the test, not for the page's own.
    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, bypass_csp=True
    )
    page = phone.new_page()
    browser_login(page, live_server.url, volunteer.email)
    page.goto(f"{live_server.url}/phonebank/")
    page.get_by_label("Join code").fill(code.lower())
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_role("heading", name="Evening calls")).to_be_visible()

    # First contact: spoke to them, Labour; "yes" skips the "why not?" step.
    page.get_by_role("button", name="Next contact").click()
    dial = page.get_by_role("link", name=re.compile(r"^Call \+44"))
    expect(dial).to_have_attribute("href", re.compile(r"^tel:\+447700"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    box = dial.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 280  # the width of the card
    assert _violations(page) == []
    page.get_by_label("Spoke to them").check()
    page.get_by_label("Labour").check()
    page.locator(".step").first.get_by_label("Yes").check()
    expect(page.get_by_text("Why not?")).to_be_hidden()
    page.get_by_role("button", name="Save and call the next").click()
    expect(page.get_by_text("Saved.")).to_be_visible()

    # Second: no answer.
    page.get_by_label("No answer").check()
    page.get_by_role("button", name="Save and call the next").click()
    expect(page.get_by_text("Saved.")).to_be_visible()

    # Third: call back in two hours, then stop.
    back_at = (timezone.now() + datetime.timedelta(hours=2)).astimezone(ZoneInfo("Europe/London"))
    page.get_by_label("Call back", exact=True).check()
    page.get_by_label("Call back at (UK time)").fill(back_at.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Save and stop").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    expect(page.get_by_role("button", name="Next contact")).to_be_visible()
    expect(page.get_by_text("3 calls, 1 conversation")).to_be_visible()

    calls = list(Call.objects.order_by("ended_at"))
    assert [c.outcome for c in calls] == ["S", "NI", "CB"]
    assert calls[0].intention == "LAB" and all(c.caller == volunteer for c in calls)
    call_back = QueueEntry.objects.get(person=calls[2].person)
    assert call_back.reserved_for == volunteer
    assert abs(
        call_back.available_at - back_at.replace(second=0, microsecond=0)
    ) < datetime.timedelta(minutes=1)

    # The organiser's board shows the three calls and the caller.
    laptop = browser.new_context(viewport={"width": 1280, "height": 800})
    board = laptop.new_page()
    browser_login(board, live_server.url, organiser.email, totp_user=organiser)
    board.goto(f"{live_server.url}/phonebank/campaigns/{campaign.pk}/board/")
    expect(board.get_by_role("cell", name=volunteer.full_name).first).to_be_visible()
    expect(board.locator("body")).to_contain_text("Call back")
    laptop.close()
