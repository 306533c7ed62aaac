"""A canvass target's segment, applied to the electors the target starts from."""

from django.db.models import QuerySet

from members.models import Person
from members.segments import apply_segment_filters


def segment_electors(segment, electors: QuerySet) -> QuerySet:
    """The electors whose person the segment selects (in the segment's constituency).

    The constituency is asked of the electors' own person row, not inside the subquery: there,
    before Postgres had statistics, it made the planner expect one person and re-read the
    district's electors once per person (18 s for a ward's segment at 120,000 people).
    """
    chosen = apply_segment_filters(Person.objects.current().living(), segment.filters)
    return electors.filter(
        person__constituency=segment.constituency_id, person__in=chosen.values("pk")
    )
