"""Knock-up lists: cut by street in walk order round by round, handed to runners; the runner's
page hides whoever has voted; knocks sync once each and are contacts; the printed sheet."""

import datetime
import json
import re
import subprocess
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clp.models import AuditEntry, User
from clp.roles import RoleCode
from members.models import Channel, Contact, Outcome
from pollingday.models import Knock, KnockUpList, Shift, ShiftSignup
from pollingday.services.knockup import knockup_list_hand_out, knockup_lists_cut
from pollingday.tests.factories import LABOUR, add_electors
from pollingday.tests.test_promises import postal, tell

pytestmark = pytest.mark.django_db


def _cut(world, users, code="CA", doors=40):
    return knockup_lists_cut(
        actor=users[RoleCode.ORGANISER],
        election=world.election,
        polling_district=world.districts[code],
        doors=doors,
    )


def _entries(knock_up_list):
    return [
        (e.elector.property.street.name, e.elector.number)
        for e in knock_up_list.entries.select_related("elector__property__street")
    ]


def _runner(world, email="runner@test.example"):
    user = User.objects.create_user(email, "correct horse battery")
    shift = Shift.objects.create(
        election=world.election,
        kind=Shift.Kind.KNOCKER,
        starts_at=timezone.now(),
        ends_at=timezone.now() + datetime.timedelta(hours=3),
    )
    ShiftSignup.objects.create(shift=shift, user=user)
    return user


# --- cutting -----------------------------------------------------------------------------------


def test_a_cut_takes_the_promises_who_have_not_voted_by_street_in_walk_order(world, users):
    ca = world.districts["CA"]
    mill = add_electors(ca, 6, street_name="Mill Lane", intention=LABOUR, strength=5)
    add_electors(ca, 4, street_name="Abbey Road", first_number=20, intention=LABOUR, strength=5)
    add_electors(ca, 2, street_name="Abbey Road", first_number=40)  # not promises
    tell(world, mill[2])  # number 3 has voted
    postal(world, mill[3])  # number 4's postal vote is back
    (only,) = _cut(world, users)
    # Abbey Road before Mill Lane; up the odd side, back down the even side.
    assert _entries(only) == [
        ("Abbey Road", 21),
        ("Abbey Road", 23),
        ("Abbey Road", 22),
        ("Abbey Road", 20),
        ("Mill Lane", 1),
        ("Mill Lane", 5),
        ("Mill Lane", 6),
        ("Mill Lane", 2),
    ]
    assert list(only.entries.values_list("position", flat=True)) == list(range(1, 9))
    assert only.round == 1
    assert sorted(only.streets.values_list("name", flat=True)) == ["Abbey Road", "Mill Lane"]
    assert AuditEntry.objects.filter(action="pollingday.knock_up.cut").count() == 1


def test_a_cut_makes_lists_of_the_chosen_number_of_doors(world, users):
    add_electors(world.districts["CA"], 10, intention=LABOUR, strength=5)
    lists = _cut(world, users, doors=4)
    assert [lst.entries.count() for lst in lists] == [4, 4, 2]
    assert [lst.name.split(":")[0] for lst in lists] == [
        "CA round 1 · 1",
        "CA round 1 · 2",
        "CA round 1 · 3",
    ]


def test_cutting_again_starts_a_new_round_without_who_has_voted_since(world, users):
    electors = add_electors(world.districts["CA"], 5, intention=LABOUR, strength=5)
    add_electors(world.districts["CB"], 2, first_number=50, intention=LABOUR, strength=5)
    (first,) = _cut(world, users)
    (other_district,) = _cut(world, users, code="CB")
    knockup_list_hand_out(
        actor=users[RoleCode.ORGANISER], knock_up_list=first, runner=_runner(world)
    )
    tell(world, electors[0])
    tell(world, electors[3])
    (second,) = _cut(world, users)
    assert second.round == 2
    assert [n for _s, n in _entries(second)] == [3, 5, 2]
    first.refresh_from_db()
    other_district.refresh_from_db()
    assert first.returned_at is not None  # taken back from its runner
    assert other_district.returned_at is None  # another district's round is untouched
    (third,) = _cut(world, users)
    assert third.round == 3


def test_a_district_where_every_promise_voted_cuts_no_lists(world, users, client):
    (elector,) = add_electors(world.districts["CA"], 1, intention=LABOUR, strength=5)
    tell(world, elector)
    client.force_login(users[RoleCode.ORGANISER])
    response = client.post(
        reverse("pollingday:knockup_cut", args=[world.election.pk]),
        {"polling_district": world.districts["CA"].pk, "doors": 40},
        follow=True,
    )
    assert "has voted" in response.content.decode()
    assert not KnockUpList.objects.exists()


def test_an_area_organiser_cannot_cut_another_wards_district(world, users, client):
    add_electors(world.districts["RA"], 3, intention=LABOUR, strength=5)
    client.force_login(users[RoleCode.AREA_ORGANISER])
    response = client.post(
        reverse("pollingday:knockup_cut", args=[world.election.pk]),
        {"polling_district": world.districts["RA"].pk, "doors": 40},
        follow=True,
    )
    assert "Choose one of your polling districts." in response.content.decode()
    assert not KnockUpList.objects.exists()


# --- handing out -------------------------------------------------------------------------------


def test_an_organiser_hands_a_list_to_a_runner_on_shift_and_takes_it_back(world, users, client):
    add_electors(world.districts["CA"], 3, intention=LABOUR, strength=5)
    (knock_up_list,) = _cut(world, users)
    runner = _runner(world)
    stranger = User.objects.create_user("stranger@test.example", "x")
    client.force_login(users[RoleCode.ORGANISER])
    page = client.get(reverse("pollingday:knockup_lists", args=[world.election.pk]))
    assert "runner@test.example" in page.content.decode()
    assert "stranger@test.example" not in page.content.decode()
    url = reverse("pollingday:knockup_hand_out", args=[knock_up_list.pk])
    response = client.post(url, {"runner": stranger.pk}, follow=True)
    assert "Choose a volunteer from the list." in response.content.decode()
    client.post(url, {"runner": runner.pk})
    knock_up_list.refresh_from_db()
    assert knock_up_list.runner == runner and knock_up_list.handed_out_at
    client.force_login(runner)
    mine = client.get(reverse("pollingday:my_knock_up_lists"))
    assert knock_up_list.name in mine.content.decode()
    client.force_login(users[RoleCode.ORGANISER])
    client.post(url, {"take_back": "1"})
    knock_up_list.refresh_from_db()
    assert knock_up_list.returned_at is not None
    client.force_login(runner)
    assert client.get(reverse("pollingday:knockup_run", args=[knock_up_list.pk])).status_code == 404


def test_a_canvasser_covering_the_district_may_run_a_list(world, users):
    from pollingday.access_knockup import runners_for

    runners = set(runners_for(world.election, world.districts["CA"]))
    assert users[RoleCode.CANVASSER] in runners  # Castle ward canvasser
    assert users[RoleCode.TELLER] in runners  # teller in CA
    assert users[RoleCode.CALLER] not in runners
    assert users[RoleCode.TELLER] not in set(runners_for(world.election, world.districts["CB"]))


# --- the runner's page -------------------------------------------------------------------------


def _handed(world, users, count, runner=None):
    electors = add_electors(world.districts["CA"], count, intention=LABOUR, strength=5)
    (knock_up_list,) = _cut(world, users, doors=500)
    runner = runner or _runner(world)
    knockup_list_hand_out(
        actor=users[RoleCode.ORGANISER], knock_up_list=knock_up_list, runner=runner
    )
    return electors, knock_up_list, runner


def test_the_runners_page_hides_who_has_voted_and_says_how_many(world, users, client):
    electors, knock_up_list, runner = _handed(world, users, 4)
    tell(world, electors[1])
    client.force_login(runner)
    url = reverse("pollingday:knockup_run", args=[knock_up_list.pk])
    page = client.get(url).content.decode()
    assert electors[0].forenames in page and electors[1].forenames not in page
    assert "1 voted since you set out" in page
    voted_url = reverse("pollingday:knockup_voted", args=[knock_up_list.pk])
    assert client.get(voted_url).json()["voted"] == [electors[1].pk]
    tell(world, electors[2])
    assert sorted(client.get(voted_url).json()["voted"]) == [electors[1].pk, electors[2].pk]
    assert electors[2].forenames not in client.get(url).content.decode()


def test_a_runner_sees_only_lists_handed_to_them(world, users, client):
    _electors, knock_up_list, _runner_user = _handed(world, users, 2)
    other = _runner(world, "other@test.example")
    client.force_login(other)
    for name in ("knockup_run", "knockup_voted"):
        assert client.get(reverse(f"pollingday:{name}", args=[knock_up_list.pk])).status_code == 404
    assert (
        knock_up_list.name
        not in client.get(reverse("pollingday:my_knock_up_lists")).content.decode()
    )


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_runners_page_and_voted_feed_take_the_same_queries_whatever_the_lists_length(
    world, users, client
):
    _e, small, runner = _handed(world, users, 3)
    big_electors = add_electors(
        world.districts["CB"], 60, street_name="Long Road", intention=LABOUR, strength=5
    )
    (big,) = _cut(world, users, code="CB", doors=500)
    knockup_list_hand_out(actor=users[RoleCode.ORGANISER], knock_up_list=big, runner=runner)
    for elector in big_electors[:10]:
        tell(world, elector)
    client.force_login(runner)
    for name in ("knockup_run", "knockup_voted"):
        small_n = _queries(client, reverse(f"pollingday:{name}", args=[small.pk]))
        big_n = _queries(client, reverse(f"pollingday:{name}", args=[big.pk]))
        assert small_n == big_n, name


# --- sync ----------------------------------------------------------------------------------------


def _event(elector, outcome=Outcome.SPOKE, **extra):
    return {
        "id": str(uuid.uuid4()),
        "elector": elector.pk,
        "outcome": outcome,
        "recorded_at": timezone.now().isoformat(),
        "note": "",
        **extra,
    }


def test_sync_stores_each_knock_once_with_its_contact(world, users, client):
    electors, knock_up_list, runner = _handed(world, users, 3)
    client.force_login(runner)
    url = reverse("pollingday:knockup_sync", args=[knock_up_list.pk])
    events = [_event(electors[0]), _event(electors[1], Outcome.WANTS_LIFT, note="After 5")]
    body = json.dumps({"knocks": events})
    first = client.post(url, body, content_type="application/json").json()
    assert sorted(first["accepted"]) == sorted(e["id"] for e in events)
    again = client.post(url, body, content_type="application/json").json()
    assert again["accepted"] == [] and sorted(again["duplicates"]) == sorted(
        e["id"] for e in events
    )
    assert Knock.objects.count() == 2
    knock = Knock.objects.get(pk=events[1]["id"])
    assert (knock.outcome, knock.note, knock.recorded_by) == (Outcome.WANTS_LIFT, "After 5", runner)
    contacts = Contact.objects.filter(source="pollingday.knock")
    assert contacts.count() == 2
    contact = contacts.get(source_id=events[1]["id"])
    assert (contact.channel, contact.outcome, contact.person_id) == (
        Channel.KNOCK_UP,
        Outcome.WANTS_LIFT,
        electors[1].person_id,
    )


def test_sync_refuses_bad_knocks_with_reasons_and_keeps_the_good(world, users, client):
    electors, knock_up_list, runner = _handed(world, users, 2)
    stranger = add_electors(world.districts["CB"], 1, first_number=90)[0]
    client.force_login(runner)
    good = _event(electors[0], Outcome.ALREADY_VOTED)
    bad = [
        _event(stranger),
        _event(electors[1], "S!"),
        _event(electors[1], recorded_at="yesterday"),
        {"id": "not-a-uuid", "elector": electors[1].pk, "outcome": "S"},
    ]
    result = client.post(
        reverse("pollingday:knockup_sync", args=[knock_up_list.pk]),
        json.dumps({"knocks": [good, *bad]}),
        content_type="application/json",
    ).json()
    assert result["accepted"] == [good["id"]]
    reasons = [r["error"] for r in result["rejected"]]
    assert reasons == [
        "This person is not on this knock-up list.",
        "That is not something that can happen on a knock-up.",
        "The phone did not say when this knock was.",
        "This knock has no proper id.",
    ]
    # "Says they have voted": they leave the runner's list.
    voted = client.get(reverse("pollingday:knockup_voted", args=[knock_up_list.pk])).json()
    assert voted["voted"] == [electors[0].pk]


def test_sync_that_is_not_json_is_refused_in_words(world, users, client):
    _e, knock_up_list, runner = _handed(world, users, 1)
    client.force_login(runner)
    response = client.post(
        reverse("pollingday:knockup_sync", args=[knock_up_list.pk]),
        "{nope",
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json() == {"error": "Not valid JSON."}


# --- the printed sheet -------------------------------------------------------------------------


def test_the_knock_up_sheet_shows_the_time_printed_and_only_who_had_not_voted(
    world, users, client, tmp_path
):
    electors = add_electors(
        world.districts["CA"], 3, street_name="Mill Lane", intention=LABOUR, strength=5
    )
    add_electors(
        world.districts["CA"],
        1,
        street_name="Abbey Road",
        first_number=30,
        intention=LABOUR,
        strength=5,
    )
    (knock_up_list,) = _cut(world, users)
    tell(world, electors[1])
    client.force_login(users[RoleCode.ORGANISER])
    response = client.get(reverse("pollingday:knockup_pdf", args=[knock_up_list.pk]))
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(  # noqa: S603
        ["/usr/bin/pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    printed = timezone.localtime()
    shown = re.search(r"Printed (\d+ \w+ \d{4}) at (\d\d:\d\d)", text)
    assert shown and shown.group(1) == f"{printed:%-d %b %Y}"
    assert shown.group(2) in {f"{printed - datetime.timedelta(minutes=m):%H:%M}" for m in (0, 1)}
    assert "round 1" in text
    assert electors[0].forenames in text and electors[2].forenames in text
    assert electors[1].forenames not in text
    assert "CA-1" in text
    assert text.index("Abbey Road") < text.index("Mill Lane")
    assert AuditEntry.objects.filter(action="read:pollingday.knockup_sheet").exists()


def test_a_list_from_an_earlier_round_cannot_be_handed_out_again(world, users, client):
    add_electors(world.districts["CA"], 2, intention=LABOUR, strength=5)
    (old,) = _cut(world, users)
    _cut(world, users)
    runner = _runner(world)
    client.force_login(users[RoleCode.ORGANISER])
    response = client.post(
        reverse("pollingday:knockup_hand_out", args=[old.pk]), {"runner": runner.pk}, follow=True
    )
    assert "round 2 has been cut since" in response.content.decode()
    old.refresh_from_db()
    assert old.runner is None


def test_a_cut_for_a_committee_room_must_be_one_of_its_districts(world, users, client):
    from pollingday.models import CommitteeRoom

    add_electors(world.districts["CA"], 2, intention=LABOUR, strength=5)
    room = CommitteeRoom.objects.create(election=world.election, name="Riverside Room")
    room.polling_districts.set([world.districts["RA"]])
    client.force_login(users[RoleCode.ORGANISER])
    response = client.post(
        reverse("pollingday:knockup_cut", args=[world.election.pk]),
        {"polling_district": world.districts["CA"].pk, "doors": 40, "committee_room": room.pk},
        follow=True,
    )
    assert "Riverside Room does not cover polling district CA." in response.content.decode()
    assert not KnockUpList.objects.exists()
