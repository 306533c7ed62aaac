from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from clp.access import needs_mfa

# Paths a user who must have MFA may reach before setting it up: logging in and out, setting
# up the authenticator and confirming their email address (allauth's pages), static files and
# the health check. Nothing here shows personal data.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/healthz")


class RequireMfaForBroadRolesMiddleware:
    """Send IT managers, organisers and area organisers to set up TOTP before any other page.

    A session that has typed the password but not yet the code is not logged in at all
    (allauth keeps it at the MFA stage), so it reaches nothing either.
    """

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
        if not user.is_authenticated or not needs_mfa(user):
            return False
        from allauth.mfa.utils import is_mfa_enabled

        return not is_mfa_enabled(user)
