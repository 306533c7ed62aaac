"""The promise list: electors we expect to vote Labour on the day, whom knock-up reminds.

A promise is an elector on the register in one of the election's polling districts, whose
person is current and living and has not asked to be left alone at the door, and whose latest
accepted intention (the shared contact record) is Labour at or above the election's
promise strength, or, when the election says so, Undecided at or above its undecided strength.
"""

from django.db.models import Q, QuerySet

from members.consent import DO_NOT_CONTACT_FLAGS
from members.models import Elector, Intention


def knockable(electors: QuerySet) -> QuerySet:
    """On the register, a current, living person who may be knocked on (members.consent's
    door rule: not do-not-contact, not do-not-canvass)."""
    return electors.filter(
        on_register=True,
        person__deceased=False,
        person__erased_at__isnull=True,
        person__merged_into__isnull=True,
        **{f"person__{DO_NOT_CONTACT_FLAGS['all']}": False},
        **{f"person__{DO_NOT_CONTACT_FLAGS['door']}": False},
    )


def promise_condition(election) -> Q:
    """Over electors: the latest accepted intention makes them a promise for `election`
    (the person flags are knockable's)."""
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
    return knockable(electors).filter(promise_condition(election))
