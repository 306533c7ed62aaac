import pytest
from allauth.mfa.totp.internal.auth import hotp_value, yield_hotp_counters_from_time

from clp.roles import RoleCode
from conftest import browser_login, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_logs_in_on_a_phone_and_sees_their_details(live_server, phone, geography):
    make_user(RoleCode.MEMBER, geography["constituency"], email="rhian@test.example")
    page = phone.new_page()
    browser_login(page, live_server.url, "rhian@test.example")
    assert page.get_by_role("heading", name="My details").is_visible()
    assert page.get_by_text("rhian@test.example").is_visible()
    # Nothing overflows a 360 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # No organiser links for a member.
    assert page.get_by_role("link", name="Volunteers").count() == 0


def test_organiser_without_mfa_sets_up_an_authenticator_before_seeing_anything(
    live_server, phone, geography
):
    make_user(RoleCode.ORGANISER, geography["constituency"], email="dan@test.example", mfa=False)
    page = phone.new_page()
    browser_login(page, live_server.url, "dan@test.example")
    # allauth asks for the password again before an authenticator can be added.
    assert "/accounts/reauthenticate/" in page.url
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Confirm").click()
    assert "/accounts/2fa/totp/activate/" in page.url
    secret = page.locator("#authenticator_secret").input_value()
    counter = next(yield_hotp_counters_from_time())
    page.get_by_label("Authenticator code").fill(f"{hotp_value(secret, counter):06d}")
    page.get_by_role("button", name="Activate").click()
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", name="Organiser dashboard").is_visible()
