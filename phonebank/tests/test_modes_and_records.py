"""Whom each kind of phone bank calls; what a call leaves in the shared record (answers on the
script's path only, wrong numbers); and a person's calls in subject access and erasure."""

import pytest

from clp.roles import RoleCode
from gdpr.registry import DataSubject, erase_subject, export_subject
from members.models import Answer, ContactPhone, Membership, Outcome, Question, Segment, Tag
from phonebank.models import Call, CallCampaign, QueueEntry
from phonebank.services.calls import CallResult, call_record
from phonebank.services.campaigns import script_step_save
from phonebank.services.queue import contact_hand_out
from phonebank.tests.conftest import TUESDAY_11AM, add_person

pytestmark = pytest.mark.django_db


def _queued(campaign):
    return set(QueueEntry.objects.filter(campaign=campaign).values_list("person_id", flat=True))


def _member(constituency, district, status, number, **fields):
    person = add_person(constituency, district, last=f"Member{number}", **fields)
    Membership.objects.create(person=person, number=f"M{number}", status=status)
    return person


def test_members_mode_calls_the_statuses_and_tags_chosen(geography, districts, make_campaign):
    constituency = geography["constituency"]
    lapsed = _member(constituency, districts[0], Membership.Status.LAPSED, 1)
    _member(constituency, districts[0], Membership.Status.MEMBER, 2)
    add_person(constituency, districts[0], last="NotAMember")
    renewals = make_campaign(
        "Renewals", mode=CallCampaign.Mode.MEMBERS, member_statuses=["lapsed"], wards=[]
    )
    assert _queued(renewals) == {lapsed.pk}

    volunteers = Tag.objects.create(name="Volunteer")
    helper = _member(constituency, districts[1], Membership.Status.MEMBER, 3)
    helper.tags.add(volunteers)
    asks = make_campaign("Asks", mode=CallCampaign.Mode.MEMBERS, tags=[volunteers], wards=[])
    assert _queued(asks) == {helper.pk}


def test_segment_mode_calls_the_segment_and_area_mode_the_wards(
    geography, districts, make_campaign
):
    constituency = geography["constituency"]
    castle = geography["wards"]["Castle"]
    in_castle = [d for d in districts if d.ward_id == castle.pk]
    elsewhere = [d for d in districts if d.ward_id != castle.pk]
    castle_person = add_person(constituency, in_castle[0], last="Castle")
    other_person = add_person(constituency, elsewhere[0], last="Elsewhere")
    postal = Segment.objects.create(
        constituency=constituency,
        name="Elsewhere",
        filters={"polling_districts": [elsewhere[0].pk]},
    )
    by_segment = make_campaign(
        "By segment", mode=CallCampaign.Mode.SEGMENT, segment=postal, wards=[]
    )
    by_area = make_campaign("By area", mode=CallCampaign.Mode.AREA, wards=[castle])
    assert _queued(by_segment) == {other_person.pk}
    assert _queued(by_area) == {castle_person.pk}


def test_answers_are_kept_only_on_the_path_the_branches_give(
    users, geography, districts, make_campaign
):
    constituency = geography["constituency"]
    person = add_person(constituency, districts[0])
    organiser = users[RoleCode.ORGANISER]
    transport = Question.objects.create(
        constituency=constituency, key="car", text="Do you drive?", kind="yesno"
    )
    buses = Question.objects.create(
        constituency=constituency, key="bus", text="Buses good?", kind="scale"
    )
    campaign = make_campaign()
    script_step_save(actor=organiser, campaign=campaign, text="", question=transport, branches={})
    script_step_save(actor=organiser, campaign=campaign, text="", question=buses)
    first = campaign.steps.get(position=1)
    script_step_save(
        actor=organiser,
        campaign=campaign,
        step=first,
        text="",
        question=transport,
        branches={"yes": 0},  # drivers are not asked about buses
    )
    caller = users[RoleCode.CALLER]
    entry = contact_hand_out(campaign=campaign, user=caller, now=TUESDAY_11AM)
    call_record(
        actor=caller,
        campaign=campaign,
        lease_id=entry.lease_id,
        result=CallResult(outcome=Outcome.SPOKE, answers={transport.pk: "yes", buses.pk: "2"}),
        now=TUESDAY_11AM,
    )
    assert list(Answer.objects.filter(person=person).values_list("question__key", "value")) == [
        ("car", "yes")
    ]


def test_a_wrong_number_is_never_dialled_again_by_any_phone_bank(
    users, geography, districts, make_campaign
):
    person = add_person(geography["constituency"], districts[0])
    campaign = make_campaign("First")
    caller = users[RoleCode.CALLER]
    entry = contact_hand_out(campaign=campaign, user=caller, now=TUESDAY_11AM)
    call_record(
        actor=caller,
        campaign=campaign,
        lease_id=entry.lease_id,
        result=CallResult(outcome=Outcome.WRONG_NUMBER),
        now=TUESDAY_11AM,
    )
    assert ContactPhone.objects.get(person=person).wrong_number_reported_at is not None
    assert _queued(make_campaign("Second", start=False)) == set()


def test_a_persons_calls_are_exported_and_erased_and_a_callers_name_leaves_the_calls_made(
    users, geography, districts, make_campaign
):
    person = add_person(geography["constituency"], districts[0])
    neighbour = add_person(geography["constituency"], districts[0], last="Next door")
    campaign = make_campaign()
    caller = users[RoleCode.CALLER]
    for at_minute in (0, 1):
        entry = contact_hand_out(
            campaign=campaign, user=caller, now=TUESDAY_11AM.replace(minute=at_minute)
        )
        call_record(
            actor=caller,
            campaign=campaign,
            lease_id=entry.lease_id,
            result=CallResult(outcome=Outcome.SPOKE, intention="LAB", note="Likes the bins"),
            now=TUESDAY_11AM.replace(minute=at_minute),
        )
    exported = export_subject(DataSubject(person=person))["phonebank"]
    assert exported["calls"][0]["voting_intention"] == "Labour"
    assert exported["calls"][0]["note"] == "Likes the bins"
    assert exported["call_lists"] == [{"phone_bank": campaign.name, "state": "done", "tries": 1}]
    as_caller = export_subject(DataSubject(user=caller))["phonebank"]
    assert as_caller["phone_banks_i_called_for"][0]["calls_made"] == 2

    it = users[RoleCode.IT_MANAGER]
    summary = erase_subject(DataSubject(person=person), actor=it)["phonebank"]
    assert (summary["calls_deleted"], summary["queue_places_deleted"]) == (1, 1)
    assert list(Call.objects.values_list("person_id", flat=True)) == [neighbour.pk]
    erase_subject(DataSubject(user=caller), actor=it)
    assert Call.objects.get().caller is None
