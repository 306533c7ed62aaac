"""Reads that depend on who is asking. Scope is applied in the queryset (Invariant 3)."""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from clp.access import constituencies_for_user, grants_for, polling_districts_for_user
from clp.roles import RoleCode
from members.models import ImportBatch, MemberMatch, Person, Question, Segment
from members.segments import apply_segment_filters

READERS = (RoleCode.ORGANISER, RoleCode.AREA_ORGANISER, RoleCode.IT_MANAGER)
IMPORTERS = (RoleCode.ORGANISER, RoleCode.IT_MANAGER)
# Who may edit people and segments in their areas (the IT manager reads, but does not edit).
EDITORS = (RoleCode.ORGANISER, RoleCode.AREA_ORGANISER)


def district_ids_for_user(user, *roles) -> list[int]:
    """The ids of the polling districts `user` may read, as a list: a list of constants lets
    Postgres estimate how many rows a district filter keeps, even before it has statistics."""
    return list(polling_districts_for_user(user, *(roles or READERS)).values_list("pk", flat=True))


def electors_for_user(user) -> QuerySet:
    from members.models import Elector

    return Elector.objects.filter(polling_district__in=district_ids_for_user(user))


def people_for_user(user, roles=READERS) -> QuerySet:
    """People in the user's areas (by their home district, Person.polling_district). CLP-wide
    roles also see people with no known district (members not yet matched to the register)."""
    whole = [g.constituency_id for g in grants_for(user, *roles) if g.constituency_id]
    districts = polling_districts_for_user(user, *roles).exclude(constituency_id__in=whole)
    in_areas = Q(polling_district__in=list(districts.values_list("pk", flat=True)))
    if whole:
        in_areas |= Q(constituency_id__in=whole)
    return Person.objects.current().filter(in_areas)


def get_person_for_user(user, pk) -> Person:
    """The person, if they are in the user's areas; 404 otherwise."""
    return get_object_or_404(people_for_user(user), pk=pk)


def get_person_for_editor(user, pk) -> Person:
    """The person, if `user` may edit them (an organiser or area organiser whose areas they
    live in); 404 otherwise."""
    return get_object_or_404(people_for_user(user, EDITORS), pk=pk)


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


def get_segment_for_editor(user, pk) -> Segment:
    """A segment `user` may change or delete: any in a constituency they organise, and those
    they made themselves as an area organiser; 404 otherwise."""
    organised = constituencies_for_user(user, RoleCode.ORGANISER)
    own = Segment.objects.filter(
        constituency__in=constituencies_for_user(user, *EDITORS), created_by=user
    )
    return get_object_or_404(
        Segment.objects.filter(Q(constituency__in=organised) | Q(pk__in=own.values("pk"))),
        pk=pk,
    )


def questions_for_user(user, roles=READERS) -> QuerySet:
    """The question banks of the constituencies `user` works in with any of `roles`."""
    return Question.objects.filter(constituency__in=constituencies_for_user(user, *roles))


def get_question_for_organiser(user, pk) -> Question:
    """A bank question `user` may reword: one of a constituency they organise; 404 otherwise."""
    return get_object_or_404(questions_for_user(user, (RoleCode.ORGANISER,)), pk=pk)


def segment_people(filters: dict, user) -> QuerySet:
    """The people a segment's filters select, within what `user` may see (the living: a
    segment feeds targets, call lists and mailings)."""
    return apply_segment_filters(people_for_user(user).living(), filters)


# The geography page: organisers and the IT manager change the geography of the
# constituencies they hold a CLP-wide grant for; area organisers read their own areas'.
GEOGRAPHY_EDITORS = (RoleCode.ORGANISER, RoleCode.IT_MANAGER)


def geography_constituencies_for_user(user, *, edit: bool) -> QuerySet:
    """Constituencies whose geography `user` may change (`edit`) or read."""
    from members.models import Constituency

    if edit:
        whole = [
            g.constituency_id for g in grants_for(user, *GEOGRAPHY_EDITORS) if g.constituency_id
        ]
        return Constituency.objects.filter(pk__in=whole)
    return constituencies_for_user(user, *READERS)


def get_geography_constituency_for_user(user, pk=None, *, edit: bool):
    """The constituency asked for (or the user's first), 404 when not theirs to read/change."""
    allowed = geography_constituencies_for_user(user, edit=edit)
    found = allowed.filter(pk=pk).first() if pk else allowed.first()
    if found is None:
        raise Http404("No constituency.")
    return found


def get_geography_item_for_user(user, kind: str, pk):
    """A ward, branch, polling district or polling station the user may change, or 404."""
    from members.models import Branch, PollingDistrict, PollingStation, Ward

    model = {
        "ward": Ward,
        "branch": Branch,
        "district": PollingDistrict,
        "station": PollingStation,
    }.get(kind)
    if model is None:
        raise Http404("No such kind of area.")
    mine = geography_constituencies_for_user(user, edit=True)
    return get_object_or_404(model.objects.filter(constituency__in=mine), pk=pk)


def tps_status():
    """The TPS list in force (str(): "TPS list of 30 Nov 2026, 123,456 numbers"), or None
    when none was ever imported. Not personal data: any page may show it."""
    from members.models import TpsList

    return TpsList.objects.order_by("-imported_at", "-pk").first()
