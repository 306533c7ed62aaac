import datetime

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import hotp_value, yield_hotp_counters_from_time
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clp.models import AuditEntry, RoleGrant, User
from clp.roles import RoleCode
from conftest import make_user

PASSWORD = "correct horse battery"


def _login(client, email, password=PASSWORD, ip="10.0.0.1"):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=ip
    )


@pytest.mark.django_db
def test_volunteer_logs_in_with_email_and_sees_their_home_page(client, users):
    response = _login(client, "canvasser@test.example")
    assert response.status_code == 302
    page = client.get(reverse("home"))
    assert "My walk lists" in page.content.decode()
    assert "Organiser dashboard" not in page.content.decode()


@pytest.mark.django_db
def test_wrong_password_is_refused_with_a_plain_message(client, users):
    response = _login(client, "canvasser@test.example", "wrong password")
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert client.get(reverse("home")).status_code != 200


@pytest.mark.django_db
def test_open_sign_up_is_refused(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "stranger@example.com",
            "password1": "a-long-pass-99",
            "password2": "a-long-pass-99",
        },
    )
    assert not User.objects.filter(email="stranger@example.com").exists()
    assert "Sign Up Closed" in response.content.decode() or response.status_code in (403, 404)


@pytest.mark.django_db
def test_organiser_invites_a_canvasser_who_sets_a_password_and_logs_in(client, users, geography):
    client.force_login(users[RoleCode.ORGANISER])
    castle = geography["wards"]["Castle"]
    response = client.post(
        reverse("clp:volunteer_invite"),
        {
            "full_name": "New Volunteer",
            "email": "New@Example.com",
            "role": "canvasser",
            "area": f"ward:{castle.pk}",
        },
    )
    assert response.status_code == 302
    invited = User.objects.get(email="new@example.com")
    assert not invited.has_usable_password()
    assert RoleGrant.objects.filter(user=invited, role_id="canvasser", ward=castle).exists()
    assert AuditEntry.objects.filter(action="user.invite", target_id=str(invited.pk)).exists()
    [message] = mail.outbox
    link = next(line for line in message.body.splitlines() if "/accounts/password/reset/" in line)
    client.logout()
    path = link[link.index("/accounts/") :]
    form_page = client.get(path, follow=True)
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    client.post(set_url, {"password1": "volunteer-pass-2027", "password2": "volunteer-pass-2027"})
    assert _login(client, "new@example.com", "volunteer-pass-2027").status_code == 302
    assert "My walk lists" in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_area_organiser_cannot_invite_outside_their_ward_or_make_organisers(
    client, users, geography
):
    client.force_login(users[RoleCode.AREA_ORGANISER])
    riverside = geography["wards"]["Riverside"]
    response = client.post(
        reverse("clp:volunteer_invite"),
        {
            "full_name": "X",
            "email": "x@example.com",
            "role": "canvasser",
            "area": f"ward:{riverside.pk}",
        },
    )
    assert response.status_code == 400
    castle = geography["wards"]["Castle"]
    response = client.post(
        reverse("clp:volunteer_invite"),
        {
            "full_name": "X",
            "email": "x@example.com",
            "role": "organiser",
            "area": f"ward:{castle.pk}",
        },
    )
    assert response.status_code == 400
    assert not User.objects.filter(email="x@example.com").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [RoleCode.IT_MANAGER, RoleCode.ORGANISER, RoleCode.AREA_ORGANISER])
def test_mfa_role_without_mfa_is_sent_to_set_it_up_before_any_page(client, geography, role):
    user = make_user(role, geography["constituency"], mfa=False)
    client.force_login(user)
    for url in (reverse("home"), reverse("clp:volunteer_list"), reverse("admin:index")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_activate_totp"))


@pytest.mark.django_db
def test_narrow_role_needs_no_mfa(client, geography):
    user = make_user(RoleCode.CANVASSER, geography["wards"]["Castle"], mfa=False)
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_demo_mode_lifts_the_mfa_requirement(client, geography, settings):
    settings.DEMO_MODE = True
    user = make_user(RoleCode.ORGANISER, geography["constituency"], mfa=False)
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_login_with_mfa_asks_for_the_code_and_accepts_a_valid_one(client, users):
    response = _login(client, "organiser@test.example")
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("home")).status_code == 302  # not logged in yet
    authenticator = Authenticator.objects.get(user=users["organiser"], type="totp")
    secret = authenticator.wrap().instance.data["secret"]
    from allauth.mfa.utils import decrypt

    counter = next(yield_hotp_counters_from_time())
    code = f"{hotp_value(decrypt(secret), counter):06d}"
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_expired_role_gives_no_access(client, geography):
    user = make_user(RoleCode.AREA_ORGANISER, geography["wards"]["Castle"])
    RoleGrant.objects.filter(user=user).update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    client.force_login(user)
    assert client.get(reverse("clp:volunteer_list")).status_code == 403
    assert "do not have a role" in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_role_granted_until_today_still_works_today(client, geography):
    user = make_user(RoleCode.AREA_ORGANISER, geography["wards"]["Castle"])
    RoleGrant.objects.filter(user=user).update(expires_on=timezone.localdate())
    client.force_login(user)
    assert client.get(reverse("clp:volunteer_list")).status_code == 200


@pytest.mark.django_db
def test_admin_refuses_staff_whose_it_manager_grant_expired(client, users):
    it = users[RoleCode.IT_MANAGER]
    client.force_login(it)
    assert client.get(reverse("admin:index")).status_code == 200
    RoleGrant.objects.filter(user=it).update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert client.get(reverse("admin:index")).status_code == 302


@pytest.mark.django_db
def test_typos_lock_out_one_account_at_one_address_not_the_room(client, users, settings):
    make_user(
        RoleCode.CANVASSER,
        users[RoleCode.CANVASSER].role_grants.first().ward,
        email="neighbour@test.example",
    )
    venue = "192.0.2.10"
    for _ in range(5):
        _login(client, "canvasser@test.example", "typo", ip=venue)
    locked = _login(client, "canvasser@test.example", PASSWORD, ip=venue)
    assert locked.status_code == 200
    assert "Too many failed login attempts" in locked.content.decode()
    # Another volunteer in the same room still gets in.
    assert _login(client, "neighbour@test.example", PASSWORD, ip=venue).status_code == 302
    client.logout()
    # And the same volunteer from home is not locked out either.
    assert _login(client, "canvasser@test.example", PASSWORD, ip="198.51.100.7").status_code == 302
