"""Reads that depend on who is asking. Scope is applied in the queryset (Invariant 3)."""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from clp.access import constituencies_for_user, grants_for, polling_districts_for_user
from clp.roles import RoleCode
from members.models import ImportBatch, MemberMatch, Person, Segment
from members.segments import apply_segment_filters

READERS = (RoleCode.ORGANISER, RoleCode.AREA_ORGANISER, RoleCode.IT_MANAGER)
IMPORTERS = (RoleCode.ORGANISER, RoleCode.IT_MANAGER)


def district_ids_for_user(user, *roles) -> list[int]:
    """The ids of the polling districts `user` may read, as a list: a list of constants lets
    Postgres estimate how many rows a district filter keeps, even before it has statistics."""
    return list(polling_districts_for_user(user, *(roles or READERS)).values_list("pk", flat=True))


def electors_for_user(user) -> QuerySet:
    from members.models import Elector

    return Elector.objects.filter(polling_district__in=district_ids_for_user(user))


def people_for_user(user) -> QuerySet:
    """People in the user's areas (by their home district, Person.polling_district). CLP-wide
    roles also see people with no known district (members not yet matched to the register)."""
    whole = [g.constituency_id for g in grants_for(user, *READERS) if g.constituency_id]
    districts = polling_districts_for_user(user, *READERS).exclude(constituency_id__in=whole)
    in_areas = Q(polling_district__in=list(districts.values_list("pk", flat=True)))
    if whole:
        in_areas |= Q(constituency_id__in=whole)
    return Person.objects.current().filter(in_areas)


def get_person_for_user(user, pk) -> Person:
    """The person, if they are in the user's areas; 404 otherwise."""
    return get_object_or_404(people_for_user(user), pk=pk)


def import_batches_for_user(user) -> QuerySet:
    return ImportBatch.objects.filter(constituency__in=constituencies_for_user(user, *IMPORTERS))


def get_import_batch_for_user(user, pk) -> ImportBatch:
    return get_object_or_404(import_batches_for_user(user), pk=pk)


def member_matches_for_user(user) -> QuerySet:
    return MemberMatch.objects.filter(
        membership__person__constituency__in=constituencies_for_user(user, *IMPORTERS)
    )


def get_member_match_for_user(user, pk) -> MemberMatch:
    return get_object_or_404(member_matches_for_user(user), pk=pk)


def segments_for_user(user) -> QuerySet:
    return Segment.objects.filter(constituency__in=constituencies_for_user(user, *READERS))


def get_segment_for_user(user, pk) -> Segment:
    segment = get_object_or_404(segments_for_user(user), pk=pk)
    if segment is None:
        raise Http404
    return segment


def segment_people(filters: dict, user) -> QuerySet:
    """The people a segment's filters select, within what `user` may see (the living: a
    segment feeds targets, call lists and mailings)."""
    return apply_segment_filters(people_for_user(user).living(), filters)
