"""Join codes: short codes a volunteer types (or scans) to take on a piece of work, e.g. a walk
list or a phone bank, and the guard against guessing them.

Wrong codes are audited as security events and counted per user and per address; past
JOIN_FAILURE_LIMITS every join from them is refused (a correct code too) until the window ends.
"""

import re
import secrets

from django.core.cache import cache

from clp.audit import audit_security_event, client_ip

JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed
# 31**8 ≈ 8.5e11 codes. Codes made before they grew from 6 letters still work: a code is looked
# up as typed, whatever its length.
JOIN_CODE_LENGTH = 8
JOIN_FAILURE_LIMITS = {"user": 10, "address": 50}
JOIN_FAILURE_WINDOW = 15 * 60
TOO_MANY_WRONG_CODES = "Too many wrong codes. Wait 15 minutes, or ask your organiser."


def join_code_new() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def join_code_clean(code: str) -> str:
    """The code as stored: letters and digits only, upper case (people type spaces, dashes)."""
    return re.sub(r"[^A-Za-z0-9]", "", code or "").upper()


def _failure_counters(scope: str, actor, request) -> dict[str, str]:
    counters = {"user": f"{scope}:join-failures:user:{actor.pk}"}
    address = client_ip(request)
    if address:
        counters["address"] = f"{scope}:join-failures:address:{address}"
    return counters


def join_limited(scope: str, *, actor, request) -> bool:
    """Whether joins from this user or address are refused for now (too many wrong codes)."""
    counters = _failure_counters(scope, actor, request)
    counts = cache.get_many(list(counters.values()))
    return any(counts.get(key, 0) >= JOIN_FAILURE_LIMITS[kind] for kind, key in counters.items())


def join_refused(scope: str, *, actor, reason: str, action: str, request) -> None:
    """Count a refused join against the user and the address, and audit it."""
    for key in _failure_counters(scope, actor, request).values():
        cache.add(key, 0, JOIN_FAILURE_WINDOW)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, JOIN_FAILURE_WINDOW)
    audit_security_event(actor=actor, action=action, request=request, details={"reason": reason})
