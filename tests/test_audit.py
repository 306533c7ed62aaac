import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse

from clp.audit import audit_record
from clp.models import AuditEntry, RoleGrant, User
from clp.roles import RoleCode
from clp.services import role_grant, user_invite


class Boom(Exception):
    pass


@pytest.mark.django_db
def test_change_and_its_audit_entry_commit_together(users, geography):
    organiser = users[RoleCode.ORGANISER]
    volunteer = User.objects.create_user(email="v@test.example")
    role_grant(actor=organiser, user=volunteer, role="canvasser", area=geography["wards"]["Castle"])
    entry = AuditEntry.objects.get(action="role.grant", target_id=str(volunteer.pk))
    assert entry.actor == organiser
    assert entry.details["role"] == "canvasser"


@pytest.mark.django_db
def test_change_and_its_audit_entry_roll_back_together(users, geography):
    organiser = users[RoleCode.ORGANISER]
    volunteer = User.objects.create_user(email="v@test.example")
    before = AuditEntry.objects.count()
    with pytest.raises(Boom), transaction.atomic():
        role_grant(
            actor=organiser, user=volunteer, role="canvasser", area=geography["wards"]["Castle"]
        )
        raise Boom
    assert not RoleGrant.objects.filter(user=volunteer).exists()
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_failed_invitation_email_leaves_neither_account_nor_audit_entry(
    users, geography, monkeypatch, client
):
    def refuse(*args, **kwargs):
        raise Boom("mail server down")

    monkeypatch.setattr("clp.services.send_mail", refuse)
    before = AuditEntry.objects.count()
    with pytest.raises(Boom):
        user_invite(
            actor=users[RoleCode.ORGANISER],
            email="new@test.example",
            full_name="New",
            role="canvasser",
            area=geography["wards"]["Castle"],
        )
    assert not User.objects.filter(email="new@test.example").exists()
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_audit_record_refuses_to_run_outside_a_transaction(users):
    with pytest.raises(RuntimeError):
        audit_record(actor=users[RoleCode.ORGANISER], action="x")


@pytest.mark.django_db
def test_audit_entries_cannot_be_changed_or_deleted_through_the_application(users):
    with transaction.atomic():
        entry = audit_record(actor=users[RoleCode.ORGANISER], action="something")
    entry.action = "something else"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_postgres_refuses_update_and_delete_of_audit_entries(users):
    with transaction.atomic():
        entry = audit_record(actor=users[RoleCode.ORGANISER], action="something")
    for attempt in (
        lambda: AuditEntry.objects.filter(pk=entry.pk).update(action="forged"),
        lambda: AuditEntry.objects.filter(pk=entry.pk)._raw_delete("default"),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    entry.refresh_from_db()
    assert entry.action == "something"


@pytest.mark.django_db
def test_audit_log_is_read_only_in_the_admin_even_for_the_it_manager(client, users):
    with transaction.atomic():
        entry = audit_record(actor=users[RoleCode.ORGANISER], action="something")
    client.force_login(users[RoleCode.IT_MANAGER])
    listing = client.get(reverse("admin:clp_auditentry_changelist"))
    assert listing.status_code == 200 and "something" in listing.content.decode()
    assert client.get(reverse("admin:clp_auditentry_add")).status_code == 403
    response = client.post(reverse("admin:clp_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db
def test_audit_entry_records_where_the_request_came_from(client, users, geography):
    client.force_login(users[RoleCode.ORGANISER])
    client.post(
        reverse("clp:volunteer_invite"),
        {
            "full_name": "N",
            "email": "n@test.example",
            "role": "canvasser",
            "area": f"ward:{geography['wards']['Castle'].pk}",
        },
        REMOTE_ADDR="203.0.113.9",
    )
    entry = AuditEntry.objects.get(action="user.invite")
    assert entry.ip_address == "203.0.113.9"
    assert entry.actor_label == "organiser@test.example"
