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


def _logins_in(path) -> dict:
    lines = path.read_text().splitlines()[1:]
    return dict(line.split("  ", 1) for line in lines)


@pytest.mark.django_db
def test_demo_logins_file_from_another_database_is_made_true_again(tmp_path, monkeypatch, settings):
    settings.DEMO_MODE = True
    logins = tmp_path / "logins"
    monkeypatch.setattr("clp.management.commands.seed_demo.LOGINS_FILE", logins)
    call_command("seed_demo", stdout=io.StringIO())
    # The file left over from a database that has since been deleted and built again.
    logins.write_text("Demo logins:\n" + "\n".join(f"{demo_email(r)}  stale" for r in DEMO_ROLES))

    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)

    written = _logins_in(logins)
    assert set(written) == {demo_email(role) for role in DEMO_ROLES}
    for email, password in written.items():
        assert User.objects.get(email=email).check_password(password)
    assert "did not match this database" in out.getvalue()


@pytest.mark.django_db
def test_demo_logins_file_lists_every_demo_login_after_a_partial_seed(tmp_path, monkeypatch):
    logins = tmp_path / "logins"
    monkeypatch.setattr("clp.management.commands.seed_demo.LOGINS_FILE", logins)
    call_command("seed_demo", "--password", "first-pass-123", stdout=io.StringIO())
    User.objects.get(email=demo_email("teller")).delete()

    call_command("seed_demo", "--password", "second-pass-456", stdout=io.StringIO())

    written = _logins_in(logins)
    assert written[demo_email("teller")] == "second-pass-456"
    assert written[demo_email("organiser")] == "first-pass-123"
    assert len(written) == len(DEMO_ROLES)
