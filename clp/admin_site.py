from clp.access import has_role
from clp.roles import RoleCode


def require_it_manager_for_admin(site) -> None:
    """The admin is the IT manager's: staff status alone, or an expired grant, is not enough.

    MFA is enforced for the IT manager by RequireMfaForBroadRolesMiddleware before this runs.
    """

    def has_permission(request):
        user = request.user
        return bool(user.is_active and user.is_staff and has_role(user, RoleCode.IT_MANAGER))

    site.has_permission = has_permission
    site.site_header = "CLP platform administration"
    site.site_title = "CLP admin"
