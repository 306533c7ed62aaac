"""Changing the login email: password again, the new address proved, audited, old address told."""

import importlib
import re

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from clp.models import AuditEntry, User
from clp.roles import RoleCode

PASSWORD = "correct horse battery"
OWNER = "canvasser@test.example"
NEW = "sam.new@test.example"


def _add_address(client, email):
    return client.post(reverse("account_email"), {"action_add": "", "email": email})


def _link_in(message, fragment):
    return re.search(rf"https?://\S*({re.escape(fragment)}\S*)", message.body).group(1)


@pytest.mark.django_db
def test_an_open_session_cannot_take_the_account_over(client, users):
    """The issue's steps: add an address, log in with it, make it primary, remove the owner's."""
    client.force_login(users[RoleCode.CANVASSER])
    response = _add_address(client, "thief@evil.example")
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="thief@evil.example").exists()
    response = client.post(reverse("account_email"), {"action_primary": "", "email": OWNER})
    response = client.post(reverse("account_email"), {"action_remove": "", "email": OWNER})
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.logout()
    client.post(reverse("account_login"), {"login": "thief@evil.example", "password": PASSWORD})
    assert SESSION_KEY not in client.session
    assert EmailAddress.objects.get(email=OWNER).primary
    assert User.objects.get(pk=users[RoleCode.CANVASSER].pk).email == OWNER


@pytest.mark.django_db
def test_new_login_email_needs_the_password_and_its_own_confirmation(client, users):
    owner = users[RoleCode.CANVASSER]
    client.force_login(owner)
    response = _add_address(client, NEW)
    assert not EmailAddress.objects.filter(email=NEW).exists()
    # The password again; allauth then carries out the addition it held back.
    client.post(response["Location"], {"password": PASSWORD})

    # Nothing has changed yet: the old address still logs in, the new one does not.
    assert User.objects.get(pk=owner.pk).email == OWNER
    warning = next(m for m in mail.outbox if m.to == [OWNER])
    assert NEW in warning.body and "about to change" in warning.subject
    confirmation = next(m for m in mail.outbox if m.to == [NEW])
    assert AuditEntry.objects.filter(
        action="user.email_change_requested", target_id=str(owner.pk), details__to=NEW
    ).exists()
    client.logout()
    client.post(reverse("account_login"), {"login": NEW, "password": PASSWORD})
    assert SESSION_KEY not in client.session

    # Following the link sent to the new address makes the change, and the old address is told.
    mail.outbox.clear()
    link = _link_in(confirmation, "/accounts/confirm-email/")
    client.post(link)
    owner.refresh_from_db()
    assert owner.email == NEW
    assert list(EmailAddress.objects.filter(user=owner).values_list("email", "verified")) == [
        (NEW, True)
    ]
    assert any(m.to == [OWNER] and NEW in m.body for m in mail.outbox)
    assert AuditEntry.objects.filter(
        action="user.email_change", target_id=str(owner.pk), details__to=NEW
    ).exists()
    assert client.post(reverse("account_login"), {"login": NEW, "password": PASSWORD})
    assert SESSION_KEY in client.session


@pytest.mark.django_db
def test_reset_link_goes_only_to_a_proved_address(client, users):
    owner = users[RoleCode.CANVASSER]
    EmailAddress.objects.create(user=owner, email="typo@test.example", verified=False)
    client.post(reverse("account_reset_password"), {"email": "typo@test.example"})
    assert not any("typo@test.example" in m.to for m in mail.outbox)
    client.post(reverse("account_reset_password"), {"email": OWNER})
    assert any(m.to == [OWNER] for m in mail.outbox)


@pytest.mark.django_db
def test_invitation_link_proves_the_invited_address(client, users, geography):
    client.force_login(users[RoleCode.ORGANISER])
    client.post(
        reverse("clp:volunteer_invite"),
        {
            "full_name": "New Volunteer",
            "email": "new@example.com",
            "role": "canvasser",
            "area": f"ward:{geography['wards']['Castle'].pk}",
        },
    )
    client.logout()
    invited = User.objects.get(email="new@example.com")
    assert not EmailAddress.objects.get(user=invited).verified
    path = _link_in(mail.outbox[-1], "/accounts/password/reset/")
    form_page = client.get(path, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"password1": "volunteer-pass-2027", "password2": "volunteer-pass-2027"},
    )
    address = EmailAddress.objects.get(user=invited)
    assert (address.email, address.verified, address.primary) == ("new@example.com", True, True)
    client.post(
        reverse("account_login"), {"login": "new@example.com", "password": "volunteer-pass-2027"}
    )
    assert SESSION_KEY in client.session


@pytest.mark.django_db
def test_people_who_logged_in_before_verification_was_required_still_can(client, geography):
    """The data migration proves the address of every account that already has a password."""
    from clp.services import role_grant

    user = User.objects.create_user(email="old.hand@test.example", password=PASSWORD)
    role_grant(actor=None, user=user, role=RoleCode.CANVASSER, area=geography["constituency"])
    waiting = User.objects.create_user(email="not.yet@test.example", password=None)
    migration = importlib.import_module("clp.migrations.0006_prove_existing_login_addresses")
    migration.prove_existing_addresses(apps, None)
    assert not EmailAddress.objects.filter(user=waiting).exists()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert SESSION_KEY in client.session


@pytest.mark.django_db
def test_demo_logins_work_with_verification_required(client, tmp_path, monkeypatch):
    import io

    from django.core.management import call_command

    monkeypatch.setattr("clp.management.commands.seed_demo.LOGINS_FILE", tmp_path / "logins")
    call_command("seed_demo", "--password", "demo-pass-123", stdout=io.StringIO())
    client.post(
        reverse("account_login"), {"login": "canvasser@demo.example", "password": "demo-pass-123"}
    )
    assert SESSION_KEY in client.session
