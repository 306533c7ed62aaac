"""Permission rows for polling day's knockup pages (see tests/permission_matrix.py).

Organisers (CLP-wide, and the Castle ward area organiser for the Castle districts) run
knock-up and read the boards; a runner (here the Castle canvasser) opens only the list handed
to them; everyone logged in has a "My knock-up lists" page (empty unless handed one)."""

from clp.roles import RoleCode
from tests.permission_matrix import NOT_FOUND, Expect, everyone_logged_in, only

ORGANISERS = (RoleCode.ORGANISER, RoleCode.AREA_ORGANISER)
RUNNER = RoleCode.CANVASSER


def _election(ctx):
    if "knockup_election" not in ctx:
        from pollingday.tests.factories import election_today

        ctx["knockup_election"] = election_today(
            ctx["geography"], name="Matrix knock-up election"
        ).election
    return ctx["knockup_election"]


def _list(ctx):
    """A CA list handed to the canvasser."""
    from django.utils import timezone

    from members.models import PollingDistrict
    from pollingday.models import KnockUpList

    election = _election(ctx)
    knock_up_list, _ = KnockUpList.objects.get_or_create(
        election=election,
        name="Matrix knock-up list",
        defaults={
            "polling_district": PollingDistrict.objects.get(
                constituency=election.constituency, code="CA"
            ),
            "runner": ctx["users"][RUNNER],
            "handed_out_at": timezone.now(),
        },
    )
    return knock_up_list


def _room(ctx):
    from members.models import PollingDistrict
    from pollingday.models import CommitteeRoom

    election = _election(ctx)
    room, created = CommitteeRoom.objects.get_or_create(election=election, name="Matrix room")
    if created:
        room.polling_districts.set(
            PollingDistrict.objects.filter(constituency=election.constituency, code__in=["CA"])
        )
    return {"pk": election.pk, "room": room.pk}


def _election_pk(ctx):
    return {"pk": _election(ctx).pk}


def _list_pk(ctx):
    return {"pk": _list(ctx).pk}


def _organisers():
    return only(*ORGANISERS)


def _runner_and_organisers():
    return only(RUNNER, *ORGANISERS, others=NOT_FOUND)


EXPECTATIONS = {
    "pollingday:promises": Expect(_organisers(), kwargs=_election_pk),
    "pollingday:knockup_lists": Expect(_organisers(), kwargs=_election_pk),
    # An empty form: refused with a message and sent back to the lists, nothing cut.
    "pollingday:knockup_cut": Expect(_organisers(), method="post", kwargs=_election_pk),
    "pollingday:knockup_hand_out": Expect(_organisers(), method="post", kwargs=_list_pk),
    "pollingday:knockup_pdf": Expect(_organisers(), kwargs=_list_pk),
    "pollingday:knockup_voted": Expect(_runner_and_organisers(), kwargs=_list_pk),
    # Not JSON: a 400 in words, after access was granted.
    "pollingday:knockup_sync": Expect(_runner_and_organisers(), method="post", kwargs=_list_pk),
    "pollingday:my_knock_up_lists": Expect(everyone_logged_in()),
    "pollingday:knockup_run": Expect(_runner_and_organisers(), kwargs=_list_pk),
    "pollingday:committee_room_board": Expect(_organisers(), kwargs=_room),
    "pollingday:turnout": Expect(_organisers(), kwargs=_election_pk),
}
