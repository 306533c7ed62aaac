"""The teller's pages: who may open which station, the sync endpoint, the lookup."""

import datetime
import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clp.models import AuditEntry
from clp.roles import RoleCode
from conftest import make_user
from members.models import Constituency, Election, Elector
from pollingday.models import Shift, ShiftSignup, Telling
from pollingday.tests.factories import add_electors

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(world):
    """The world's election, open all day so that the tests pass whenever they run."""
    world.election.opens_at = datetime.time(0, 0)
    world.election.closes_at = datetime.time(23, 59)
    world.election.save(update_fields=["opens_at", "closes_at"])
    add_electors(world.districts["CA"], 30)
    add_electors(world.districts["CB"], 3, street_name="Mill Lane")
    add_electors(world.districts["CC"], 3, street_name="Church Road")
    return world


def _urls(world, station_name="Castle School"):
    args = [world.election.pk, world.stations[station_name].pk]
    return {
        "page": reverse("pollingday:tell", args=args),
        "sync": reverse("pollingday:tell_sync", args=args),
        "lookup": reverse("pollingday:tell_lookup", args=args),
    }


def _sync(client, url, entries):
    return client.post(url, json.dumps({"entries": entries}), content_type="application/json")


def _entries(texts, district="CA"):
    now = timezone.now().isoformat()
    return [
        {"id": str(uuid.uuid4()), "text": t, "district": district, "told_at": now} for t in texts
    ]


def test_a_teller_chooses_their_station_from_today_s_elections(client, day, users):
    client.force_login(users[RoleCode.TELLER])
    page = client.get(reverse("pollingday:tell_choose")).content.decode()
    assert "General election" in page
    assert _urls(day)["page"] in page
    assert "St Mary" not in page and "Riverside" not in page


def test_the_choose_page_says_plainly_when_there_is_no_polling_day(client, day, users):
    day.election.polls_on = timezone.localdate() + datetime.timedelta(days=3)
    day.election.save(update_fields=["polls_on"])
    client.force_login(users[RoleCode.TELLER])
    page = client.get(reverse("pollingday:tell_choose")).content.decode()
    assert "There is no polling day today" in page
    assert "Castle School" in page and "Numbers can be taken on the day" in page


def test_the_station_page_has_the_entry_box_the_tally_and_the_offline_worker(client, day, users):
    teller = users[RoleCode.TELLER]
    client.force_login(teller)
    urls = _urls(day)
    _sync(client, urls["sync"], _entries(["CA1", "CA2"]))
    response = client.get(urls["page"])
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="tell-number"' in page and 'inputmode="numeric"' in page
    assert 'data-codes="CA CB"' in page  # two districts: the chooser is shown
    assert 'name="district" value="CB"' in page
    assert 'id="tally-count">2<' in page
    assert "canvassing/offline.js" in page and "pollingday/tell.js" in page
    assert response["Cache-Control"] == "private, no-store"


def test_a_station_with_one_district_shows_no_chooser(client, day, users):
    client.force_login(users[RoleCode.ORGANISER])
    page = client.get(_urls(day, "St Mary's Hall")["page"]).content.decode()
    assert 'data-codes="CC"' in page and 'type="radio" name="district"' not in page


@pytest.mark.parametrize(("shift_days", "words"), [(2, "Polling day is"), (-1, "Polling day was")])
def test_before_and_after_polling_day_the_page_says_so_and_takes_no_numbers(
    client, day, users, shift_days, words
):
    day.election.polls_on = timezone.localdate() + datetime.timedelta(days=shift_days)
    day.election.save(update_fields=["polls_on"])
    client.force_login(users[RoleCode.TELLER])
    page = client.get(_urls(day)["page"]).content.decode()
    assert words in page
    assert 'id="tell-number"' not in page and "tell.js" not in page
    response = _sync(client, _urls(day)["sync"], _entries(["CA1"]))
    assert "numbers count only on polling day" in response.json()["rejected"][0]["error"]
    assert not Telling.objects.exists()


def test_the_sync_endpoint_applies_numbers_and_a_replay_changes_nothing(client, day, users):
    client.force_login(users[RoleCode.TELLER])
    url = _urls(day)["sync"]
    entries = _entries(["CA1", "2", "ZZ3", "CA99"])
    data = _sync(client, url, entries).json()
    assert sorted(data["accepted"]) == sorted(e["id"] for e in entries[:2])
    assert [r["id"] for r in data["rejected"]] == [entries[2]["id"], entries[3]["id"]]
    assert data["station"]["count"] == 2 and data["station"]["last"]
    replay = _sync(client, url, entries).json()
    assert replay["accepted"] == [] and len(replay["duplicates"]) == 2
    assert Telling.objects.count() == 2


def test_the_sync_endpoint_answers_bad_input_in_words(client, day, users):
    client.force_login(users[RoleCode.TELLER])
    url = _urls(day)["sync"]
    bad = client.post(url, "{not json", content_type="application/json")
    assert bad.status_code == 400 and bad.json() == {"error": "Not valid JSON."}
    empty = client.post(url, "{}", content_type="application/json")
    assert empty.status_code == 400 and empty.json() == {"error": "No numbers sent."}
    junk = _sync(client, url, [{"id": "x"}, 7, {"id": str(uuid.uuid4()), "text": ["CA1"]}])
    assert [r["error"] for r in junk.json()["rejected"]] == [
        "This entry came without its id.",
        "Type a number, e.g. 888 or CA888.",
    ]


def test_a_logged_out_phone_is_told_to_log_in_again(client, day):
    response = _sync(client, _urls(day)["sync"], _entries(["CA1"]))
    assert response.status_code == 403
    assert response.json() == {"error": "Log in again to send your numbers."}


def test_a_teller_gets_404_at_another_station(client, day, users):
    client.force_login(users[RoleCode.TELLER])
    for url in _urls(day, "St Mary's Hall").values():
        method = client.post if url.endswith("/sync/") else client.get
        assert method(url).status_code == 404
    assert not Telling.objects.exists()


def test_an_organiser_of_another_constituency_gets_404(client, day):
    elsewhere = make_user(
        RoleCode.ORGANISER, Constituency.objects.create(name="Elsewhere"), email="o2@test.example"
    )
    client.force_login(elsewhere)
    urls = _urls(day)
    assert client.get(urls["page"]).status_code == 404
    assert client.get(urls["lookup"], {"surname": "High"}).status_code == 404
    assert _sync(client, urls["sync"], _entries(["CA1"])).status_code == 404
    assert "Castle School" not in client.get(reverse("pollingday:tell_choose")).content.decode()


def test_a_teller_shift_at_a_station_gives_access_on_the_day(client, day, users):
    member = users[RoleCode.MEMBER]
    urls = _urls(day, "St Mary's Hall")
    client.force_login(member)
    assert client.get(urls["page"]).status_code == 404
    now = timezone.now()
    shift = Shift.objects.create(
        election=day.election,
        kind=Shift.Kind.TELLER,
        polling_station=day.stations["St Mary's Hall"],
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=2),
    )
    ShiftSignup.objects.create(shift=shift, user=member)
    assert urls["page"] in client.get(reverse("pollingday:tell_choose")).content.decode()
    assert client.get(urls["page"]).status_code == 200
    assert _sync(client, urls["sync"], _entries(["CC1"], "CC")).json()["accepted"]
    assert client.get(_urls(day)["page"]).status_code == 404  # not Castle School


def test_lookup_finds_voters_only_in_the_station_s_districts_and_is_logged(client, day, users):
    teller = users[RoleCode.TELLER]
    client.force_login(teller)
    # The factories call everyone on High Street "Highson": CA's and CC's.
    response = client.get(_urls(day)["lookup"], {"surname": "high"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Voter1 Highson" in page and "1 High Street" in page and "CA-1" in page
    assert "CC-" not in page  # St Mary's Hall's district, same surname and street
    assert page.count('class="lookup-hit"') == 20
    assert "More than 20 found: add the street" in page
    audit = AuditEntry.objects.get(action="read:pollingday.tell_lookup")
    assert audit.actor == teller and audit.details["count"] == 20
    assert audit.details["station"] == day.stations["Castle School"].pk

    mill = client.get(_urls(day)["lookup"], {"surname": "mil", "street": "mill"}).content.decode()
    assert mill.count('class="lookup-hit"') == 3 and 'data-number="CB-1"' in mill
    assert "Voter" in mill and "NB1" not in mill  # no postcode, no more than needed


def test_lookup_leaves_out_electors_no_longer_on_the_register(client, day, users):
    Elector.objects.filter(polling_district=day.districts["CB"], number=2).update(on_register=False)
    client.force_login(users[RoleCode.TELLER])
    page = client.get(_urls(day)["lookup"], {"surname": "Millson"}).content.decode()
    assert 'data-number="CB-1"' in page and 'data-number="CB-2"' not in page


def test_lookup_needs_two_letters(client, day, users):
    client.force_login(users[RoleCode.TELLER])
    page = client.get(_urls(day)["lookup"], {"surname": "h"}).content.decode()
    assert "at least the first two letters" in page
    assert not AuditEntry.objects.filter(action="read:pollingday.tell_lookup").exists()


def test_the_sync_endpoint_makes_the_same_queries_whatever_the_batch_size(client, day, users):
    client.force_login(users[RoleCode.TELLER])
    url = _urls(day)["sync"]
    counts = []
    small = ["CA1", "CA2", "ZZ1", "CA1", "CA30"]
    for texts in (small, [f"CA{n}" for n in range(3, 30)] + ["ZZ1", "CA3", "CA30"]):
        _sync(client, url, _entries(["CA30"]))  # warm the session
        with CaptureQueriesContext(connection) as queries:
            data = _sync(client, url, _entries(texts)).json()
        assert data["rejected"] and len(data["repeats"]) == 2  # in the batch and before it
        counts.append(len(queries))
        Telling.objects.all().delete()
    assert counts[0] == counts[1], counts


def test_an_election_elsewhere_today_is_not_offered(client, day, users):
    Election.objects.create(
        constituency=Constituency.objects.create(name="Elsewhere"),
        name="Other election",
        kind=Election.Kind.LOCAL,
        polls_on=timezone.localdate(),
    )
    client.force_login(users[RoleCode.TELLER])
    assert "Other election" not in client.get(reverse("pollingday:tell_choose")).content.decode()


def test_lookup_opened_as_a_page_has_its_own_form_and_the_station_page_gets_the_results_alone(
    client, day, users
):
    client.force_login(users[RoleCode.TELLER])
    url = _urls(day)["lookup"]
    page = client.get(url).content.decode()
    assert "<title>Find a voter" in page and 'name="surname"' in page
    assert 'class="lookup-hit"' not in page
    fragment = client.get(url, {"surname": "Millson"}, headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert "<html" not in html and html.count('class="lookup-hit"') == 3
    assert "Tap the voter to take their number." in html
