"""The one place that decides who may see what.

Views never decide access themselves: they call these functions, which read only active role
grants, and scope querysets by the areas a user was granted.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from clp.models import RoleGrant
from clp.roles import MFA_ROLES, RoleCode

_CACHE_ATTR = "_clp_active_grants"


def active_grants(user) -> list[RoleGrant]:
    """The user's grants in force today, cached on the user object for one request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            RoleGrant.objects.active()
            .filter(user=user)
            .select_related("constituency", "ward", "branch", "polling_district")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_cached_grants(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def user_roles(user) -> set[str]:
    return {grant.role_id for grant in active_grants(user)}


def has_role(user, *roles: str) -> bool:
    held = user_roles(user)
    return any(role in held for role in roles)


def needs_mfa(user) -> bool:
    """Whether the user holds a role that reads personal data in bulk (see roles.MFA_ROLES)."""
    return has_role(user, *MFA_ROLES)


def grants_for(user, *roles: str) -> list[RoleGrant]:
    return [grant for grant in active_grants(user) if grant.role_id in roles]


def polling_district_scope(user, *roles: str) -> Q | None:
    """A filter over PollingDistrict for the areas granted with any of `roles`.

    Returns None when the user holds none of the roles (callers then return nothing).
    """
    condition = None
    for grant in grants_for(user, *roles):
        if grant.constituency_id:
            part = Q(constituency_id=grant.constituency_id)
        elif grant.ward_id:
            part = Q(ward_id=grant.ward_id)
        elif grant.branch_id:
            part = Q(ward__branches=grant.branch_id)
        else:
            part = Q(pk=grant.polling_district_id)
        condition = part if condition is None else condition | part
    return condition


def polling_districts_for_user(user, *roles: str) -> QuerySet:
    """Polling districts the user may work in with any of `roles` (default: organising roles)."""
    from members.models import PollingDistrict

    roles = roles or (RoleCode.ORGANISER, RoleCode.AREA_ORGANISER, RoleCode.IT_MANAGER)
    condition = polling_district_scope(user, *roles)
    if condition is None:
        return PollingDistrict.objects.none()
    return PollingDistrict.objects.filter(condition).distinct()


def constituencies_for_user(user, *roles: str) -> QuerySet:
    from members.models import Constituency

    ids = polling_districts_for_user(user, *roles).values("constituency_id")
    whole = [g.constituency_id for g in grants_for(user, *roles) if g.constituency_id]
    return Constituency.objects.filter(Q(pk__in=ids) | Q(pk__in=whole)).distinct()


def role_required(*roles: str):
    """View decorator: the user must be logged in and hold one of `roles` today."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied("Your role does not include this page.")
            return view(request, *args, **kwargs)

        wrapper.required_roles = roles
        return wrapper

    return decorator
