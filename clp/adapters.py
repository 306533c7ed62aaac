import secrets

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied

from clp.audit import client_ip

# A browser that has logged in to an account before carries this signed cookie; its failed
# logins for that account are counted apart from everyone else's (OWASP's "device cookies"),
# so nobody, not even someone on the same committee-room wifi, can lock a volunteer out of the
# phone they already use.
KNOWN_DEVICE_COOKIE = "clp_known_device"
_KNOWN_DEVICE_SALT = "clp.adapters.known-device"
_KNOWN_DEVICE_MAX_AGE = 60 * 60 * 24 * 180


def known_device_id(request, email: str) -> str | None:
    """The id of this browser if it has logged in to `email` before, else None."""
    token = request.COOKIES.get(KNOWN_DEVICE_COOKIE) if request is not None else None
    if not token or not email:
        return None
    try:
        payload = signing.loads(token, salt=_KNOWN_DEVICE_SALT, max_age=_KNOWN_DEVICE_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("e") != email.strip().lower():
        return None
    return str(payload.get("d") or "") or None


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    """No open sign-up: people get accounts by invitation from an organiser or the IT manager."""

    def is_open_for_signup(self, request):
        return False

    def get_client_ip(self, request):
        # allauth's rate limits ask here; so do our lockout key and the audit log. One answer,
        # which believes X-Forwarded-For only from settings.TRUSTED_PROXIES.
        address = client_ip(request)
        if not address:
            raise PermissionDenied("Unable to determine the client's address.")
        return address

    def _get_login_attempts_cache_key(self, request, **credentials):
        # allauth keys the failed-login limit on the account alone; we key it on the account
        # *and* the address, so that one person's typos at a shared venue lock out only that
        # person on that network, not the whole room, and not that person everywhere. A
        # browser the person has logged in from before counts apart (KNOWN_DEVICE_COOKIE).
        key = super()._get_login_attempts_cache_key(request, **credentials)
        device = known_device_id(request, credentials.get("email") or "")
        if device:
            return f"{key}@device:{device}"
        return f"{key}@{client_ip(request) or 'unknown'}"

    def post_login(self, request, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        token = signing.dumps(
            {"e": user.email.lower(), "d": secrets.token_urlsafe(12)}, salt=_KNOWN_DEVICE_SALT
        )
        response.set_cookie(
            KNOWN_DEVICE_COOKIE,
            token,
            max_age=_KNOWN_DEVICE_MAX_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return response

    def authentication_failed(self, request, **credentials):
        from clp.services import login_failure_record

        login_failure_record(
            email=credentials.get("email") or credentials.get("username") or "",
            request=request,
        )

    def send_password_reset_mail(self, user, email, context):
        # Once an account has a proved address, reset links go only to proved addresses: a
        # new address waiting for its confirmation (perhaps mistyped) cannot be used to take
        # the account over. An invited volunteer's only address is not yet proved, and the
        # link is how they prove it.
        from allauth.account.models import EmailAddress

        verified = EmailAddress.objects.filter(user=user, verified=True)
        if verified.exists() and not verified.filter(email__iexact=email).exists():
            return None
        return super().send_password_reset_mail(user, email, context)
