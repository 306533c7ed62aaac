"""The organiser's half of issue 9's browser journey: open a person, record their email
consent (with its wording and source), mark them do-not-phone, then build a segment whose page
lists them; on a 360 px phone, with nothing scrolling sideways."""

import datetime
import os
import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from clp.models import AuditEntry
from clp.roles import RoleCode
from members import consent
from members.models import ContactEmail, Elector, Segment
from members.services.register_imports import register_import
from members.tests.registers import XPRESS14, csv_bytes, small_register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def organiser_page(browser, live_server, users):
    """A phone-sized page logged in as the organiser (who has TOTP: the session is made here,
    as tests/test_accessibility.py does)."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    client = Client()
    client.force_login(users[RoleCode.ORGANISER])
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
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
    yield context.new_page()
    context.close()


def _no_sideways_scroll(page):
    page.wait_for_load_state()  # a link just clicked: measure the page it opened, once loaded
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > 361 || e.scrollWidth > e.clientWidth + 1)
            .map(e => e.tagName + '.' + e.className + ' ' + e.textContent.slice(0, 40))"""
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, (page.url, wide[:5])


def test_organiser_records_consent_marks_do_not_phone_and_a_segment_lists_them(
    organiser_page, live_server, geography
):
    register_import(
        actor=None,
        constituency=geography["constituency"],
        data=csv_bytes(XPRESS14, small_register("CA", count=4)),
        filename="ca.csv",
        published_on=datetime.date(2026, 12, 1),
    )
    person = Elector.objects.get(polling_district__code="CA", number=3).person  # Ann Jones
    page = organiser_page

    # Find her.
    page.goto(live_server.url)
    page.get_by_role("link", name="People", exact=True).click()
    page.get_by_label("Search").fill("Jones")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Jones, Ann").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ann Jones")

    # Record her email address and her consent to email, as she gave it.
    page.get_by_role("link", name="Add an email address").click()
    _no_sideways_scroll(page)
    page.get_by_label("Email address").fill("ann.jones.for.campaigns@example.org")
    page.get_by_label("Consent", exact=True).select_option("granted")
    page.get_by_label("How consent was given").fill("Signed the bus petition, Market Square")
    page.get_by_label("Wording they agreed to").fill(
        "Labour may email me about this campaign and local news."
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Added the email address.")).to_be_visible()
    expect(page.locator(".consent")).to_contain_text("Consent given")
    expect(page.locator(".consent")).to_contain_text("Signed the bus petition")
    expect(page.locator(".consent")).to_contain_text("recorded by Test organiser")
    _no_sideways_scroll(page)
    page.get_by_role("link", name="ann.jones.for.campaigns@example.org").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ann.jones.for.campaigns@example.org")
    _no_sideways_scroll(page)  # a long address in the heading breaks, not the page
    page.get_by_role("link", name="Cancel").click()

    # She asked not to be phoned.
    page.get_by_role("link", name=re.compile("Edit details")).click()
    _no_sideways_scroll(page)
    page.get_by_label("Do not phone").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    expect(page.locator("#do-not-contact")).to_have_text("phone")

    # A segment of everyone not to be phoned lists her.
    page.get_by_role("link", name="Segments", exact=True).click()
    page.get_by_role("link", name="Build a segment").click()
    _no_sideways_scroll(page)
    page.get_by_label("Name").fill("Do not phone")
    page.get_by_role("group", name="Marked do not contact by").get_by_label(
        "Phone", exact=True
    ).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Do not phone")
    expect(page.get_by_text("1 person in your areas match.")).to_be_visible()
    expect(page.get_by_role("link", name="Jones, Ann")).to_be_visible()
    _no_sideways_scroll(page)

    # What the browser did is what the database and the audit log hold.
    person.refresh_from_db()
    email = ContactEmail.objects.get(person=person)
    assert person.do_not_phone and consent.may_email(person, email)
    assert email.consent_wording == "Labour may email me about this campaign and local news."
    assert Segment.objects.get(name="Do not phone").filters["do_not"] == ["phone"]
    edits = AuditEntry.objects.filter(target_id=str(person.pk), target_type="members.person")
    assert set(edits.values_list("action", flat=True)) == {"person.email_add", "person.update"}
