"""Permission rows for polling day's telling pages (see tests/permission_matrix.py).

The matrix's teller holds the role over district CA, which votes at Castle School; the
organisers cover it too. Anyone else is not told the station exists (404)."""

from clp.roles import RoleCode
from tests.permission_matrix import DENIED, NOT_FOUND, Expect, everyone_logged_in, only

TELLING = (RoleCode.TELLER, RoleCode.ORGANISER, RoleCode.AREA_ORGANISER)


def _station(ctx):
    """Today's election in the test world, and Castle School (districts CA and CB)."""
    if "telling_world" not in ctx:
        from pollingday.tests.factories import election_today

        ctx["telling_world"] = election_today(ctx["geography"], name="Matrix telling")
    world = ctx["telling_world"]
    return {"election": world.election.pk, "station": world.stations["Castle School"].pk}


def _tellers_only(anonymous="login"):
    answers = only(*TELLING, others=NOT_FOUND)
    if anonymous != "login":
        answers["anonymous"] = anonymous
    return answers


EXPECTATIONS = {
    # Anyone may open the chooser: it lists only the stations they may tell at (a volunteer
    # with a telling shift holds no role).
    "pollingday:tell_choose": Expect(everyone_logged_in()),
    "pollingday:tell": Expect(_tellers_only(), kwargs=_station),
    # A phone whose login ran out is answered in JSON ("log in again"), not sent to a page.
    "pollingday:tell_sync": Expect(_tellers_only(anonymous=DENIED), method="post", kwargs=_station),
    "pollingday:tell_lookup": Expect(
        _tellers_only(), kwargs=_station, data=lambda ctx: {"surname": "Smith"}
    ),
}
