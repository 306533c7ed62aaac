"""A canvass target's segment, applied to the electors the target starts from."""

from django.db.models import QuerySet

from members.segments import segment_queryset


def segment_electors(segment, electors: QuerySet) -> QuerySet:
    return electors.filter(person__in=segment_queryset(segment).values("pk"))
