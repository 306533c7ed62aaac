"""Who may open each members page (see tests/permission_matrix.py)."""

import datetime

from clp.roles import RoleCode
from tests.permission_matrix import DENIED, Expect, only

IMPORTERS = (RoleCode.IT_MANAGER, RoleCode.ORGANISER)
READERS = (RoleCode.IT_MANAGER, RoleCode.ORGANISER, RoleCode.AREA_ORGANISER)


def _batch(ctx, status="ready"):
    from members.models import ImportBatch

    return ImportBatch.objects.create(
        constituency=ctx["geography"]["constituency"],
        kind="register",
        status=status,
        filename="x.csv",
        content=b"A,B\r\n1,2\r\n",
        created_by=ctx["users"][RoleCode.ORGANISER],
    ).pk


def _castle_person(ctx):
    from members.models import Elector, Person, PollingDistrict, RegisterEdition

    constituency = ctx["geography"]["constituency"]
    edition, _ = RegisterEdition.objects.get_or_create(
        constituency=constituency, published_on=datetime.date(2026, 12, 1)
    )
    castle_a = PollingDistrict.objects.get(code="CA")
    person = Person.objects.create(
        constituency=constituency, first_name="Ann", last_name="Lee", polling_district=castle_a
    )
    number = Elector.objects.count() + 1
    Elector.objects.create(
        constituency=constituency,
        polling_district=castle_a,
        number=number,
        edition=edition,
        person=person,
        surname="Lee",
        forenames="Ann",
    )
    return person


def _match(ctx):
    from members.models import MemberMatch, Membership, Person

    elector_person = _castle_person(ctx)
    member = Person.objects.create(
        constituency=ctx["geography"]["constituency"], first_name="A", last_name="Lee"
    )
    membership = Membership.objects.create(person=member, number=f"M{member.pk}")
    return MemberMatch.objects.create(
        membership=membership, elector=elector_person.elector_entries.get(), score=60
    ).pk


def _segment(ctx):
    from members.models import Segment

    return Segment.objects.create(
        constituency=ctx["geography"]["constituency"],
        name="Postal voters",
        filters={"markers": "A"},
    ).pk


EXPECTATIONS = {
    "members:import_list": Expect(only(*IMPORTERS)),
    "members:import_upload": Expect(only(*IMPORTERS), method="post"),
    "members:import_detail": Expect(
        only(*IMPORTERS, others=DENIED), kwargs=lambda ctx: {"pk": _batch(ctx)}
    ),
    "members:import_mapping": Expect(
        only(*IMPORTERS), kwargs=lambda ctx: {"pk": _batch(ctx, status="mapping")}
    ),
    "members:import_confirm_leavers": Expect(
        only(*IMPORTERS, others=DENIED),
        method="post",
        kwargs=lambda ctx: {"pk": _batch(ctx, status="confirm")},
    ),
    "members:elector_list": Expect(only(*READERS)),
    "members:elector_export": Expect(only(*READERS)),
    "members:people_list": Expect(only(*READERS)),
    "members:person_detail": Expect(
        only(*READERS), kwargs=lambda ctx: {"pk": _castle_person(ctx).pk}
    ),
    "members:segment_list": Expect(only(*READERS)),
    "members:segment_create": Expect(only(*READERS)),
    "members:segment_detail": Expect(only(*READERS), kwargs=lambda ctx: {"pk": _segment(ctx)}),
    "members:match_list": Expect(only(*IMPORTERS)),
    "members:person_review_clear": Expect(
        only(*IMPORTERS), method="post", kwargs=lambda ctx: {"pk": _castle_person(ctx).pk}
    ),
    "members:match_decide": Expect(
        only(*IMPORTERS), method="post", kwargs=lambda ctx: {"pk": _match(ctx)}
    ),
}
