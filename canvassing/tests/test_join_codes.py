"""Join codes cannot be guessed: wrong codes are limited per canvasser and address, and audited."""

import pytest
from django.urls import reverse

from canvassing.models import WalkList
from clp.join_codes import JOIN_CODE_ALPHABET, JOIN_FAILURE_LIMITS
from clp.models import AuditEntry
from clp.roles import RoleCode
from conftest import make_user

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many wrong codes"


def _join(client, code, address="203.0.113.7"):
    response = client.post(
        reverse("canvassing:join"), {"code": code}, follow=True, REMOTE_ADDR=address
    )
    return response.content.decode()


def test_a_canvasser_guessing_codes_is_stopped_even_when_they_hit_the_right_one(
    client, users, make_walk_list
):
    walk_list = make_walk_list(holder=None)
    client.force_login(users[RoleCode.CANVASSER])
    wrong = [f"ZZZZZZ{n:02d}" for n in range(JOIN_FAILURE_LIMITS["user"])]
    for code in wrong:
        assert "No walk list in your area has that code" in _join(client, code)
    page = _join(client, walk_list.join_code)
    assert TOO_MANY in page
    walk_list.refresh_from_db()
    assert walk_list.checked_out_to is None


def test_wrong_join_codes_are_audited_as_security_events(client, users, make_walk_list):
    make_walk_list(holder=None)
    canvasser = users[RoleCode.CANVASSER]
    client.force_login(canvasser)
    _join(client, "WRONG234")
    entry = AuditEntry.objects.get(action="canvass.walk_list.join_refused")
    assert entry.kind == AuditEntry.Kind.SECURITY
    assert entry.actor == canvasser
    assert entry.ip_address == "203.0.113.7"
    assert entry.details == {"reason": "wrong code"}


def test_many_accounts_guessing_from_one_address_are_stopped(client, users, make_walk_list):
    walk_list = make_walk_list(holder=None)
    castle = users[RoleCode.CANVASSER].role_grants.get().ward
    per_user = JOIN_FAILURE_LIMITS["user"]
    guessers = JOIN_FAILURE_LIMITS["address"] // per_user + 1
    for n in range(guessers - 1):
        client.force_login(make_user(RoleCode.CANVASSER, castle, email=f"g{n}@test.example"))
        for guess in range(per_user):
            _join(client, f"WRONG{guess:03d}")
    fresh = make_user(RoleCode.CANVASSER, castle, email="fresh@test.example")
    client.force_login(fresh)
    assert TOO_MANY in _join(client, walk_list.join_code)
    # The same person from another address is not blocked by the first address's guessing.
    assert TOO_MANY not in _join(client, walk_list.join_code, address="198.51.100.9")
    walk_list.refresh_from_db()
    assert walk_list.checked_out_to == fresh


def test_a_good_join_does_not_count_against_the_canvasser(client, users, make_walk_list):
    walk_list = make_walk_list(holder=None)
    client.force_login(users[RoleCode.CANVASSER])
    for _ in range(JOIN_FAILURE_LIMITS["user"] + 2):
        assert TOO_MANY not in _join(client, walk_list.join_code)


def test_new_join_codes_are_longer_and_old_six_letter_codes_still_work(
    client, users, make_walk_list
):
    walk_list = make_walk_list(holder=None)
    assert len(walk_list.join_code) == 8
    assert set(walk_list.join_code) <= set(JOIN_CODE_ALPHABET)
    WalkList.objects.filter(pk=walk_list.pk).update(join_code="ABC234")
    client.force_login(users[RoleCode.CANVASSER])
    response = client.post(reverse("canvassing:join"), {"code": "abc-234"})
    assert response.url == reverse("canvassing:doorstep", args=[walk_list.pk])
