"""Permission-aware reads. Access functions raise 404 for what the user may not see."""

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from canvassing.models import (
    CanvassCampaign,
    CanvassResult,
    SurveyQuestion,
    Target,
    WalkList,
    WalkListAssignment,
    WalkListEntry,
)
from clp.access import constituencies_for_user, polling_districts_for_user
from clp.roles import ORGANISING_ROLES


def campaigns_for_user(user) -> QuerySet:
    return CanvassCampaign.objects.filter(
        constituency__in=constituencies_for_user(user, *ORGANISING_ROLES)
    )


def get_campaign_for_user(user, pk) -> CanvassCampaign:
    """The campaign, if it is in a constituency where `user` organises; 404 otherwise."""
    campaign = campaigns_for_user(user).filter(pk=pk).select_related("constituency").first()
    if campaign is None:
        raise Http404("No such campaign.")
    return campaign


def get_question_for_user(user, pk) -> SurveyQuestion:
    """The survey question, if its campaign is one `user` organises; 404 otherwise."""
    question = (
        SurveyQuestion.objects.filter(pk=pk, campaign__in=campaigns_for_user(user))
        .select_related("campaign")
        .first()
    )
    if question is None:
        raise Http404("No such question.")
    return question


def get_target_for_user(user, pk) -> Target:
    target = (
        Target.objects.filter(pk=pk, campaign__in=campaigns_for_user(user))
        .select_related("campaign", "campaign__constituency", "segment")
        .first()
    )
    if target is None:
        raise Http404("No such target.")
    return target


def walk_lists_organised_by(user) -> QuerySet:
    """Walk lists in the polling districts `user` organises."""
    return WalkList.objects.filter(
        polling_district__in=polling_districts_for_user(user, *ORGANISING_ROLES)
    )


def get_walk_list_for_organiser(user, pk) -> WalkList:
    """A walk list in one of `user`'s polling districts; 404 otherwise."""
    walk_list = (
        walk_lists_organised_by(user)
        .filter(pk=pk)
        .select_related("campaign", "polling_district", "checked_out_to")
        .first()
    )
    if walk_list is None:
        raise Http404("No such walk list.")
    return walk_list


def current_assignments(user, *, at=None) -> QuerySet:
    at = at or timezone.now()
    return WalkListAssignment.objects.filter(
        user=user, ended_at__isnull=True, started_at__lte=at, expires_at__gt=at
    )


def walk_lists_for_user(user) -> QuerySet:
    """Walk lists assigned to `user` (alone or in a team) right now."""
    if not getattr(user, "is_authenticated", False):
        return WalkList.objects.none()
    return WalkList.objects.filter(
        Exists(current_assignments(user).filter(walk_list=OuterRef("pk")))
    )


def get_walk_list_for_user(user, pk) -> WalkList:
    """A walk list currently assigned to `user`, for the doorstep; 404 otherwise."""
    walk_list = (
        walk_lists_for_user(user)
        .filter(pk=pk)
        .select_related("campaign", "polling_district")
        .first()
    )
    if walk_list is None:
        raise Http404("No such walk list.")
    return walk_list


def walk_list_entries(walk_list) -> QuerySet:
    """The list's electors in walk order with everything the doorstep and sheet show.

    One query whatever the list's length: households, names, markers, membership, previous
    intention and the latest result on this list all come from joins and subqueries.
    """
    on_this_list = (
        CanvassResult.objects.filter(walk_list=walk_list, elector=OuterRef("elector"))
        .exclude(review_status=CanvassResult.Review.REJECTED)
        .order_by("-recorded_at")
    )
    return (
        WalkListEntry.objects.filter(walk_list=walk_list)
        # Someone reported deceased since the list was cut is off it, unless the report (or
        # another result) was made on this list: its canvasser then sees the door as done.
        .exclude(Q(elector__person__deceased=True) & ~Exists(on_this_list))
        .select_related(
            "elector",
            "elector__property",
            "elector__property__street",
            "elector__person__membership",
        )
        .annotate(
            # From the shared record: the latest intention and contact by anyone, any channel.
            last_intention=F("elector__person__contact_summary__intention"),
            last_visit=F("elector__person__contact_summary__contacted_at"),
            done_outcome=Subquery(on_this_list.values("outcome")[:1]),
            done_intention=Subquery(on_this_list.values("intention")[:1]),
        )
        .order_by("position")
    )


def _count(queryset, field: str = "pk"):
    """A correlated COUNT(DISTINCT field) subquery (no join fan-out across lists)."""
    return Coalesce(
        Subquery(
            queryset.order_by()
            .values(queryset.model._meta.get_field("walk_list").attname)
            .annotate(n=Count(field, distinct=True))
            .values("n")[:1]
        ),
        0,
    )


def walk_list_progress(walk_lists: QuerySet) -> QuerySet:
    """Electors on each list, how many have a counting result, how many were spoken to, and
    when the list last had a result. Correlated subqueries keep it one row per list."""
    counting = CanvassResult.objects.counting().filter(walk_list=OuterRef("pk"))
    return walk_lists.annotate(
        elector_count=_count(WalkListEntry.objects.filter(walk_list=OuterRef("pk"))),
        done_count=_count(counting, "elector"),
        spoke_count=_count(counting.filter(outcome="S"), "elector"),
        last_result_at=Subquery(counting.order_by("-recorded_at").values("recorded_at")[:1]),
    )


def pending_results_for_user(user) -> QuerySet:
    """Results awaiting review in the polling districts `user` organises."""
    return CanvassResult.objects.filter(
        review_status=CanvassResult.Review.PENDING,
        walk_list__in=walk_lists_organised_by(user),
    )
