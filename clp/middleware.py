from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from clp.access import has_broad_role

# Paths a user with a broad role may reach before setting up MFA: logging in and out, setting
# up the authenticator itself, static files and the health check. Nothing here shows
# personal data.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz")


class RequireMfaForBroadRolesMiddleware:
    """Send IT managers and organisers to set up TOTP before any page with personal data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_set_up_mfa(request):
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        return self.get_response(request)

    @staticmethod
    def _must_set_up_mfa(request) -> bool:
        if settings.DEMO_MODE or request.path.startswith(_OPEN_PREFIXES):
            return False
        user = request.user
        if not user.is_authenticated or not has_broad_role(user):
            return False
        from allauth.mfa.utils import is_mfa_enabled

        return not is_mfa_enabled(user)
