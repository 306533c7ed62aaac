"""Writing the append-only audit log.

Call these inside the same transaction as the change they describe, so that the entry and the
change are committed, or rolled back, together.
"""

from django.db import transaction

from clp.models import AuditEntry


def client_ip(request) -> str | None:
    if request is None:
        return None
    # Behind the production proxy, SECURE_PROXY_SSL_HEADER is trusted and so is its address.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def _describe(target) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    meta = target._meta
    return meta.label_lower, str(target.pk), str(target)[:200]


def audit_record(
    *,
    actor,
    action: str,
    target=None,
    request=None,
    details: dict | None = None,
    kind: str = AuditEntry.Kind.CHANGE,
    why: str = "",
) -> AuditEntry:
    """Record that `actor` did `action` to `target`. Must run inside the change's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "audit_record must run inside the transaction of the change it records "
            "(wrap the service in transaction.atomic)."
        )
    target_type, target_id, target_repr = _describe(target)
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=user,
        actor_label=user.email if user else "system",
        kind=kind,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_repr=target_repr,
        ip_address=client_ip(request),
        details=details or {},
        why=why[:300],
    )


def audit_bulk_read(
    *, actor, what: str, count: int, why: str, request=None, details: dict | None = None
) -> AuditEntry:
    """Log a bulk read of personal data (an export, a list page, a search)."""
    with transaction.atomic():
        return audit_record(
            actor=actor,
            action=f"read:{what}",
            request=request,
            kind=AuditEntry.Kind.BULK_READ,
            why=why,
            details={"count": count, **(details or {})},
        )
