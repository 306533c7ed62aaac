"""Polling stations and committee rooms: editing where each district votes, the flag for a
district with no station, and one committee room per district."""

import pytest
from django.urls import reverse

from clp.models import AuditEntry
from clp.roles import RoleCode
from members.models import PollingDistrict, PollingStation
from pollingday.models import CommitteeRoom

pytestmark = pytest.mark.django_db

NO_STATION = "CC has no polling station: tellers cannot take numbers for it"


def _station_form(client, election, station, **changes):
    url = reverse("pollingday:station_edit", args=[election.pk, station.pk])
    form = client.get(url).context["form"]
    data = {
        "name": form.initial["name"],
        "address": form.initial["address"],
        "postcode": form.initial["postcode"],
        "polling_districts": [d.pk for d in form.initial["polling_districts"]],
        "seen": form.initial["seen"],
    }
    data.update(changes)
    return client.post(url, data)


def test_organiser_corrects_a_station_and_moves_a_district_to_it(client_for, world):
    client = client_for(RoleCode.ORGANISER)
    castle = world.stations["Castle School"]
    d = world.districts
    response = _station_form(
        client,
        world.election,
        castle,
        name="Castle Primary School",
        address="1 Castle Street\nNorthbridge",
        postcode="nb1 1ab",
        polling_districts=[d["CA"].pk, d["CB"].pk, d["CC"].pk],
    )
    assert response.status_code == 302
    castle.refresh_from_db()
    assert (castle.name, castle.postcode) == ("Castle Primary School", "NB1 1AB")
    assert PollingDistrict.objects.get(code="CC").polling_station == castle
    entry = AuditEntry.objects.get(action="pollingday.polling_station_update")
    assert entry.details["districts_before"] == ["CA", "CB"]
    assert entry.details["districts"] == ["CA", "CB", "CC"]
    page = client.get(reverse("pollingday:station_list", args=[world.election.pk]))
    assert [s.name for s in page.context["stations"]] == [
        "Castle Primary School",
        "Riverside Library",
    ]


def test_a_district_left_without_a_station_is_flagged_in_words(client_for, world):
    client = client_for(RoleCode.ORGANISER)
    _station_form(client, world.election, world.stations["St Mary's Hall"], polling_districts=[])
    assert PollingDistrict.objects.get(code="CC").polling_station is None
    for name in ["station_list", "election_detail"]:
        page = client.get(reverse(f"pollingday:{name}", args=[world.election.pk]))
        assert NO_STATION in page.content.decode()


def test_organiser_adds_a_station_for_a_district(client_for, world):
    PollingDistrict.objects.filter(code="CC").update(polling_station=None)
    client = client_for(RoleCode.ORGANISER)
    response = client.post(
        reverse("pollingday:station_create", args=[world.election.pk]),
        {
            "name": "Castle Scout Hut",
            "address": "Mill Lane",
            "postcode": "NB1 9ZZ",
            "polling_districts": [world.districts["CC"].pk],
        },
    )
    assert response.status_code == 302
    hut = PollingStation.objects.get(name="Castle Scout Hut")
    assert hut.constituency == world.election.constituency
    assert PollingDistrict.objects.get(code="CC").polling_station == hut
    page = client.get(reverse("pollingday:station_list", args=[world.election.pk]))
    assert NO_STATION not in page.content.decode()
    assert AuditEntry.objects.filter(action="pollingday.polling_station_create").exists()


def test_a_station_needs_a_name(client_for, world):
    response = client_for(RoleCode.ORGANISER).post(
        reverse("pollingday:station_create", args=[world.election.pk]),
        {"name": "  ", "polling_districts": [world.districts["CC"].pk]},
    )
    assert response.status_code == 200 and "This field is required" in response.content.decode()


def test_area_organiser_edits_stations_of_their_districts_only(client_for, world):
    client = client_for(RoleCode.AREA_ORGANISER)
    riverside = world.stations["Riverside Library"]
    url = reverse("pollingday:station_edit", args=[world.election.pk, riverside.pk])
    assert client.get(url).status_code == 404
    castle = world.stations["Castle School"]
    form = client.get(
        reverse("pollingday:station_edit", args=[world.election.pk, castle.pk])
    ).context["form"]
    assert [d.code for d in form.fields["polling_districts"].queryset] == ["CA", "CB", "CC"]
    response = _station_form(
        client, world.election, castle, polling_districts=[world.districts["RA"].pk]
    )
    assert response.status_code == 200
    assert PollingDistrict.objects.get(code="RA").polling_station == riverside


def _room(client, election, url, **data):
    return client.post(url, {"name": "", "address": "", "phone": "", **data})


def test_a_district_is_run_from_one_committee_room(client_for, world):
    client = client_for(RoleCode.ORGANISER)
    d = world.districts
    create = reverse("pollingday:committee_room_create", args=[world.election.pk])
    response = _room(
        client,
        world.election,
        create,
        name="Castle Street",
        address="12 Castle Street",
        phone="01632 960001",
        polling_districts=[d["CA"].pk, d["CB"].pk],
    )
    assert response.status_code == 302
    castle = CommitteeRoom.objects.get(name="Castle Street")
    response = _room(
        client,
        world.election,
        create,
        name="Riverside",
        polling_districts=[d["CB"].pk, d["RA"].pk],
    )
    html = response.content.decode()
    assert "CB is already covered by Castle Street" in html
    assert not CommitteeRoom.objects.filter(name="Riverside").exists()
    _room(client, world.election, create, name="Riverside", polling_districts=[d["RA"].pk])
    edit = reverse("pollingday:committee_room_edit", args=[world.election.pk, castle.pk])
    seen = client.get(edit).context["form"].initial["seen"]
    response = _room(
        client,
        world.election,
        edit,
        name="Castle Street",
        polling_districts=[d["CA"].pk, d["RA"].pk],
        seen=seen,
    )
    assert "RA is already covered by Riverside" in response.content.decode()
    detail = client.get(reverse("pollingday:election_detail", args=[world.election.pk]))
    assert [r.name for r in detail.context["summary"]["rooms"]] == ["Castle Street", "Riverside"]


def test_area_organiser_changing_a_room_keeps_the_districts_outside_their_areas(
    client_for, users, world
):
    d = world.districts
    room = CommitteeRoom.objects.create(election=world.election, name="HQ")
    room.polling_districts.set([d["CA"], d["RA"]])
    client = client_for(RoleCode.AREA_ORGANISER)
    edit = reverse("pollingday:committee_room_edit", args=[world.election.pk, room.pk])
    form = client.get(edit).context["form"]
    assert [x.code for x in form.fields["polling_districts"].queryset] == ["CA", "CB", "CC"]
    response = _room(client, world.election, edit, name="HQ", polling_districts=[d["CB"].pk])
    assert response.status_code == 302
    assert sorted(room.polling_districts.values_list("code", flat=True)) == ["CB", "RA"]
    other = CommitteeRoom.objects.create(election=world.election, name="Riverside only")
    other.polling_districts.set([d["RB"]] if "RB" in d else [])
    url = reverse("pollingday:committee_room_edit", args=[world.election.pk, other.pk])
    assert client.get(url).status_code == 404
