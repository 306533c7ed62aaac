"""The call queue: one person to one caller at a time, leases, retries, call-backs, and the
consent and recent-contact rules at the moment of handing out."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from clp.roles import RoleCode
from conftest import make_user
from members.models import Channel, Contact, ContactSummary, Outcome
from members.services.contacts import ContactRecord, contacts_record
from phonebank.models import Call, CampaignCaller, QueueEntry
from phonebank.services.calls import CallResult, call_record
from phonebank.services.campaigns import caller_pause, caller_remove
from phonebank.services.queue import CannotCall, contact_hand_out, lease_release
from phonebank.tests.conftest import TUESDAY_11AM, add_person

MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def people(geography, districts):
    constituency = geography["constituency"]
    return [add_person(constituency, districts[i % len(districts)], last=f"P{i}") for i in range(6)]


@pytest.fixture
def callers(users, geography):
    return [
        users[RoleCode.CALLER],
        make_user(RoleCode.CALLER, geography["constituency"], email="caller2@test.example"),
    ]


def _hand_out(campaign, caller, at=TUESDAY_11AM):
    return contact_hand_out(campaign=campaign, user=caller, now=at)


def _record(campaign, caller, entry, outcome=Outcome.SPOKE, at=TUESDAY_11AM, **fields):
    return call_record(
        actor=caller,
        campaign=campaign,
        lease_id=entry.lease_id,
        result=CallResult(outcome=outcome, **fields),
        now=at,
    )


def test_each_caller_gets_someone_else_and_keeps_theirs_until_they_record(
    people, callers, make_campaign
):
    campaign = make_campaign()
    mine = _hand_out(campaign, callers[0])
    assert _hand_out(campaign, callers[0], TUESDAY_11AM + MINUTE).pk == mine.pk
    theirs = _hand_out(campaign, callers[1])
    assert theirs.person_id != mine.person_id
    _record(campaign, callers[0], mine)
    following = _hand_out(campaign, callers[0], TUESDAY_11AM + 2 * MINUTE)
    assert following.person_id not in {mine.person_id, theirs.person_id}


def test_a_recorded_call_is_a_phone_contact_of_the_person_and_is_stored_once(
    people, callers, make_campaign
):
    campaign = make_campaign()
    entry = _hand_out(campaign, callers[0])
    first = _record(campaign, callers[0], entry, intention="LAB", strength=4, note="Keen")
    again = _record(campaign, callers[0], entry, intention="LAB", strength=4, note="Keen")
    assert not first.already_saved and again.already_saved
    assert Call.objects.count() == 1
    contact = Contact.objects.get()
    assert (contact.person_id, contact.channel, contact.intention) == (
        entry.person_id,
        Channel.PHONE,
        "LAB",
    )
    assert contact.pk == first.call.pk and contact.context == campaign.name
    assert ContactSummary.objects.get(person_id=entry.person_id).intention == "LAB"
    assert QueueEntry.objects.get(pk=entry.pk).state == QueueEntry.State.DONE


def test_an_abandoned_lease_expires_and_the_late_result_is_refused(people, callers, make_campaign):
    campaign = make_campaign(lease_minutes=15)
    people_in_queue = QueueEntry.objects.filter(campaign=campaign).count()
    abandoned = _hand_out(campaign, callers[0])
    later = TUESDAY_11AM + 16 * MINUTE
    handed = []
    for n in range(people_in_queue):
        handed.append(_hand_out(campaign, callers[1], later + n * MINUTE))
        if handed[-1].person_id != abandoned.person_id:
            _record(campaign, callers[1], handed[-1], Outcome.REFUSED, at=later + n * MINUTE)
    assert abandoned.person_id in {e.person_id for e in handed}
    with pytest.raises(ValidationError, match="ran out|not yours"):
        _record(campaign, callers[0], abandoned, at=later)


def test_a_result_for_someone_elses_contact_is_refused(people, callers, make_campaign):
    campaign = make_campaign()
    theirs = _hand_out(campaign, callers[1])
    with pytest.raises(ValidationError, match="not yours"):
        _record(campaign, callers[0], theirs)
    assert not Call.objects.exists()


def test_no_answer_is_tried_again_later_up_to_the_campaigns_limit(
    geography, districts, callers, make_campaign
):
    add_person(geography["constituency"], districts[0])
    campaign = make_campaign(retry_hours=4, max_attempts=2)
    entry = _hand_out(campaign, callers[0])
    _record(campaign, callers[0], entry, Outcome.NOT_IN)
    assert _hand_out(campaign, callers[0], TUESDAY_11AM + 3 * HOUR) is None
    retry = _hand_out(campaign, callers[0], TUESDAY_11AM + 4 * HOUR)
    assert retry.person_id == entry.person_id  # our own call does not count as "recent"
    _record(campaign, callers[0], retry, Outcome.VOICEMAIL, at=TUESDAY_11AM + 4 * HOUR)
    assert QueueEntry.objects.get(pk=entry.pk).state == QueueEntry.State.DONE


def test_a_call_back_returns_at_the_time_asked_to_the_same_caller_first(
    geography, districts, callers, make_campaign
):
    for n in range(2):
        add_person(geography["constituency"], districts[0], last=f"C{n}")
    campaign = make_campaign()
    entry = _hand_out(campaign, callers[0])
    back_at = TUESDAY_11AM + 3 * HOUR
    _record(campaign, callers[0], entry, Outcome.CALL_BACK, call_back_at=back_at)
    other = _hand_out(campaign, callers[1], back_at + MINUTE)
    assert other.person_id != entry.person_id  # kept for the caller who arranged it
    _record(campaign, callers[1], other, Outcome.REFUSED, at=back_at + MINUTE)
    assert _hand_out(campaign, callers[0], back_at - MINUTE) is None  # not due yet
    assert _hand_out(campaign, callers[0], back_at + 2 * MINUTE).person_id == entry.person_id


def test_a_call_back_nobody_takes_goes_to_any_caller_after_half_an_hour(
    geography, districts, callers, make_campaign
):
    add_person(geography["constituency"], districts[0])
    campaign = make_campaign()
    entry = _hand_out(campaign, callers[0])
    back_at = TUESDAY_11AM + 3 * HOUR
    _record(campaign, callers[0], entry, Outcome.CALL_BACK, call_back_at=back_at)
    assert _hand_out(campaign, callers[1], back_at + 10 * MINUTE) is None
    assert _hand_out(campaign, callers[1], back_at + 31 * MINUTE).person_id == entry.person_id


def test_a_call_back_needs_a_later_time_inside_the_window(people, callers, make_campaign):
    campaign = make_campaign()
    entry = _hand_out(campaign, callers[0])
    with pytest.raises(ValidationError, match="later than now"):
        _record(campaign, callers[0], entry, Outcome.CALL_BACK)
    with pytest.raises(ValidationError, match="outside the calling window"):
        _record(
            campaign,
            callers[0],
            entry,
            Outcome.CALL_BACK,
            call_back_at=TUESDAY_11AM + 12 * HOUR,  # 23:00
        )


def test_someone_contacted_recently_on_any_channel_waits_until_the_rule_allows(
    geography, districts, callers, users, make_campaign
):
    knocked = add_person(geography["constituency"], districts[0])
    campaign = make_campaign(recent_days=7)
    contacts_record(
        [
            ContactRecord(
                person_id=knocked.pk,
                contacted_at=TUESDAY_11AM - datetime.timedelta(days=2),
                channel=Channel.DOORSTEP,
                outcome=Outcome.SPOKE,
                source="test.doorstep",
                source_id="1",
            )
        ],
        actor=users[RoleCode.ORGANISER],
    )
    assert _hand_out(campaign, callers[0]) is None
    entry = QueueEntry.objects.get(person=knocked)
    assert entry.state == QueueEntry.State.WAITING
    assert entry.available_at == TUESDAY_11AM + datetime.timedelta(days=5)
    assert _hand_out(campaign, callers[0], TUESDAY_11AM + datetime.timedelta(days=5)) is not None


def test_someone_marked_do_not_contact_after_the_list_was_built_is_skipped_with_the_reason(
    geography, districts, callers, make_campaign
):
    person = add_person(geography["constituency"], districts[0])
    campaign = make_campaign()
    type(person).objects.filter(pk=person.pk).update(do_not_phone=True)
    assert _hand_out(campaign, callers[0]) is None
    entry = QueueEntry.objects.get(person=person)
    assert (entry.state, entry.skip_reason) == (QueueEntry.State.SKIPPED, "Asked not to be called")


def test_do_not_call_again_stops_every_later_phone_bank_at_once(
    geography, districts, callers, make_campaign
):
    person = add_person(geography["constituency"], districts[0])
    campaign = make_campaign("First")
    _record(campaign, callers[0], _hand_out(campaign, callers[0]), Outcome.DO_NOT_PHONE)
    person.refresh_from_db()
    assert person.do_not_phone
    later = make_campaign("Second", start=False)
    assert not QueueEntry.objects.filter(campaign=later).exists()


def test_a_released_contact_goes_back_to_the_end_of_the_line(people, callers, make_campaign):
    campaign = make_campaign()
    entry = _hand_out(campaign, callers[0])
    assert lease_release(campaign=campaign, user=callers[0], lease_id=entry.lease_id)
    handed = []
    for n in range(len(people)):
        handed.append(_hand_out(campaign, callers[1], TUESDAY_11AM + n * MINUTE))
        _record(campaign, callers[1], handed[-1], Outcome.REFUSED, at=TUESDAY_11AM + n * MINUTE)
    assert handed[-1].person_id == entry.person_id


def test_the_same_person_in_two_phone_banks_is_never_with_two_callers(
    geography, districts, callers, make_campaign
):
    add_person(geography["constituency"], districts[0])
    first, second = make_campaign("First"), make_campaign("Second")
    held = _hand_out(first, callers[0])
    assert held is not None
    assert _hand_out(second, callers[1]) is None
    lease_release(campaign=first, user=callers[0], lease_id=held.lease_id)
    assert _hand_out(second, callers[1], TUESDAY_11AM + MINUTE).person_id == held.person_id


def test_a_paused_or_removed_caller_is_handed_nothing_and_their_contact_goes_back(
    people, callers, users, make_campaign
):
    campaign = make_campaign()
    held = _hand_out(campaign, callers[0])
    caller = CampaignCaller.objects.get(campaign=campaign, user=callers[0])
    caller_pause(actor=users[RoleCode.ORGANISER], caller=caller, paused=True)
    assert QueueEntry.objects.get(pk=held.pk).state == QueueEntry.State.WAITING
    with pytest.raises(CannotCall, match="paused"):
        _hand_out(campaign, callers[0])
    caller_remove(actor=users[RoleCode.ORGANISER], caller=caller)
    with pytest.raises(CannotCall, match="taken you off"):
        _hand_out(campaign, callers[0])


def test_nobody_is_handed_out_before_start_or_outside_the_window(people, callers, make_campaign):
    draft = make_campaign("Draft", start=False)
    with pytest.raises(CannotCall, match="not started"):
        _hand_out(draft, callers[0])
    campaign = make_campaign()
    with pytest.raises(CannotCall, match="09:00–20:00"):
        _hand_out(campaign, callers[0], TUESDAY_11AM.replace(hour=8, minute=30))


def test_someone_without_the_caller_role_or_the_code_cannot_call(people, users, make_campaign):
    campaign = make_campaign()
    with pytest.raises(CannotCall, match="not a caller"):
        _hand_out(campaign, users[RoleCode.MEMBER])
