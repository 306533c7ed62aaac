"""Every way into a session asks a TOTP user for the second factor (docs/security.md).

The sweeps below do not trust a list of known login pages: they walk every URL the project
serves, post a correct email and password to each, and check that no session was made.
"""

import re

import pytest
from django.contrib.admindocs.views import extract_views_from_urlpatterns, simplify_regex
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_logged_in
from django.test import Client
from django.urls import get_resolver, reverse

from clp.roles import RoleCode
from tests.totp import current_code

PASSWORD = "correct horse battery"

# Pages a visitor who is not logged in may see, and what they show: forms to log in, to ask
# for a reset link, to type the second factor; notices about links; the health check.
OPEN_TO_ANYONE = {
    "account_login",
    "account_signup",  # says sign-up is closed
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",  # says the link is not valid
    "account_reset_password_from_key_done",
    "account_email_verification_sent",
    "account_confirm_email",  # says the link is not valid
    "account_inactive",
    "mfa_authenticate",  # the second-factor form itself
    "healthz",
    "canvassing:service_worker",  # canvassing's offline script: code, no data
}


def every_url() -> list[tuple[str, str]]:
    """(url, name) for every pattern, with 1 in place of each argument."""
    urls = []
    for _view, regex, namespace, name in extract_views_from_urlpatterns(
        get_resolver().url_patterns
    ):
        path = re.sub(r"<[^>]+>", "1", simplify_regex(regex))
        name = ":".join([*(namespace or []), name]) if name else path
        urls.append((path, name))
    return sorted(set(urls))


@pytest.fixture
def logins_made():
    made = []

    def record(sender, user, **kwargs):
        made.append(user)

    user_logged_in.connect(record)
    yield made
    user_logged_in.disconnect(record)


def _credentials(email):
    return {
        "login": email,
        "username": email,
        "email": email,
        "password": PASSWORD,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "oldpassword": PASSWORD,
    }


@pytest.mark.django_db
def test_admin_login_page_sends_people_to_the_login_that_asks_for_the_code(client, users):
    response = client.get(reverse("admin:login"), {"next": "/admin/clp/user/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fclp%2Fuser%2F"
    # And an admin page reached without a session leads to the same place.
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=")


@pytest.mark.django_db
def test_it_manager_with_totp_gets_no_admin_session_from_the_password_alone(client, users):
    client.post(
        reverse("admin:login") + "?next=/admin/",
        {"username": "itmanager@test.example", "password": PASSWORD, "next": "/admin/"},
    )
    assert SESSION_KEY not in client.session
    assert client.get(reverse("admin:index")).status_code == 302
    assert client.get(reverse("members:elector_export")).status_code == 302


@pytest.mark.django_db
def test_guessing_at_the_admin_login_gets_nowhere_and_allauths_limit_applies(client, users):
    for _ in range(25):
        client.post(reverse("admin:login"), {"username": "itmanager@test.example", "password": "x"})
    client.post(
        reverse("admin:login"), {"username": "itmanager@test.example", "password": PASSWORD}
    )
    assert SESSION_KEY not in client.session
    # The one password form there is locks after five wrong guesses.
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "itmanager@test.example", "password": "x"})
    response = client.post(
        reverse("account_login"), {"login": "itmanager@test.example", "password": PASSWORD}
    )
    assert "Too many failed login attempts" in response.content.decode()


@pytest.mark.django_db
def test_no_url_gives_a_totp_user_a_session_for_the_password_alone(users, logins_made):
    email = users[RoleCode.IT_MANAGER].email
    urls = every_url()
    assert any(name == "admin:login" for _, name in urls)
    assert any(name == "account_login" for _, name in urls)
    sessions = []
    for number, (url, name) in enumerate(urls):
        # A fresh visitor per URL, from its own address (the login rate limit is per address).
        client = Client(REMOTE_ADDR=f"10.9.{number // 250}.{number % 250 + 1}")
        client.post(url, _credentials(email))
        # Also from half-way through allauth's login: password typed, code not yet.
        client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
        client.post(url, _credentials(email))
        if SESSION_KEY in client.session:
            sessions.append(name)
    assert not sessions, f"a session from the password alone at {sessions}"
    assert logins_made == []


@pytest.mark.django_db
def test_session_waiting_for_the_code_reaches_no_page(client, users):
    email = users[RoleCode.ORGANISER].email
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    reached = []
    for url, name in every_url():
        if name in OPEN_TO_ANYONE:
            continue
        response = client.get(url)
        if response.status_code == 200:
            reached.append(name)
    assert not reached, f"reached before the second factor: {reached}"
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_the_code_completes_the_login_and_the_admin_opens(client, users):
    it = users[RoleCode.IT_MANAGER]
    response = client.get(reverse("admin:index"), follow=True)
    login_url = response.redirect_chain[-1][0]
    response = client.post(login_url, {"login": it.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": current_code(it)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_admin_password_change_is_allauths_which_asks_for_the_old_password(client, users):
    client.force_login(users[RoleCode.IT_MANAGER])
    response = client.get(reverse("admin:password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_change_password"))
