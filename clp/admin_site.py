from urllib.parse import urlencode

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from clp.access import has_role
from clp.roles import RoleCode


def _send_to(url_name: str, request, default_next: str):
    """Redirect to allauth's page, carrying a safe ?next= back into the admin."""
    next_url = request.GET.get(REDIRECT_FIELD_NAME) or default_next
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = default_next
    return redirect(f"{reverse(url_name)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")


def require_it_manager_for_admin(site) -> None:
    """The admin is the IT manager's: staff status alone, or an expired grant, is not enough.

    Nobody logs in at the admin's own form, which knows nothing of the second factor or the
    rate limits: /admin/login/ sends people to allauth's login (password, then the
    authenticator code) and back. The admin's password change goes to allauth's, which tells
    the owner's address. MFA is enforced for the IT manager by
    RequireMfaForBroadRolesMiddleware before any admin page runs.
    """

    def has_permission(request):
        user = request.user
        return bool(user.is_active and user.is_staff and has_role(user, RoleCode.IT_MANAGER))

    def login(request, extra_context=None):
        return _send_to("account_login", request, reverse("admin:index", current_app=site.name))

    def password_change(request, extra_context=None):
        return _send_to(
            "account_change_password", request, reverse("admin:index", current_app=site.name)
        )

    site.has_permission = has_permission
    site.login = login
    site.password_change = password_change
    site.site_header = "CLP platform administration"
    site.site_title = "CLP admin"
