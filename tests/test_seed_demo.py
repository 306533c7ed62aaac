import io

import pytest
from django.core.management import call_command

from clp.demo import DEMO_ROLES, demo_email
from clp.models import AuditEntry, RoleGrant, User
from members.models import Constituency, PollingDistrict


@pytest.mark.django_db
def test_seed_demo_builds_a_constituency_and_one_login_per_role(tmp_path, monkeypatch):
    monkeypatch.setattr("clp.management.commands.seed_demo.LOGINS_FILE", tmp_path / "logins")
    out = io.StringIO()
    call_command("seed_demo", "--password", "demo-pass-123", stdout=out)
    assert Constituency.objects.count() == 1
    assert PollingDistrict.objects.count() == 12
    for role in DEMO_ROLES:
        user = User.objects.get(email=demo_email(role))
        assert user.check_password("demo-pass-123")
        assert RoleGrant.objects.active().filter(user=user, role_id=role).exists()
        assert demo_email(role) in out.getvalue()
    assert "demo-pass-123" in (tmp_path / "logins").read_text()


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr("clp.management.commands.seed_demo.LOGINS_FILE", tmp_path / "logins")
    call_command("seed_demo", stdout=io.StringIO())
    counts = (
        User.objects.count(),
        RoleGrant.objects.count(),
        PollingDistrict.objects.count(),
        AuditEntry.objects.count(),
    )
    passwords = dict(User.objects.values_list("email", "password"))
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert (
        User.objects.count(),
        RoleGrant.objects.count(),
        PollingDistrict.objects.count(),
        AuditEntry.objects.count(),
    ) == counts
    assert dict(User.objects.values_list("email", "password")) == passwords
    assert "nothing changed" in out.getvalue()
