"""Setting an election up: what it asks, what it refuses in words, and who may see it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clp.models import AuditEntry
from clp.roles import RoleCode
from conftest import make_user
from members.models import Constituency, Election, PollingDistrict, Ward
from pollingday.models import CommitteeRoom
from pollingday.services.setup import committee_room_save

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


def _form(geography, **changes):
    data = {
        "name": "County council 2027",
        "kind": "local",
        "constituency": geography["constituency"].pk,
        "polls_on": TOMORROW.isoformat(),
        "opens_at": "07:00",
        "closes_at": "22:00",
        "promise_min_strength": "4",
        "undecided_min_strength": "",
        "compare_with": "",
    }
    data.update(changes)
    return data


def _codes(election):
    return sorted(election.polling_districts.values_list("code", flat=True))


def test_organiser_sets_up_an_election_with_a_whole_ward_and_a_single_district(
    client_for, geography
):
    client = client_for(RoleCode.ORGANISER)
    ra = PollingDistrict.objects.get(code="RA")
    response = client.post(
        reverse("pollingday:election_create"),
        _form(geography, wards=[geography["wards"]["Castle"].pk], polling_districts=[ra.pk]),
    )
    election = Election.objects.get(name="County council 2027")
    assert response.url == reverse("pollingday:election_detail", args=[election.pk])
    assert _codes(election) == ["CA", "CB", "CC", "RA"]
    assert (election.opens_at, election.closes_at) == (datetime.time(7), datetime.time(22))
    assert election.promise_min_strength == 4 and election.undecided_min_strength is None
    assert AuditEntry.objects.filter(
        action="pollingday.election_create", target_id=str(election.pk)
    ).exists()


def test_the_form_offers_polling_hours_and_districts_grouped_by_ward(client_for, geography):
    page = client_for(RoleCode.ORGANISER).get(reverse("pollingday:election_create"))
    html = page.content.decode()
    assert 'value="07:00"' in html and 'value="22:00"' in html
    assert "All of Castle" in html and "All of Calder Vale" in html
    assert html.index("Castle ward") < html.index("CA Castle A") < html.index("Riverside ward")


def test_an_election_without_districts_is_refused_in_words(client_for, geography):
    response = client_for(RoleCode.ORGANISER).post(
        reverse("pollingday:election_create"), _form(geography)
    )
    assert response.status_code == 200
    assert "Choose the polling districts that vote in this election." in response.content.decode()
    assert not Election.objects.exists()


def test_polls_must_close_after_they_open(client_for, geography):
    ca = PollingDistrict.objects.get(code="CA")
    response = client_for(RoleCode.ORGANISER).post(
        reverse("pollingday:election_create"),
        _form(geography, polling_districts=[ca.pk], opens_at="22:00", closes_at="07:00"),
    )
    assert "The polls must close after they open." in response.content.decode()
    assert not Election.objects.exists()


def test_a_past_polling_day_is_kept_as_an_earlier_election_with_a_warning(client_for, geography):
    ca = PollingDistrict.objects.get(code="CA")
    response = client_for(RoleCode.ORGANISER).post(
        reverse("pollingday:election_create"),
        _form(geography, polling_districts=[ca.pk], polls_on="2024-07-04", name="GE 2024"),
        follow=True,
    )
    assert "is in the past: this is kept as an earlier election" in response.content.decode()
    assert Election.objects.get(name="GE 2024").polls_on == datetime.date(2024, 7, 4)


def test_turnout_is_compared_only_with_an_earlier_election(client_for, world):
    later = Election.objects.create(
        constituency=world.election.constituency,
        name="Later",
        kind="local",
        polls_on=TOMORROW + datetime.timedelta(days=30),
    )
    client = client_for(RoleCode.ORGANISER)
    ca = world.districts["CA"]
    response = client.post(
        reverse("pollingday:election_create"),
        _form(
            {"constituency": world.election.constituency},
            polling_districts=[ca.pk],
            compare_with=later.pk,
        ),
    )
    assert "was not before this polling day" in response.content.decode()
    response = client.post(
        reverse("pollingday:election_create"),
        _form(
            {"constituency": world.election.constituency},
            name="Much later",
            polls_on=(TOMORROW + datetime.timedelta(days=60)).isoformat(),
            polling_districts=[ca.pk],
            compare_with=later.pk,
            undecided_min_strength="3",
        ),
    )
    election = Election.objects.get(name="Much later")
    assert election.compare_with == later and election.undecided_min_strength == 3


def test_two_elections_of_a_constituency_cannot_share_a_name(client_for, world):
    response = client_for(RoleCode.ORGANISER).post(
        reverse("pollingday:election_create"),
        _form(
            {"constituency": world.election.constituency},
            name="general election",
            polling_districts=[world.districts["CA"].pk],
        ),
    )
    assert "There is already an election called" in response.content.decode()


def test_editing_takes_dropped_districts_out_of_committee_rooms(client_for, users, world):
    organiser = users[RoleCode.ORGANISER]
    districts = [world.districts["CA"], world.districts["RA"]]
    room = committee_room_save(
        actor=organiser,
        election=world.election,
        room=None,
        name="HQ",
        address="",
        phone="",
        districts=districts,
        choosable=districts,
    )
    election = world.election
    client = client_for(RoleCode.ORGANISER)
    form = client.get(reverse("pollingday:election_edit", args=[election.pk])).context["form"]
    data = _form(
        {"constituency": election.constituency},
        name="General election",
        polls_on=election.polls_on.isoformat(),
        kind="parliamentary",
        polling_districts=[world.districts[c].pk for c in ("CA", "CB", "CC")],
        seen=form.initial["seen"],
    )
    response = client.post(reverse("pollingday:election_edit", args=[election.pk]), data)
    assert response.status_code == 302
    assert _codes(election) == ["CA", "CB", "CC"]
    assert list(room.polling_districts.values_list("code", flat=True)) == ["CA"]
    # The same form sent again, after the save, is refused rather than overwriting it.
    response = client.post(reverse("pollingday:election_edit", args=[election.pk]), data)
    assert "Someone else changed this since you opened it" in response.content.decode()


def test_area_organiser_opens_the_election_but_sees_only_their_districts(client_for, world):
    client = client_for(RoleCode.AREA_ORGANISER)
    detail = client.get(reverse("pollingday:election_detail", args=[world.election.pk]))
    summary = detail.context["summary"]
    assert [d.code for d in summary["districts"]] == ["CA", "CB", "CC"]
    assert summary["stations"] == 2
    html = detail.content.decode()
    assert "Riverside Library" not in html and "Edit the election" not in html
    stations = client.get(reverse("pollingday:station_list", args=[world.election.pk]))
    assert [s.name for s in stations.context["stations"]] == ["Castle School", "St Mary's Hall"]
    assert client.get(reverse("pollingday:election_create")).status_code == 403
    assert (
        client.get(reverse("pollingday:election_edit", args=[world.election.pk])).status_code == 403
    )
    (listed,) = client.get(reverse("pollingday:election_list")).context["upcoming"]
    assert listed == world.election and listed.districts == 3  # not Riverside's RA


def test_an_election_of_another_constituency_is_not_found(client_for, world):
    other = Constituency.objects.create(name="Elsewhere")
    ward = Ward.objects.create(constituency=other, name="Far")
    PollingDistrict.objects.create(constituency=other, ward=ward, code="ZZ")
    theirs = Election.objects.create(
        constituency=other, name="Their election", kind="local", polls_on=TOMORROW
    )
    make_user(RoleCode.ORGANISER, other, email="them@test.example")
    client = client_for(RoleCode.ORGANISER)
    for name in ["election_detail", "election_edit", "station_list", "shift_list"]:
        assert client.get(reverse(f"pollingday:{name}", args=[theirs.pk])).status_code == 404
    assert "Their election" not in client.get(reverse("pollingday:election_list")).content.decode()
    # Nor can their districts be slipped into one of ours.
    zz = PollingDistrict.objects.get(code="ZZ")
    response = client.post(
        reverse("pollingday:election_create"),
        _form({"constituency": world.election.constituency}, polling_districts=[zz.pk]),
    )
    assert response.status_code == 200 and not Election.objects.filter(name="County council 2027")
    assert CommitteeRoom.objects.count() == 0
