"""Issue 9's journey in one go, as a new CLP lives it: an empty database; the IT manager's one
command makes the constituency; the organiser logs in with their second factor, imports the
council's register (creating its polling districts from the file), records one elector's email
consent, marks them do-not-phone and builds a segment whose page lists them. On a 360 px phone.

Each half is also tested on its own, in more detail: members/tests/test_browser_setup.py and
members/tests/test_browser_person_editing.py."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from playwright.sync_api import expect

from clp.models import User
from conftest import activate_totp, ensure_roles
from members import consent
from members.models import ContactEmail, Elector, Person, Segment
from members.tests.registers import XPRESS14, csv_bytes, small_register, xpress14_row
from tests.totp import current_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def _register_file() -> bytes:
    rows = small_register("AA", count=20) + small_register("AB", count=6)
    rows.append(xpress14_row("BB", 1, "Quigley", "Nora", ["9 Mill Lane", "Northbridge"]))
    return csv_bytes(XPRESS14, rows)


def test_a_new_clp_sets_up_imports_records_consent_and_segments_without_the_admin(
    live_server, browser
):
    ensure_roles()
    organiser = User.objects.create_user(
        email="sam@test.example", password=PASSWORD, full_name="Sam Organiser"
    )
    EmailAddress.objects.create(user=organiser, email=organiser.email, primary=True, verified=True)
    activate_totp(organiser)
    call_command("constituency_create", "Castleton North", "--organiser", organiser.email)

    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(organiser.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code").fill(current_code(organiser))
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()

    # The register as the council sent it; its three districts are created on confirmation.
    page.goto(f"{live_server.url}/members/imports/")
    page.get_by_label("What is this file?").select_option(label="Full electoral register")
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "register.csv", "mimeType": "text/csv", "buffer": _register_file()}
    )
    page.get_by_label("Publication date").fill("2026-12-01")
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "The file lists 3 polling districts that are not set up yet"
    )
    for code in ("AA", "AB", "BB"):
        page.get_by_label(re.compile(rf"^{code} \(")).fill("Abbey")
    page.get_by_role("button", name="Create 3 districts and import").click()
    page.wait_for_load_state()
    page.reload()
    expect(page.locator(".job-status")).to_contain_text("Finished 100%")
    assert Elector.objects.count() == 27

    # One elector asks for campaign emails and not to be phoned.
    page.get_by_role("link", name="People", exact=True).click()
    page.get_by_label("Search").fill("Quigley")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Quigley, Nora").click()
    page.get_by_role("link", name="Add an email address").click()
    page.get_by_label("Email address").fill("nora@example.org")
    page.get_by_label("Consent", exact=True).select_option("granted")
    page.get_by_label("How consent was given").fill("Said yes on the doorstep")
    page.get_by_label("Wording they agreed to").fill("Labour may email me about local news.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".consent")).to_contain_text("Consent given")
    page.get_by_role("link", name=re.compile("Edit details")).click()
    page.get_by_label("Do not phone").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#do-not-contact")).to_have_text("phone")

    # A segment of everyone not to be phoned lists her.
    page.get_by_role("link", name="Segments", exact=True).click()
    page.get_by_role("link", name="Build a segment").click()
    page.get_by_label("Name").fill("Do not phone")
    page.get_by_role("group", name="Marked do not contact by").get_by_label(
        "Phone", exact=True
    ).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Do not phone")
    expect(page.get_by_role("link", name="Quigley, Nora")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()

    nora = Person.objects.get(last_name="Quigley")
    assert nora.do_not_phone and consent.may_email(nora, ContactEmail.objects.get(person=nora))
    assert Segment.objects.get(name="Do not phone").filters["do_not"] == ["phone"]
