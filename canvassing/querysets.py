"""Filters over electors that only canvassing needs. What people said and when they were last
contacted comes from the shared record (members.segments.apply_contact_filters).

Only accepted results count: pending (awaiting review) and rejected results never feed a
target.
"""

from django.db.models import Q, QuerySet

from canvassing.models import CanvassResult, Outcome
from members.segments import MEMBER_STATUSES


def not_turned_away(electors: QuerySet, campaign) -> QuerySet:
    """Leave out people who asked not to be called on again this election ("do not return").

    A campaign has no election of its own in the model, so "this election" is the campaign:
    the request holds for its targets and walk lists, not for the next campaign's."""
    # Uncorrelated, for NOT IN: Postgres hashes the people once and probes it per elector. As
    # NOT EXISTS it may instead rescan every result for each elector (it did, 9 million
    # comparisons, when the results table had no statistics).
    turned_away = CanvassResult.objects.counting().filter(
        campaign=campaign, outcome=Outcome.DO_NOT_RETURN
    )
    return electors.exclude(person_id__in=turned_away.values("person_id"))


def members_only(electors: QuerySet, wanted: bool) -> QuerySet:
    condition = Q(person__membership__status__in=MEMBER_STATUSES)
    return electors.filter(condition) if wanted else electors.exclude(condition)
