"""Turning a segment's saved filters into the people it selects. Every tool builds on this:
canvass targets, call lists, audiences, mailings and reports."""

from django.db.models import Exists, OuterRef, QuerySet

from members import consent
from members.models import Elector, Person, PollingDistrict, Segment


def apply_segment_filters(people: QuerySet, filters: dict) -> QuerySet:
    """Narrow `people` by a segment's filters (area, membership, tags, markers, consent...)."""
    if filters.get("wards"):
        people = people.in_polling_districts(
            list(
                PollingDistrict.objects.filter(ward__in=filters["wards"]).values_list(
                    "pk", flat=True
                )
            )
        )
    if filters.get("polling_districts"):
        people = people.in_polling_districts(filters["polling_districts"])
    if filters.get("membership"):
        people = people.members(filters["membership"])
    if filters.get("tags"):
        people = people.tagged(filters["tags"])
    # Register entries as one EXISTS, not a join: no DISTINCT over everyone in the area, and
    # with markers, a small set of entries that Postgres can start from.
    if filters.get("on_register") or filters.get("markers"):
        entries = Elector.objects.filter(person=OuterRef("pk"), on_register=True)
        for letter in filters.get("markers") or "":
            entries = entries.filter(markers__contains=letter)
        people = people.filter(Exists(entries))
    if filters.get("has_email"):
        people = people.with_email()
    if filters.get("has_phone"):
        people = people.with_phone()
    # Marked not to be contacted on these channels ("phone", "door" …): e.g. everyone to take
    # off a call list someone else keeps.
    for channel in filters.get("do_not") or []:
        people = people.filter(**{consent.DO_NOT_CONTACT_FLAGS[channel]: True})
    if filters.get("consent"):
        people = consent.people_with_consent(people, filters["consent"])
    return people


def segment_queryset(segment: Segment) -> QuerySet:
    """Everyone alive in the segment's constituency that its filters select. Callers scope it
    further by the user's areas (canvass targets do, through the electors they start from)."""
    people = Person.objects.current().living().filter(constituency=segment.constituency_id)
    return apply_segment_filters(people, segment.filters)
