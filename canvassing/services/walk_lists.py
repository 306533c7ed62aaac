"""Writes for walk lists: cutting, walk order, join codes, leases, release when a role ends."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from canvassing.models import (
    Target,
    WalkList,
    WalkListAssignment,
    WalkListEntry,
)
from canvassing.targeting import target_electors
from clp.audit import audit_record
from clp.join_codes import (
    TOO_MANY_WRONG_CODES,
    join_code_clean,
    join_code_new,
    join_limited,
    join_refused,
)
from members.models import Elector
from members.services.contacts import contacted_recently
from members.walk_order import doors_in_walk_order

DEFAULT_LEASE_HOURS = 48
JOIN_SCOPE = "canvassing"


class WalkListTaken(Exception):
    """The walk list is checked out to someone else and their lease has not expired."""


# --- walk lists: cutting and ordering ----------------------------------------------------------


def walk_lists_cut(
    *,
    actor,
    target: Target,
    polling_district,
    size: int,
    streets: list | None = None,
    skip_recent: bool = False,
    request=None,
) -> list[WalkList]:
    """Cut the target's electors in one polling district (and optional streets) into walk lists
    of at most `size` electors, in walk order, never splitting a household.

    Electors already on another list of the same campaign are left out, so two teams do not
    knock the same door for the same campaign. With `skip_recent`, so is every household where
    anyone was contacted in the last RECENT_DAYS days, by any campaign, branch or channel.
    """
    if size < 1:
        raise ValidationError("A walk list needs room for at least one elector.")
    electors = target_electors(
        campaign=target.campaign, filters=target.filters, user=actor, segment=target.segment
    ).filter(polling_district=polling_district)
    if streets:
        electors = electors.filter(property__street__in=streets)
    if skip_recent:
        recent = contacted_recently(
            Elector.objects.filter(polling_district=polling_district), person="person"
        )
        doors = recent.filter(property__isnull=False).values("property_id")
        electors = electors.exclude(property__in=doors).exclude(pk__in=recent.values("pk"))
    already = WalkListEntry.objects.filter(walk_list__campaign=target.campaign).values("elector")
    electors = electors.exclude(pk__in=already).select_related("property", "property__street")
    chunks: list[list] = []
    for household in doors_in_walk_order(electors):
        if chunks and len(chunks[-1]) + len(household) <= size:
            chunks[-1].extend(household)
        else:
            chunks.append(list(household))
    existing = WalkList.objects.filter(campaign=target.campaign, polling_district=polling_district)
    first_number = existing.count() + 1
    created = []
    with transaction.atomic():
        for offset, chunk in enumerate(chunks):
            first = chunk[0].property
            street = first.street.name if first and first.street_id else "mixed streets"
            # The campaign's name too: a volunteer's lists from two campaigns are told apart.
            number = f"{polling_district.code} {first_number + offset}"
            name = f"{target.campaign.name} · {number}: {street}"
            walk_list = _create_walk_list(
                campaign=target.campaign,
                target=target,
                polling_district=polling_district,
                name=name[: WalkList._meta.get_field("name").max_length],
                actor=actor,
            )
            WalkListEntry.objects.bulk_create(
                WalkListEntry(walk_list=walk_list, elector=elector, position=i)
                for i, elector in enumerate(chunk, start=1)
            )
            created.append(walk_list)
        audit_record(
            actor=actor,
            action="canvass.walk_lists.cut",
            target=target,
            request=request,
            details={
                "polling_district": polling_district.code,
                "lists": len(created),
                "electors": sum(len(c) for c in chunks),
            },
        )
    return created


def _create_walk_list(**fields) -> WalkList:
    actor = fields.pop("actor")
    for _ in range(10):
        try:
            with transaction.atomic():
                return WalkList.objects.create(
                    join_code=join_code_new(), created_by=actor, **fields
                )
        except IntegrityError:
            continue  # the random join code was taken; draw another
    raise RuntimeError("Could not find a free join code.")


# --- leases ------------------------------------------------------------------------------------


def walk_list_checkout(
    *,
    actor,
    walk_list: WalkList,
    holder,
    team: list | None = None,
    hours: int = DEFAULT_LEASE_HOURS,
    request=None,
) -> WalkList:
    """Hand `walk_list` to `holder` (the canvasser, or a team's board runner) for `hours`.

    Raises WalkListTaken if someone else holds an unexpired lease. The check and the hand-out
    are one conditional UPDATE, so of two simultaneous requests exactly one wins.
    """
    now = timezone.now()
    expires = now + datetime.timedelta(hours=hours)
    team = [member for member in (team or []) if member.pk != holder.pk]
    with transaction.atomic():
        won = (
            WalkList.objects.filter(pk=walk_list.pk)
            .filter(
                Q(checked_out_to__isnull=True)
                | Q(lease_expires_at__isnull=True)
                | Q(lease_expires_at__lte=now)
                | Q(checked_out_to=holder)
            )
            .update(checked_out_to=holder, lease_expires_at=expires, updated_at=now)
        )
        if not won:
            raise WalkListTaken(f"{walk_list} is checked out to someone else.")
        WalkListAssignment.objects.filter(walk_list=walk_list, ended_at__isnull=True).update(
            ended_at=now
        )
        WalkListAssignment.objects.bulk_create(
            WalkListAssignment(
                walk_list=walk_list,
                user=user,
                is_board_runner=bool(team) and user.pk == holder.pk,
                started_at=now,
                expires_at=expires,
                assigned_by=actor,
            )
            for user in [holder, *team]
        )
        audit_record(
            actor=actor,
            action="canvass.walk_list.checkout",
            target=walk_list,
            request=request,
            details={
                "holder": holder.email,
                "team": [m.email for m in team],
                "expires_at": expires.isoformat(),
            },
        )
    walk_list.checked_out_to = holder
    walk_list.lease_expires_at = expires
    return walk_list


def walk_list_return(*, actor, walk_list: WalkList, request=None) -> None:
    """End the lease: the list may be handed to someone else."""
    now = timezone.now()
    with transaction.atomic():
        WalkList.objects.filter(pk=walk_list.pk).update(
            checked_out_to=None, lease_expires_at=None, updated_at=now
        )
        WalkListAssignment.objects.filter(walk_list=walk_list, ended_at__isnull=True).update(
            ended_at=now
        )
        audit_record(
            actor=actor, action="canvass.walk_list.return", target=walk_list, request=request
        )
    walk_list.checked_out_to = None
    walk_list.lease_expires_at = None


def walk_lists_release_without_role(*, actor=None, user=None, request=None) -> int:
    """Let go of the walk lists held by people who no longer hold a canvasser role over the
    list's polling district (a role revoked or expired).

    Their assignment ends; when they held the list itself (alone, or as a team's board
    runner), the whole list goes back to unassigned, as if returned, so an organiser can hand
    it to someone else. Each release is audited. `user`: only theirs (a role just revoked);
    otherwise everyone's (the nightly sweep for roles that expired). Returns how many
    assignments ended.
    """
    from clp.access import forget_cached_grants, polling_districts_for_user
    from clp.roles import RoleCode

    now = timezone.now()
    current = WalkListAssignment.objects.filter(ended_at__isnull=True, expires_at__gt=now)
    if user is not None:
        current = current.filter(user=user)
    by_user: dict = {}
    for assignment in current.select_related("user", "walk_list"):
        by_user.setdefault(assignment.user_id, []).append(assignment)
    ended = 0
    for assignments in by_user.values():
        holder = assignments[0].user
        forget_cached_grants(holder)
        allowed = set(
            polling_districts_for_user(holder, RoleCode.CANVASSER).values_list("pk", flat=True)
        )
        lost = [a for a in assignments if a.walk_list.polling_district_id not in allowed]
        for assignment in lost:
            walk_list = assignment.walk_list
            with transaction.atomic():
                if not WalkListAssignment.objects.filter(
                    pk=assignment.pk, ended_at__isnull=True
                ).update(ended_at=now):
                    continue
                ended += 1
                released = WalkList.objects.filter(pk=walk_list.pk, checked_out_to=holder).update(
                    checked_out_to=None, lease_expires_at=None, updated_at=now
                )
                if released:
                    # The team went out with the holder: the list is free again.
                    WalkListAssignment.objects.filter(
                        walk_list=walk_list, ended_at__isnull=True
                    ).update(ended_at=now)
                audit_record(
                    actor=actor,
                    action="canvass.walk_list.release",
                    target=walk_list,
                    request=request,
                    details={
                        "holder": holder.email,
                        "why": "no canvasser role for this polling district any more",
                        "list_unassigned": bool(released),
                    },
                )
    return ended


def _role_ended(*, actor, user, request=None) -> None:
    walk_lists_release_without_role(actor=actor, user=user, request=request)


def walk_list_join(*, actor, code: str, request=None) -> WalkList:
    """A canvasser takes a free walk list by its join code (typed, or scanned from the sheet).

    Wrong codes are audited as security events and counted per canvasser and per address;
    past JOIN_FAILURE_LIMITS every join from them is refused until the window ends.
    """
    from clp.access import polling_districts_for_user
    from clp.roles import RoleCode

    code = join_code_clean(code)
    if join_limited(JOIN_SCOPE, actor=actor, request=request):
        _join_refused(actor=actor, reason="too many wrong codes", request=request)
        raise ValidationError(TOO_MANY_WRONG_CODES)
    walk_list = (
        WalkList.objects.filter(
            join_code=code,
            polling_district__in=polling_districts_for_user(actor, RoleCode.CANVASSER),
        )
        .select_related("polling_district")
        .first()
    )
    if walk_list is None:
        _join_refused(actor=actor, reason="wrong code", request=request)
        raise ValidationError("No walk list in your area has that code. Check it and try again.")
    held = WalkListAssignment.objects.filter(
        walk_list=walk_list, user=actor, ended_at__isnull=True, expires_at__gt=timezone.now()
    ).exists()
    if held:
        return walk_list
    return walk_list_checkout(actor=actor, walk_list=walk_list, holder=actor, request=request)


def _join_refused(*, actor, reason: str, request) -> None:
    join_refused(
        JOIN_SCOPE,
        actor=actor,
        reason=reason,
        action="canvass.walk_list.join_refused",
        request=request,
    )
