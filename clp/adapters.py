from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied

from clp.audit import client_ip


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
        # person on that network, not the whole room, and not that person everywhere.
        key = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{key}@{client_ip(request) or 'unknown'}"

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
