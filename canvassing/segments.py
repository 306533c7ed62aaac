"""Adapter to the members app's segment evaluation, which is being built on another branch.

When `members.segments.segment_queryset(segment)` exists, a target's segment narrows the
electors to those it selects (it may return people or electors). Until then a segment narrows
nothing beyond its constituency, and targets rely on canvass filters and areas.
"""

from django.db.models import QuerySet


def _segment_queryset(segment):
    try:
        from members.segments import segment_queryset  # type: ignore[import-not-found]
    except ImportError:
        return None
    return segment_queryset(segment)


def segment_electors(segment, electors: QuerySet) -> QuerySet:
    electors = electors.filter(constituency=segment.constituency_id)
    selected = _segment_queryset(segment)
    if selected is None:
        return electors
    if selected.model._meta.model_name == "person":
        return electors.filter(person__in=selected.values("pk"))
    return electors.filter(pk__in=selected.values("pk"))
