"""The promise list: electors we expect to vote Labour on the day, whom knock-up reminds.

A promise is an elector on the register in one of the election's polling districts, whose
person is current and living and has not asked to be left alone at the door, and whose latest
accepted intention (the shared contact record) is Labour at or above the election's
promise strength, or, when the election says so, Undecided at or above its undecided strength.
"""

from django.db.models import Q, QuerySet

from members.models import Elector, Intention


def promise_condition(election) -> Q:
    """Over electors: the latest accepted intention makes them a promise for `election`
    (whose door may be knocked on is Elector.objects.knockable())."""
    condition = Q(
        person__contact_summary__intention=Intention.LABOUR,
        person__contact_summary__strength__gte=election.promise_min_strength,
    )
    if election.undecided_min_strength is not None:
        condition |= Q(
            person__contact_summary__intention=Intention.UNDECIDED,
            person__contact_summary__strength__gte=election.undecided_min_strength,
        )
    return condition


def promises(election, districts=None) -> QuerySet:
    """The election's promises, in `districts` (a queryset or list) when given."""
    electors = Elector.objects.filter(polling_district__in=election.polling_districts.all())
    if districts is not None:
        electors = electors.filter(polling_district__in=districts)
    return electors.knockable().filter(promise_condition(election))
