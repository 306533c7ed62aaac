"""A person's home polling district (Person.polling_district), kept by every writer.

The home district is the district of the person's entry on the register now (their latest,
if they have several), else the district of their address, else none. Pages scope people by
it, one indexed column (see members/README.md). Whatever moves a person, puts them on or takes
them off the register, merges them or changes their address's district calls
`home_districts_refresh` for the people it touched; the register import, which writes
100,000 people at a time, runs `REGISTER_HOME_DISTRICTS_SQL` instead.
"""

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

# For the register import (members/bulk.py), set-based, after its people and electors are
# written: a known person matched to a row of the file lives in that row's district. (New
# people get theirs as they are inserted. A leaver keeps the home they had: their address,
# which the import does not change, is in the district they left.)
REGISTER_HOME_DISTRICTS_SQL = """
    UPDATE members_person SET polling_district_id = s.pd_id
    FROM stg_match m JOIN stg_elector s ON s.row_no = m.row_no
    WHERE members_person.id = m.person_id
      AND members_person.polling_district_id IS DISTINCT FROM s.pd_id
"""


def home_district_expression():
    """The home district of the person in the outer query, as an SQL expression."""
    from members.models import Elector, Property

    on_register = (
        Elector.objects.filter(person=OuterRef("pk"), on_register=True)
        .order_by("-pk")
        .values("polling_district_id")[:1]
    )
    address = Property.objects.filter(pk=OuterRef("property_id")).values("polling_district_id")[:1]
    return Coalesce(Subquery(on_register), Subquery(address))


def home_districts_refresh(people: QuerySet) -> int:
    """Set the home district of each of `people` (a queryset of Person) from their register
    entries and address. Returns how many rows were written."""
    return people.update(polling_district=home_district_expression())
