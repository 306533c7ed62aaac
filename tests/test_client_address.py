"""Rate limits, lockouts and the audit log see the address the client really connects from.

X-Forwarded-For is believed only when the connection comes from settings.TRUSTED_PROXIES.
"""

import ipaddress

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from clp.audit import client_ip
from clp.env import env_networks
from clp.models import AuditEntry
from clp.roles import RoleCode
from tests.totp import current_code

PASSWORD = "correct horse battery"
CANVASSER = "canvasser@test.example"


def _login(client, email, password, *, peer, forwarded=None):
    headers = {"REMOTE_ADDR": peer}
    if forwarded:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(reverse("account_login"), {"login": email, "password": password}, **headers)


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("172.18.0.0/16")]


@pytest.mark.django_db
def test_a_new_forwarded_for_header_on_each_guess_does_not_buy_more_guesses(client, users):
    for number in range(60):
        _login(
            client, CANVASSER, f"guess {number}", peer="198.51.100.66", forwarded=f"10.0.{number}.1"
        )
    response = _login(client, CANVASSER, PASSWORD, peer="198.51.100.66", forwarded="10.0.99.1")
    assert "Too many failed login attempts" in response.content.decode()
    assert SESSION_KEY not in client.session
    # Only the first five guesses were checked against the password at all.
    assert AuditEntry.objects.filter(action="login.failed").count() == 5


@pytest.mark.django_db
def test_failures_sent_in_a_victims_name_do_not_lock_the_victim_out(client, users):
    victim_address = "203.0.113.5"
    for _ in range(5):
        _login(client, CANVASSER, "wrong", peer="198.51.100.66", forwarded=victim_address)
    assert _login(client, CANVASSER, PASSWORD, peer=victim_address).status_code == 302
    assert SESSION_KEY in client.session


@pytest.mark.django_db
def test_audit_log_stores_the_connecting_address_not_a_forged_one(client, users):
    _login(client, CANVASSER, "wrong", peer="198.51.100.66", forwarded="203.0.113.5")
    entry = AuditEntry.objects.get(action="login.failed")
    assert entry.ip_address == "198.51.100.66"


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_client_is_the_address_the_proxy_saw(
    client, users, behind_proxy
):
    # The client wrote "203.0.113.5" itself; the proxy (172.18.0.1) appended what it saw.
    for _ in range(5):
        _login(
            client, CANVASSER, "wrong", peer="172.18.0.1", forwarded="203.0.113.5, 198.51.100.66"
        )
    entry = AuditEntry.objects.filter(action="login.failed").first()
    assert entry.ip_address == "198.51.100.66"
    # The person at 203.0.113.5, coming through the same proxy, is not locked out.
    response = _login(client, CANVASSER, PASSWORD, peer="172.18.0.1", forwarded="203.0.113.5")
    assert response.status_code == 302
    client.logout()
    # The guesser is.
    response = _login(
        client, CANVASSER, PASSWORD, peer="172.18.0.1", forwarded="1.2.3.4, 198.51.100.66"
    )
    assert "Too many failed login attempts" in response.content.decode()


def test_client_address_reads_forwarded_for_only_through_trusted_proxies(rf, settings):
    settings.TRUSTED_PROXIES = []
    forged = rf.get("/", REMOTE_ADDR="198.51.100.66", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert client_ip(forged) == "198.51.100.66"
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    # Two proxies of ours (10.0.0.9 then 10.0.0.8), the client, and a forged entry.
    chain = rf.get(
        "/", REMOTE_ADDR="10.0.0.8", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5, 10.0.0.9"
    )
    assert client_ip(chain) == "203.0.113.5"
    # Straight to the web server from outside, the header is ignored.
    assert client_ip(forged) == "198.51.100.66"
    # A proxy that adds nothing: the proxy itself is the best we know.
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.8")) == "10.0.0.8"
    garbage = rf.get("/", REMOTE_ADDR="10.0.0.8", HTTP_X_FORWARDED_FOR="203.0.113.5, not-an-ip")
    assert client_ip(garbage) == "10.0.0.8"


def test_trusted_proxies_setting_refuses_what_is_not_an_address(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "172.16.0.0/12, ::1, 10.0.0.5")
    assert [str(n) for n in env_networks("TRUSTED_PROXIES")] == [
        "172.16.0.0/12",
        "::1/128",
        "10.0.0.5/32",
    ]
    monkeypatch.setenv("TRUSTED_PROXIES", "proxy.internal")
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        env_networks("TRUSTED_PROXIES")


@pytest.mark.django_db
def test_failed_login_is_audited_with_the_email_typed_and_the_address(client, users):
    _login(client, "Canvasser@Test.example", "wrong", peer="198.51.100.66")
    _login(client, "nobody@test.example", "wrong", peer="198.51.100.67")
    known, unknown = AuditEntry.objects.filter(action="login.failed").order_by("pk")
    assert known.kind == AuditEntry.Kind.SECURITY
    assert known.details == {"email": "canvasser@test.example"}
    assert known.target_id == str(users[RoleCode.CANVASSER].pk)
    assert known.ip_address == "198.51.100.66"
    assert unknown.details == {"email": "nobody@test.example"}
    assert unknown.target_id == ""


@pytest.mark.django_db
def test_failed_logins_stop_being_written_once_the_limit_is_reached(client, users):
    for _ in range(30):
        _login(client, CANVASSER, "wrong", peer="198.51.100.66")
    assert AuditEntry.objects.filter(action="login.failed").count() == 5


@pytest.mark.django_db
def test_wrong_authenticator_code_is_audited(client, users):
    organiser = users[RoleCode.ORGANISER]
    _login(client, organiser.email, PASSWORD, peer="198.51.100.66")
    wrong = "000000" if current_code(organiser) != "000000" else "111111"
    client.post(reverse("mfa_authenticate"), {"code": wrong}, REMOTE_ADDR="198.51.100.66")
    entry = AuditEntry.objects.get(action="login.mfa_failed")
    assert entry.kind == AuditEntry.Kind.SECURITY
    assert entry.target_id == str(organiser.pk)
    assert entry.ip_address == "198.51.100.66"


@pytest.mark.django_db
def test_someone_on_the_same_wifi_cannot_lock_a_volunteer_out_of_their_own_phone(users):
    from django.test import Client

    from clp.adapters import KNOWN_DEVICE_COOKIE

    room = "192.0.2.10"
    volunteers_phone, someone_else = Client(), Client()
    assert _login(volunteers_phone, CANVASSER, PASSWORD, peer=room).status_code == 302
    assert KNOWN_DEVICE_COOKIE in volunteers_phone.cookies
    volunteers_phone.post(reverse("account_logout"))  # (the test client's logout() drops cookies)
    assert KNOWN_DEVICE_COOKIE in volunteers_phone.cookies
    for _ in range(6):
        _login(someone_else, CANVASSER, "guess", peer=room)
    locked = _login(someone_else, CANVASSER, PASSWORD, peer=room)
    assert "Too many failed login attempts" in locked.content.decode()
    # The volunteer's own phone, in the same room, still gets in.
    assert _login(volunteers_phone, CANVASSER, PASSWORD, peer=room).status_code == 302
    # A tampered cookie counts for nothing.
    someone_else.cookies[KNOWN_DEVICE_COOKIE] = (
        volunteers_phone.cookies[KNOWN_DEVICE_COOKIE].value + "x"
    )
    locked = _login(someone_else, CANVASSER, PASSWORD, peer=room)
    assert "Too many failed login attempts" in locked.content.decode()
