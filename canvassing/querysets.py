"""Reusable filters over electors for canvass targeting, and the "latest result" annotations.

Only accepted results count: pending (awaiting review) and rejected results never feed a
target, a previous intention or progress.
"""

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from canvassing.models import CanvassResult, Outcome


def _counting_results_for_elector(person_ref: str = "person"):
    return CanvassResult.objects.counting().filter(person=OuterRef(person_ref))


def latest_intention_results() -> QuerySet:
    """Each person's latest counting result that gave an intention (the row whose intention
    and strength `latest_intention_subquery` and `latest_strength_subquery` report)."""
    with_intention = CanvassResult.objects.counting().exclude(intention="")
    later = with_intention.filter(person=OuterRef("person")).filter(
        Q(recorded_at__gt=OuterRef("recorded_at"))
        | Q(recorded_at=OuterRef("recorded_at"), received_at__gt=OuterRef("received_at"))
    )
    return with_intention.exclude(Exists(later))


def latest_intention_subquery_for(person_ref: str):
    """The person's latest counting voting intention (a later "not in" does not erase it)."""
    return Subquery(
        _counting_results_for_elector(person_ref)
        .exclude(intention="")
        .order_by("-recorded_at", "-received_at")
        .values("intention")[:1]
    )


def latest_strength_subquery_for(person_ref: str):
    return Subquery(
        _counting_results_for_elector(person_ref)
        .exclude(intention="")
        .order_by("-recorded_at", "-received_at")
        .values("strength")[:1]
    )


def latest_visit_subquery_for(person_ref: str):
    return Subquery(
        _counting_results_for_elector(person_ref).order_by("-recorded_at").values("recorded_at")[:1]
    )


def latest_intention_subquery():
    return latest_intention_subquery_for("person")


def latest_strength_subquery():
    return latest_strength_subquery_for("person")


def latest_visit_subquery():
    return latest_visit_subquery_for("person")


def with_canvass_history(electors: QuerySet) -> QuerySet:
    """Annotate each elector with last_intention, last_strength and last_visit."""
    return electors.annotate(
        last_intention=latest_intention_subquery(),
        last_strength=latest_strength_subquery(),
        last_visit=latest_visit_subquery(),
    )


def canvassable(electors: QuerySet) -> QuerySet:
    """On the register, alive and not asking to be left alone."""
    return electors.filter(
        on_register=True,
        person__do_not_canvass=False,
        person__do_not_contact=False,
        person__deceased=False,
    )


def _people_with_results():
    # Uncorrelated, for NOT IN: Postgres hashes the people once and probes it per elector. As
    # NOT EXISTS it may instead rescan every result for each elector (it did, 9 million
    # comparisons, when the results table had no statistics).
    return CanvassResult.objects.counting().filter(person__isnull=False).values("person_id")


def not_contacted_since(electors: QuerySet, since: datetime.date) -> QuerySet:
    spoken = _people_with_results().filter(outcome=Outcome.SPOKE, recorded_at__date__gte=since)
    return electors.exclude(person_id__in=spoken)


def not_turned_away(electors: QuerySet, campaign) -> QuerySet:
    """Leave out people who asked not to be called on again this election ("do not return").

    A campaign has no election of its own in the model, so "this election" is the campaign:
    the request holds for its targets and walk lists, not for the next campaign's."""
    turned_away = _people_with_results().filter(campaign=campaign, outcome=Outcome.DO_NOT_RETURN)
    return electors.exclude(person_id__in=turned_away)


def never_canvassed(electors: QuerySet) -> QuerySet:
    return electors.exclude(person_id__in=_people_with_results())


def members_only(electors: QuerySet, wanted: bool) -> QuerySet:
    condition = Q(person__membership__status__in=["member", "arrears"])
    return electors.filter(condition) if wanted else electors.exclude(condition)
