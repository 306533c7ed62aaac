"""The code a person's authenticator app would show now, for tests that log in with TOTP."""

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import hotp_value, yield_hotp_counters_from_time
from allauth.mfa.utils import decrypt


def current_code(user) -> str:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(authenticator.wrap().instance.data["secret"])
    return f"{hotp_value(secret, next(yield_hotp_counters_from_time())):06d}"
