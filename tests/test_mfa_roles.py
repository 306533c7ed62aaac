"""Every role that reads personal data in bulk needs a second factor, and can set one up."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import hotp_value, yield_hotp_counters_from_time
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from clp.roles import MFA_ROLES, RoleCode
from conftest import make_user

PASSWORD = "correct horse battery"


def _activate_totp(client, user):
    """Go through allauth's activation page as a person would: password again, then a code."""
    response = client.get(reverse("mfa_activate_totp"))
    if response.status_code == 302 and "reauthenticate" in response["Location"]:
        client.post(response["Location"], {"password": PASSWORD})
        response = client.get(reverse("mfa_activate_totp"))
    if response.status_code != 200:
        return response
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z0-9]+)"', response.text)
    secret = secret or re.search(
        r'value="([A-Z0-9]+)"[^>]*id="authenticator_secret"', response.text
    )
    code = f"{hotp_value(secret.group(1), next(yield_hotp_counters_from_time())):06d}"
    return client.post(reverse("mfa_activate_totp"), {"code": code})


def test_area_organisers_need_a_second_factor():
    assert RoleCode.AREA_ORGANISER in MFA_ROLES


@pytest.mark.django_db
def test_area_organiser_without_mfa_cannot_export_their_wards_electors(client, geography):
    user = make_user(RoleCode.AREA_ORGANISER, geography["wards"]["Castle"], mfa=False)
    client.force_login(user)
    for url in (reverse("members:elector_export"), reverse("members:elector_list"), "/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_activate_totp"))


@pytest.mark.django_db
def test_area_organiser_with_mfa_exports_their_wards_electors(client, users):
    client.force_login(users[RoleCode.AREA_ORGANISER])
    assert client.get(reverse("members:elector_export")).status_code == 200


@pytest.mark.django_db
def test_totp_can_be_set_up_after_visiting_the_email_page_and_asking_for_a_reset(client, geography):
    user = make_user(RoleCode.AREA_ORGANISER, geography["wards"]["Castle"], mfa=False)
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert SESSION_KEY in client.session
    client.get(reverse("account_email"))
    client.post(reverse("account_reset_password"), {"email": user.email})
    response = _activate_totp(client, user)
    assert response.status_code == 302
    assert is_mfa_enabled(user)
    assert client.get(reverse("members:elector_export")).status_code == 200


@pytest.mark.django_db
def test_unconfirmed_address_blocking_totp_comes_with_the_way_to_confirm_it(client, geography):
    user = make_user(RoleCode.ORGANISER, geography["constituency"], mfa=False)
    # An address waiting for confirmation (a login email change asked for, not yet confirmed).
    EmailAddress.objects.create(user=user, email="dan.new@test.example", verified=False)
    client.force_login(user)
    response = _activate_totp(client, user)
    page = client.get(response["Location"]).text
    assert "verified your email address" in page
    assert "First, confirm dan.new@test.example" in page
    assert "Send the confirmation email" in page

    client.post(reverse("account_email"), {"action_send": "", "email": "dan.new@test.example"})
    [message] = [m for m in mail.outbox if m.to == ["dan.new@test.example"]]
    link = re.search(r"https?://\S*(/accounts/confirm-email/\S*)", message.body).group(1)
    client.post(link)
    assert _activate_totp(client, user).status_code == 302
    assert is_mfa_enabled(user)
