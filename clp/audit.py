"""Writing the append-only audit log.

Call these inside the same transaction as the change they describe, so that the entry and the
change are committed, or rolled back, together.
"""

import ipaddress

from django.conf import settings
from django.db import transaction

from clp.models import AuditEntry


def _parse_ip(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 192.0.2.1:443
        value = value.split(":")[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _is_trusted_proxy(address) -> bool:
    return any(address in network for network in settings.TRUSTED_PROXIES)


def client_ip(request) -> str | None:
    """The address of the person at the other end, as far as it can be trusted.

    The socket's address, unless that is one of settings.TRUSTED_PROXIES: then
    X-Forwarded-For is read from the right (each trusted proxy appends the address it saw)
    and the first address that is not itself a trusted proxy is the client. Whatever a client
    writes into the header itself sits to the left of that and is never read, so nobody can
    choose the address that rate limits, lockouts and the audit log see.
    """
    if request is None:
        return None
    peer = _parse_ip(request.META.get("REMOTE_ADDR"))
    if peer is None:
        return None
    address = peer
    if _is_trusted_proxy(peer):
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        for hop in reversed(hops):
            hop_address = _parse_ip(hop)
            if hop_address is None:
                break
            address = hop_address
            if not _is_trusted_proxy(hop_address):
                break
    return str(address)


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


def audit_security_event(
    *, actor, action: str, target=None, request=None, details: dict | None = None
) -> AuditEntry:
    """Log a security event on its own (a failed login, a refused join code, a login address
    changed): there is no change of ours for it to share a transaction with."""
    with transaction.atomic():
        return audit_record(
            actor=actor,
            action=action,
            target=target,
            request=request,
            kind=AuditEntry.Kind.SECURITY,
            details=details or {},
        )
