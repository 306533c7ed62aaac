"""Who may open each members page (see tests/permission_matrix.py)."""

import datetime

from clp.roles import RoleCode
from tests.permission_matrix import DENIED, NOT_FOUND, Expect, only

IMPORTERS = (RoleCode.IT_MANAGER, RoleCode.ORGANISER)
READERS = (RoleCode.IT_MANAGER, RoleCode.ORGANISER, RoleCode.AREA_ORGANISER)
# People are edited by organisers and area organisers (in their areas), not the IT manager.
EDITORS = (RoleCode.ORGANISER, RoleCode.AREA_ORGANISER)
# A segment nobody in particular made: the CLP organiser's to change; an area organiser may
# change only their own.
SEGMENT_EDITORS = {**only(RoleCode.ORGANISER), RoleCode.AREA_ORGANISER: NOT_FOUND}


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

    return Segment.objects.get_or_create(
        constituency=ctx["geography"]["constituency"],
        name="Postal voters",
        defaults={"filters": {"markers": "A"}},
    )[0].pk


def _castle_email(ctx):
    from members.models import ContactEmail

    person = _castle_person(ctx)
    email = ContactEmail.objects.create(person=person, address=f"ann{person.pk}@example.org")
    ctx.setdefault("emails", []).append(email)
    return {"pk": person.pk, "kind": "email", "contact_pk": email.pk}


def _put_emails_back(ctx):
    """Removing an email address is allowed once: put it back for the next role."""
    from members.models import ContactEmail

    for email in ctx.get("emails", []):
        if not ContactEmail.objects.filter(pk=email.pk).exists():
            email.save(force_insert=True)


def _question(ctx):
    from members.models import Question

    return Question.objects.get_or_create(
        constituency=ctx["geography"]["constituency"],
        key="matrix-postal-vote",
        defaults={"text": "Would you like a postal vote?", "kind": Question.Kind.YES_NO},
    )[0].pk


def _new_ward(ctx):
    from members.models import Ward

    return {"name": f"New ward {Ward.objects.count()}"}


EXPECTATIONS = {
    "members:import_list": Expect(only(*IMPORTERS)),
    "members:import_upload": Expect(only(*IMPORTERS), method="post"),
    # Phone lists: organisers only, for the people in the constituencies they organise.
    "members:phone_list_import": Expect(only(RoleCode.ORGANISER)),
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
    "members:import_create_districts": Expect(
        only(*IMPORTERS, others=DENIED),
        method="post",
        kwargs=lambda ctx: {"pk": _batch(ctx, status="confirm")},
    ),
    # Organisers and the IT manager change the geography; area organisers read their areas'.
    "members:geography": Expect(only(*READERS)),
    "members:geography_add": Expect(
        only(*IMPORTERS), method="post", kwargs=lambda ctx: {"kind": "ward"}, data=_new_ward
    ),
    "members:geography_change": Expect(
        only(*IMPORTERS),
        method="post",
        kwargs=lambda ctx: {
            "kind": "ward",
            "pk": ctx["geography"]["wards"]["Castle"].pk,
            "action": "rename",
        },
        data=lambda ctx: {"name": "Castle"},
    ),
    "members:elector_list": Expect(only(*READERS)),
    "members:elector_export": Expect(only(*READERS)),
    "members:people_list": Expect(only(*READERS)),
    "members:person_detail": Expect(
        only(*READERS), kwargs=lambda ctx: {"pk": _castle_person(ctx).pk}
    ),
    "members:person_edit": Expect(
        only(*EDITORS), kwargs=lambda ctx: {"pk": _castle_person(ctx).pk}
    ),
    "members:membership_edit": Expect(
        only(*EDITORS), kwargs=lambda ctx: {"pk": _castle_person(ctx).pk}
    ),
    "members:person_contact_add": Expect(
        only(*EDITORS), kwargs=lambda ctx: {"pk": _castle_person(ctx).pk, "kind": "phone"}
    ),
    "members:person_contact_edit": Expect(only(*EDITORS), kwargs=_castle_email),
    "members:person_contact_remove": Expect(
        only(*EDITORS),
        method="post",
        kwargs=_castle_email,
        data=lambda ctx: {"version": 1},
        reset=_put_emails_back,
    ),
    "members:segment_list": Expect(only(*READERS)),
    "members:segment_create": Expect(only(*READERS)),
    "members:segment_detail": Expect(only(*READERS), kwargs=lambda ctx: {"pk": _segment(ctx)}),
    "members:segment_export": Expect(only(*READERS), kwargs=lambda ctx: {"pk": _segment(ctx)}),
    "members:segment_edit": Expect(SEGMENT_EDITORS, kwargs=lambda ctx: {"pk": _segment(ctx)}),
    "members:segment_delete": Expect(SEGMENT_EDITORS, kwargs=lambda ctx: {"pk": _segment(ctx)}),
    # The question bank: read where segments are read, changed by the CLP organiser.
    "members:question_list": Expect(only(*READERS)),
    "members:question_create": Expect(only(RoleCode.ORGANISER)),
    "members:question_edit": Expect(
        only(RoleCode.ORGANISER), kwargs=lambda ctx: {"pk": _question(ctx)}
    ),
    "members:match_list": Expect(only(*IMPORTERS)),
    "members:person_review_clear": Expect(
        only(*IMPORTERS), method="post", kwargs=lambda ctx: {"pk": _castle_person(ctx).pk}
    ),
    "members:match_decide": Expect(
        only(*IMPORTERS), method="post", kwargs=lambda ctx: {"pk": _match(ctx)}
    ),
}
