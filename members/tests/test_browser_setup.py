"""The first real set-up in a browser (issue 9 §2): an empty database, a constituency created
by the IT manager's command, and an organiser who imports the council's register, creating its
polling districts from the file, then finishes the wards on the geography page."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from playwright.sync_api import expect

from clp.models import User
from conftest import activate_totp, ensure_roles
from members.models import Constituency, Elector, PollingDistrict, Ward
from members.tests.registers import XPRESS14, csv_bytes, small_register
from tests.test_accessibility import _violations
from tests.totp import current_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def _register_file() -> bytes:
    rows = small_register("AA", count=1203) + small_register("AB", count=40)
    rows += small_register("BA", count=12) + small_register("BB", count=3)
    return csv_bytes(XPRESS14, rows)


def test_organiser_sets_up_a_constituency_from_its_register_file(live_server, browser):
    ensure_roles()
    assert not Constituency.objects.exists() and not PollingDistrict.objects.exists()
    organiser = User.objects.create_user(
        email="sam@test.example", password=PASSWORD, full_name="Sam Organiser"
    )
    EmailAddress.objects.create(user=organiser, email=organiser.email, primary=True, verified=True)
    activate_totp(organiser)
    # The IT manager's one command: the constituency, and the organiser's CLP-wide role.
    call_command("constituency_create", "Castleton North", "--organiser", organiser.email)

    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, bypass_csp=True
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(organiser.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code").fill(current_code(organiser))
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()

    # The register, uploaded as the council sent it.
    page.goto(f"{live_server.url}/members/imports/")
    page.get_by_label("What is this file?").select_option(label="Full electoral register")
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "register-2026-12.csv", "mimeType": "text/csv", "buffer": _register_file()}
    )
    page.get_by_label("Publication date").fill("2026-12-01")
    page.get_by_role("button", name="Upload and import").click()

    # Each new district once, with its electors; nothing imported yet.
    expect(page.get_by_role("heading", name="New polling districts")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(
        "The file lists 4 polling districts that are not set up yet"
    )
    for label in ("AA (1,203 electors)", "AB (40 electors)", "BA (12 electors)", "BB (3 electors)"):
        expect(page.get_by_label(re.compile(re.escape(label)))).to_have_count(1)
    assert Elector.objects.count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert _violations(page) == []

    # Wards typed for three districts, the fourth left for later.
    page.get_by_label(re.compile(r"^AA \(")).fill("Abbey")
    page.get_by_label(re.compile(r"^AB \(")).fill("Abbey")
    page.get_by_label(re.compile(r"^BA \(")).fill("Bridge")
    page.get_by_role("button", name="Create 4 districts and import").click()
    page.wait_for_load_state()
    page.reload()
    expect(page.locator(".job-status")).to_contain_text("Finished 100%")
    expect(page.get_by_text("AA, AB, BA, BB")).to_be_visible()
    assert Elector.objects.count() == 1258
    assert sorted(Ward.objects.values_list("name", flat=True)) == ["Abbey", "Bridge"]
    assert PollingDistrict.objects.get(code="BB").ward is None

    # The geography page: BB goes into Bridge ward, no admin needed.
    page.get_by_role("link", name="Geography").first.click()
    bb = page.locator("li", has=page.get_by_role("heading", name="BB", exact=True))
    expect(bb).to_contain_text("Ward: not set yet")
    bb.get_by_text("Change BB").click()
    bb.get_by_label("Ward").select_option(label="Bridge")
    bb.get_by_role("button", name="Move to this ward").click()
    bb = page.locator("li", has=page.get_by_role("heading", name="BB", exact=True))
    expect(bb).to_contain_text("Ward: Bridge")
    assert PollingDistrict.objects.get(code="BB").ward.name == "Bridge"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
