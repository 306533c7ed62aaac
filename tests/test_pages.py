import pytest
from django.test import override_settings
from django.urls import reverse

from clp.models import AuditEntry, RoleGrant, User
from clp.roles import RoleCode


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_missing_page_says_so_in_plain_words(client, users):
    client.force_login(users[RoleCode.CANVASSER])
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "couldn't find that page" in response.content.decode()


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_forbidden_page_explains_the_role_and_how_to_get_access(client, users):
    client.force_login(users[RoleCode.CANVASSER])
    response = client.get(reverse("clp:system_status"))
    assert response.status_code == 403
    assert "ask your organiser" in response.content.decode()


def test_server_error_page_is_plain_and_needs_no_database():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html


@pytest.mark.django_db
def test_navigation_shows_each_role_only_what_it_may_use(client, users):
    def links(role):
        client.force_login(users[role])
        return client.get(reverse("home")).content.decode()

    assert 'href="/admin/"' in links(RoleCode.IT_MANAGER)
    assert 'href="/admin/"' not in links(RoleCode.ORGANISER)
    assert 'href="/volunteers/"' in links(RoleCode.ORGANISER)
    for role in (RoleCode.CANVASSER, RoleCode.CALLER, RoleCode.TELLER, RoleCode.MEMBER):
        page = links(role)
        assert 'href="/volunteers/"' not in page and 'href="/system/"' not in page


@pytest.mark.django_db
def test_volunteer_list_is_scoped_to_the_area_organisers_ward_and_logged(client, users, geography):
    from conftest import make_user

    make_user(RoleCode.CANVASSER, geography["wards"]["Riverside"], email="river@test.example")
    client.force_login(users[RoleCode.AREA_ORGANISER])
    page = client.get(reverse("clp:volunteer_list")).content.decode()
    assert "canvasser@test.example" in page  # Castle ward, theirs
    assert "river@test.example" not in page  # Riverside ward, not theirs
    entry = AuditEntry.objects.get(action="read:volunteers")
    assert entry.kind == AuditEntry.Kind.BULK_READ and entry.details["count"] >= 1


@pytest.mark.django_db
def test_it_manager_adds_a_user_and_grants_a_role_in_the_admin_with_audit(client, users, geography):
    client.force_login(users[RoleCode.IT_MANAGER])
    response = client.post(
        reverse("admin:clp_user_add"),
        {
            "email": "admin-made@test.example",
            "full_name": "Admin Made",
            "password1": "a-good-long-pass-42",
            "password2": "a-good-long-pass-42",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="admin-made@test.example")
    prefix = "role_grants"
    response = client.post(
        reverse("admin:clp_user_change", args=[user.pk]),
        {
            "email": user.email,
            "full_name": user.full_name,
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
            f"{prefix}-0-role": "teller",
            f"{prefix}-0-polling_district": str(
                geography["constituency"].polling_districts.get(code="CB").pk
            ),
            f"{prefix}-0-starts_on": "2026-01-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert RoleGrant.objects.filter(user=user, role_id="teller").exists()
    actions = set(
        AuditEntry.objects.filter(target_id=str(user.pk)).values_list("action", flat=True)
    )
    assert {"user.add", "role.grant"} <= actions
