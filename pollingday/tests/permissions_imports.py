"""Permission rows for polling day's imports pages (see tests/permission_matrix.py).

Organisers (CLP-wide) and area organisers import the council's files for an election in their
constituency (an area organiser's rows must lie in their own districts: the services refuse
the others, see test_absent_voters_import); every other role is refused."""

from clp.roles import RoleCode
from tests.permission_matrix import Expect, only

ORGANISERS = (RoleCode.ORGANISER, RoleCode.AREA_ORGANISER)


def _election(ctx):
    from members.models import Election, PollingDistrict

    constituency = ctx["geography"]["constituency"]
    election, created = Election.objects.get_or_create(
        constituency=constituency,
        name="Matrix election (imports)",
        defaults={"kind": Election.Kind.LOCAL, "polls_on": "2026-05-07"},
    )
    if created:
        election.polling_districts.set(PollingDistrict.objects.filter(constituency=constituency))
    return {"pk": election.pk}


EXPECTATIONS = {
    f"pollingday:{name}": Expect(only(*ORGANISERS), kwargs=_election)
    for name in ("absent_voters_import", "postal_returns_import", "marked_register_import")
}
