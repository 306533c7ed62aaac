"""Who may see which knock-up lists and committee rooms, as querysets (see pollingday.access).

- Organisers see the lists of the districts they organise in the election, and its committee
  rooms (a room's board shows only the districts in their scope).
- A runner sees the lists handed to them and not yet taken back.
"""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from clp.models import RoleGrant
from clp.roles import RoleCode
from members.models import Branch
from pollingday.access import elections_for_organiser, organiser_districts
from pollingday.access_setup import committee_rooms_for_organiser
from pollingday.models import CommitteeRoom, KnockUpList, Shift


def knockup_lists_for_organiser(user, election) -> QuerySet:
    return KnockUpList.objects.filter(
        election=election, polling_district__in=organiser_districts(user, election)
    )


def get_knockup_list_for_organiser(user, pk) -> KnockUpList:
    """The list, or 404 unless its district is in the user's organising scope."""
    knock_up_list = get_object_or_404(
        KnockUpList.objects.select_related("election", "polling_district", "runner"), pk=pk
    )
    election = knock_up_list.election
    if not elections_for_organiser(user).filter(pk=election.pk).exists() or not (
        organiser_districts(user, election).filter(pk=knock_up_list.polling_district_id).exists()
    ):
        raise Http404("No such knock-up list.")
    return knock_up_list


def knockup_lists_for_runner(user) -> QuerySet:
    """The lists handed to the user and not taken back."""
    return KnockUpList.objects.filter(
        runner=user, handed_out_at__isnull=False, returned_at__isnull=True
    )


def get_knockup_list_for_runner(user, pk, *, taken_back_too=False) -> KnockUpList:
    """A list handed to the user (with `taken_back_too`, also one taken back since: knocks
    recorded before then still sync), or any list an organiser in scope could open; 404
    otherwise."""
    own = KnockUpList.objects.filter(runner=user, handed_out_at__isnull=False)
    if not taken_back_too:
        own = own.filter(returned_at__isnull=True)
    knock_up_list = own.select_related("election", "polling_district").filter(pk=pk).first()
    if knock_up_list is not None:
        return knock_up_list
    return get_knockup_list_for_organiser(user, pk)


def room_for_organiser(user, election, room_pk) -> CommitteeRoom:
    """The room, or 404 unless the user may work it (access_setup's rule)."""
    return get_object_or_404(committee_rooms_for_organiser(user, election), pk=room_pk)


RUNNER_SHIFTS = [Shift.Kind.KNOCKER, Shift.Kind.DRIVER, Shift.Kind.ROOM, Shift.Kind.TELLER]


def runner_ids_by_district(election, districts) -> dict[int, set[int]]:
    """Who a list of each district may be handed to: volunteers down for a knocking, driving,
    committee-room or telling shift of the election, and users whose canvasser or teller role
    covers the district. Three queries whatever the number of districts."""
    on_shift = set(
        Shift.objects.filter(
            election=election, kind__in=RUNNER_SHIFTS, signups__user__isnull=False
        ).values_list("signups__user_id", flat=True)
    )
    grants = list(
        RoleGrant.objects.active()
        .filter(role_id__in=[RoleCode.CANVASSER, RoleCode.TELLER])
        .values_list("user_id", "constituency_id", "ward_id", "branch_id", "polling_district_id")
    )
    branch_wards: dict[int, set[int]] = {}
    for branch_id, ward_id in Branch.wards.through.objects.filter(
        branch_id__in={g[3] for g in grants if g[3]}
    ).values_list("branch_id", "ward_id"):
        branch_wards.setdefault(branch_id, set()).add(ward_id)

    def covers(grant, district) -> bool:
        _user, constituency, ward, branch, pd = grant
        return (
            constituency == district.constituency_id
            or (ward is not None and ward == district.ward_id)
            or (branch is not None and district.ward_id in branch_wards.get(branch, ()))
            or pd == district.pk
        )

    return {
        district.pk: on_shift | {g[0] for g in grants if covers(g, district)}
        for district in districts
    }


def runners_for(election, polling_district) -> QuerySet:
    """The users a list of `polling_district` may be handed to (runner_ids_by_district)."""
    ids = runner_ids_by_district(election, [polling_district])[polling_district.pk]
    return (
        get_user_model().objects.filter(is_active=True, pk__in=ids).order_by("full_name", "email")
    )
