import pytest

from clp.roles import RoleCode
from conftest import make_user
from tests.totp import current_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_manager_at_the_admin_is_asked_for_password_then_code(live_server, browser, geography):
    it = make_user(RoleCode.IT_MANAGER, geography["constituency"], email="priya@test.example")
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Email").fill("priya@test.example")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    # The password alone opens nothing: the authenticator code is asked for.
    assert "/accounts/2fa/authenticate/" in page.url
    # Going back to the admin meanwhile only returns to the code page.
    page.goto(f"{live_server.url}/admin/")
    assert "/accounts/2fa/authenticate/" in page.url
    page.get_by_label("Code").fill(current_code(it))
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/admin/"
    assert page.get_by_text("CLP platform administration").first.is_visible()
    context.close()
