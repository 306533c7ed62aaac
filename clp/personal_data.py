"""Personal data held by the platform's accounts: logins, role grants, the audit log."""

from django.db import transaction

from clp.audit import audit_record
from clp.models import AuditEntry, RoleGrant, User
from gdpr.registry import DataSubject, declare


def export(subject: DataSubject) -> dict:
    user = subject.user
    if user is None:
        return {}
    return {
        "account": {
            "email": user.email,
            "name": user.full_name,
            "active": user.is_active,
            "joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "roles": [
            {"role": g.role_id, "area": str(g.area), "expires_on": str(g.expires_on or "")}
            for g in RoleGrant.objects.filter(user=user).select_related(
                "constituency", "ward", "branch", "polling_district"
            )
        ],
        "actions_logged": [
            {"at": e.at.isoformat(), "action": e.action, "record": e.target_repr}
            for e in AuditEntry.objects.filter(actor=user).order_by("at")
        ],
    }


def erase(subject: DataSubject, *, actor) -> dict:
    """Close the account and remove identifying details.

    The audit log is kept: it is the record that personal data was processed lawfully (UK GDPR
    Art. 5(2)); entries keep the actor link to the now anonymous account.
    """
    user = subject.user
    if user is None:
        return {"account": "none"}
    with transaction.atomic():
        audit_record(actor=actor, action="user.erase", target=user)
        RoleGrant.objects.filter(user=user).delete()
        user.email = f"erased-user-{user.pk}@invalid"
        user.full_name = ""
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.set_unusable_password()
        user.save(
            update_fields=[
                "email",
                "full_name",
                "is_active",
                "is_staff",
                "is_superuser",
                "password",
            ]
        )
    return {"account": "anonymised", "audit_entries": "kept (accountability record)"}


declare(
    app_label="clp",
    models=[User, RoleGrant, AuditEntry],
    export=export,
    erase=erase,
    notes="Audit entries are kept after erasure as the record of lawful processing.",
)
