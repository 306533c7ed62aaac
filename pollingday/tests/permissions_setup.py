"""Permission rows for polling day's setup pages (see tests/permission_matrix.py).

Organisers (CLP-wide and the area organiser of Castle ward) work the election; only the
CLP-wide organiser sets one up or changes it. Every volunteer, whatever their role, sees and
signs up for shifts."""

import datetime

from clp.roles import RoleCode
from tests.permission_matrix import DENIED, Expect, everyone_logged_in, only

ORGANISERS = (RoleCode.ORGANISER, RoleCode.AREA_ORGANISER)
NAME = "Matrix set-up election"


def _election(ctx):
    from django.utils import timezone

    from members.models import Election, PollingDistrict

    geography = ctx["geography"]
    election, created = Election.objects.get_or_create(
        constituency=geography["constituency"],
        name=NAME,
        defaults={"kind": Election.Kind.LOCAL, "polls_on": timezone.localdate()},
    )
    if created:
        election.polling_districts.set(
            PollingDistrict.objects.filter(code__in=["CA", "CB", "CC", "RA"])
        )
    return election


def _station(ctx):
    """A station where no district votes yet: the area organiser may give it theirs."""
    from members.models import PollingStation

    station, _ = PollingStation.objects.get_or_create(
        constituency=ctx["geography"]["constituency"], name="Matrix set-up station"
    )
    return station


def _room(ctx):
    from members.models import PollingDistrict
    from pollingday.models import CommitteeRoom

    room, created = CommitteeRoom.objects.get_or_create(election=_election(ctx), name="Matrix room")
    if created:
        room.polling_districts.set([PollingDistrict.objects.get(code="CA")])
    return room


def _shift(ctx):
    """A knocking-up shift from the Castle room, with room for everyone."""
    from pollingday.models import Shift

    election = _election(ctx)
    shift, _ = Shift.objects.get_or_create(
        election=election,
        kind=Shift.Kind.KNOCKER,
        committee_room=_room(ctx),
        starts_at=election.on_polling_day(datetime.time(16)),
        ends_at=election.on_polling_day(datetime.time(22)),
        defaults={"wanted": 20},
    )
    return shift


def _nobody_on_it(ctx):
    from pollingday.models import ShiftSignup

    ShiftSignup.objects.filter(shift=_shift(ctx)).delete()


def _member_on_it(ctx):
    from pollingday.models import ShiftSignup

    ShiftSignup.objects.get_or_create(shift=_shift(ctx), user=ctx["users"][RoleCode.MEMBER])


def _unassign_kwargs(ctx):
    _member_on_it(ctx)
    return {"pk": _shift(ctx).pk, "user": ctx["users"][RoleCode.MEMBER].pk}


def _pk(make):
    return lambda ctx: {"pk": make(ctx).pk}


def _organisers():
    return only(*ORGANISERS)


EXPECTATIONS = {
    # Organisers
    "pollingday:election_list": Expect(_organisers()),
    "pollingday:election_create": Expect(only(RoleCode.ORGANISER)),
    "pollingday:election_detail": Expect(_organisers(), kwargs=_pk(_election)),
    "pollingday:election_edit": Expect(only(RoleCode.ORGANISER), kwargs=_pk(_election)),
    "pollingday:station_list": Expect(_organisers(), kwargs=_pk(_election)),
    "pollingday:station_create": Expect(_organisers(), kwargs=_pk(_election)),
    "pollingday:station_edit": Expect(
        _organisers(), kwargs=lambda ctx: {"pk": _election(ctx).pk, "station": _station(ctx).pk}
    ),
    "pollingday:committee_room_create": Expect(_organisers(), kwargs=_pk(_election)),
    "pollingday:committee_room_edit": Expect(
        _organisers(), kwargs=lambda ctx: {"pk": _election(ctx).pk, "room": _room(ctx).pk}
    ),
    "pollingday:shift_list": Expect(_organisers(), kwargs=_pk(_election)),
    "pollingday:shift_rota_make": Expect(_organisers(), method="post", kwargs=_pk(_election)),
    "pollingday:shift_create": Expect(_organisers(), kwargs=_pk(_election)),
    "pollingday:shift_edit": Expect(_organisers(), kwargs=_pk(_shift)),
    "pollingday:shift_assign": Expect(
        _organisers(),
        method="post",
        kwargs=_pk(_shift),
        data=lambda ctx: {"volunteer": ctx["users"][RoleCode.MEMBER].pk},
        reset=_nobody_on_it,
    ),
    "pollingday:shift_unassign": Expect(
        only(*ORGANISERS, others=DENIED),
        method="post",
        kwargs=_unassign_kwargs,
        reset=_member_on_it,
    ),
    # Volunteers: anyone holding a role in the constituency
    "pollingday:my_shifts": Expect(everyone_logged_in()),
    "pollingday:shift_signup": Expect(
        everyone_logged_in(), method="post", kwargs=_pk(_shift), reset=_nobody_on_it
    ),
    "pollingday:shift_cancel": Expect(everyone_logged_in(), method="post", kwargs=_pk(_shift)),
}
