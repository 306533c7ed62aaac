"""The caller's pages: one contact at a time and only that contact, results recorded, joining
by code, and a bridged call that hides both numbers."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clp.roles import RoleCode
from members.models import Contact, Person, Property
from phonebank.models import Call, CampaignCaller, QueueEntry
from phonebank.services.campaigns import join_code_issue
from phonebank.telephony import LocalBridge
from phonebank.tests.conftest import add_person

pytestmark = pytest.mark.django_db
ALL_DAY = {
    "weekday_start": datetime.time(0, 0),
    "weekday_end": datetime.time(23, 59, 59),
    "weekend_start": datetime.time(0, 0),
    "weekend_end": datetime.time(23, 59, 59),
}


@pytest.fixture(autouse=True)
def _calls_allowed_all_day(monkeypatch):
    """The pages read the real clock: let these tests call at whatever hour they run."""
    monkeypatch.setattr("phonebank.window.EARLIEST_CALL", datetime.time(0, 0))
    monkeypatch.setattr("phonebank.window.LATEST_CALL", datetime.time(23, 59, 59))


@pytest.fixture
def campaign(geography, districts, make_campaign):
    constituency = geography["constituency"]
    home = Property.objects.create(
        constituency=constituency, address_lines="1 High Street", address_key="1high"
    )
    add_person(constituency, districts[0], first="Alice", last="Able", property=home)
    add_person(constituency, districts[0], first="Ben", last="Able", property=home, phone=False)
    add_person(constituency, districts[1], first="Carol", last="Cobb")
    return make_campaign(**ALL_DAY)


def _take_next(client, campaign):
    response = client.post(reverse("phonebank:next_contact", args=[campaign.pk]))
    assert response.status_code == 302
    return QueueEntry.objects.get(campaign=campaign, state="leased")


def test_the_caller_sees_only_the_contact_in_hand(client_for, campaign):
    client = client_for(RoleCode.CALLER)
    page = client.get(reverse("phonebank:call", args=[campaign.pk])).content.decode()
    assert "Next contact" in page and "Able" not in page and "Cobb" not in page
    entry = _take_next(client, campaign)
    page = client.get(reverse("phonebank:call", args=[campaign.pk])).content.decode()
    person = entry.person
    others = Person.objects.exclude(pk=person.pk).exclude(property=person.property_id)
    assert person.last_name in page and f"tel:{entry.phone.number}" in page
    assert not any(other.last_name in page for other in others if other.last_name)
    if person.first_name == "Alice":
        assert "Also at home: Ben" in page


def test_saving_a_result_stores_the_call_and_hands_out_the_next(client_for, campaign):
    client = client_for(RoleCode.CALLER)
    entry = _take_next(client, campaign)
    response = client.post(
        reverse("phonebank:record", args=[campaign.pk]),
        {"lease": entry.lease_id, "outcome": "S", "intention": "LAB", "strength": "4", "next": ""},
    )
    assert response.status_code == 302
    call = Call.objects.get()
    assert (call.person_id, call.intention) == (entry.person_id, "LAB")
    assert Contact.objects.get(pk=call.pk).channel == "phone"
    following = QueueEntry.objects.get(campaign=campaign, state="leased")
    assert following.person_id != entry.person_id
    # The same form sent again (a double tap) stores nothing more.
    client.post(
        reverse("phonebank:record", args=[campaign.pk]),
        {"lease": entry.lease_id, "outcome": "S", "intention": "LAB", "strength": "4"},
    )
    assert Call.objects.count() == 1


def test_a_result_for_a_contact_that_is_not_yours_is_refused_with_the_reason(
    client_for, users, campaign, geography
):
    from conftest import make_user

    other = make_user(RoleCode.CALLER, geography["constituency"], email="other@test.example")
    client = client_for(RoleCode.CALLER)
    client.force_login(other)
    theirs = _take_next(client, campaign)
    client.force_login(users[RoleCode.CALLER])
    response = client.post(
        reverse("phonebank:record", args=[campaign.pk]),
        {"lease": theirs.lease_id, "outcome": "S"},
        follow=True,
    )
    assert "not yours to record" in response.content.decode()
    assert not Call.objects.exists()


def test_nobody_but_callers_of_the_campaign_reaches_its_call_page(client_for, campaign):
    for role in (RoleCode.MEMBER, RoleCode.CANVASSER, RoleCode.TELLER):
        client = client_for(role)
        assert client.get(reverse("phonebank:call", args=[campaign.pk])).status_code == 404
        assert client.post(reverse("phonebank:next_contact", args=[campaign.pk])).status_code == 404
    assert not QueueEntry.objects.filter(state="leased").exists()


def test_a_member_joins_by_code_for_this_campaign_only_until_it_expires(
    client_for, users, campaign, make_campaign
):
    other_campaign = make_campaign("Other bank", **ALL_DAY)
    code = join_code_issue(actor=users[RoleCode.ORGANISER], campaign=campaign, days=3)
    client = client_for(RoleCode.MEMBER)
    response = client.post(reverse("phonebank:join"), {"code": code.lower()})
    assert response.url == reverse("phonebank:call", args=[campaign.pk])
    assert _take_next(client, campaign).leased_by == users[RoleCode.MEMBER]
    assert client.get(reverse("phonebank:call", args=[other_campaign.pk])).status_code == 404
    CampaignCaller.objects.filter(user=users[RoleCode.MEMBER]).update(
        expires_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    assert client.get(reverse("phonebank:call", args=[campaign.pk])).status_code == 404


def test_a_wrong_or_expired_code_says_so(client_for, users, campaign):
    client = client_for(RoleCode.MEMBER)
    response = client.post(reverse("phonebank:join"), {"code": "NOPE1234"}, follow=True)
    assert "No phone bank has that code" in response.content.decode()
    assert not CampaignCaller.objects.filter(user=users[RoleCode.MEMBER]).exists()


def test_the_call_page_reads_the_same_number_of_queries_whatever_the_household(
    client_for, geography, districts, make_campaign
):
    constituency = geography["constituency"]

    def queries_for_household_of(size, name):
        home = Property.objects.create(
            constituency=constituency, address_lines=f"{size} Long Road", address_key=f"long{size}"
        )
        add_person(constituency, districts[2], first="Head", last=name, property=home)
        for n in range(size - 1):
            add_person(constituency, districts[2], last=f"{name}{n}", property=home, phone=False)
        campaign = make_campaign(name, polling_districts=[districts[2]], wards=[], **ALL_DAY)
        client = client_for(RoleCode.CALLER)
        entry = _take_next(client, campaign)
        assert entry.person.last_name == name
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("phonebank:call", args=[campaign.pk]))
        count = len(queries)  # before the next request resets the log
        assert name in page.content.decode()
        client.post(
            reverse("phonebank:record", args=[campaign.pk]),
            {"lease": entry.lease_id, "outcome": "R", "stop": ""},
        )
        return count

    small, large = queries_for_household_of(1, "Small"), queries_for_household_of(12, "Large")
    print(f"phonebank_caller_page queries household=1:{small} household=12:{large}")
    assert small == large


def test_a_bridged_call_shows_neither_number(client_for, campaign, settings):
    settings.PHONEBANK_TELEPHONY = "local"
    LocalBridge.placed.clear()
    client = client_for(RoleCode.CALLER)
    entry = _take_next(client, campaign)
    page = client.get(reverse("phonebank:call", args=[campaign.pk])).content.decode()
    assert entry.phone.number not in page and "Ring me and connect" in page
    client.post(
        reverse("phonebank:bridge", args=[campaign.pk]),
        {"lease": entry.lease_id, "caller_number": "07700 900999"},
    )
    [bridged] = LocalBridge.placed
    assert (bridged.caller_number, bridged.voter_number) == ("+447700900999", entry.phone.number)
    assert QueueEntry.objects.get(pk=entry.pk).dialled_at is not None


def test_a_caller_starts_from_home_with_one_tap(client_for, campaign):
    page = client_for(RoleCode.CALLER).get(reverse("home")).content.decode()
    assert f"Call for {campaign.name}" in page
    assert reverse("phonebank:call", args=[campaign.pk]) in page
