from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from clp.access import has_role, polling_districts_for_user
from clp.models import RoleGrant, User
from clp.roles import RoleCode


def users_visible_to(user) -> QuerySet:
    """Users holding a role in the areas `user` organises (everyone, for the IT manager)."""
    active = RoleGrant.objects.active()
    users = User.objects.filter(is_active=True)
    if not has_role(user, RoleCode.IT_MANAGER):
        districts = polling_districts_for_user(user, RoleCode.ORGANISER, RoleCode.AREA_ORGANISER)
        in_districts = (
            Q(polling_district__in=districts)
            | Q(ward__polling_districts__in=districts)
            | Q(branch__wards__polling_districts__in=districts)
            | Q(constituency__polling_districts__in=districts)
        )
        users = users.filter(pk__in=active.filter(in_districts).values("user_id"))
    grants = active.select_related("role", "constituency", "ward", "branch", "polling_district")
    return users.prefetch_related(Prefetch("role_grants", queryset=grants)).order_by("email")


def get_role_grant_for_user(user, pk) -> RoleGrant:
    """A current role grant that `user` may revoke or extend (see services.may_manage_grant);
    404 for any other, so organisers learn nothing of roles outside their areas."""
    from clp.services import may_manage_grant

    grant = (
        RoleGrant.objects.active()
        .filter(pk=pk, user__in=users_visible_to(user))
        .select_related("user", "role", "constituency", "ward", "branch", "polling_district")
        .first()
    )
    if grant is None or not may_manage_grant(user, grant):
        raise Http404("No such role.")
    return grant
