"""Recording a call: the caller's result, as a Call and as a contact (with answers) of the
person in members, in one transaction; what the outcome means for the queue."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from members.models import Channel, Outcome, Question
from members.services.contacts import AnswerRefused, ContactRecord, answer_value, contacts_record
from members.services.phones import phone_reported_wrong
from phonebank.models import NOT_REACHED, Call, CallCampaign, QueueEntry
from phonebank.script import script_path
from phonebank.services.queue import CALL_BACK_RESERVED
from phonebank.window import calling_window_open

SOURCE = "phonebank.call"
MAX_NOTE = 2_000


@dataclass
class CallResult:
    outcome: str
    intention: str = ""
    strength: int | None = None
    answers: dict[int, str] | None = None  # question id → raw value
    note: str = ""
    call_back_at: datetime.datetime | None = None


@dataclass
class CallRecorded:
    call: Call
    already_saved: bool


def call_record(
    *, actor, campaign: CallCampaign, lease_id, result: CallResult, now=None, request=None
) -> CallRecorded:
    """Store what a caller recorded for the contact they hold under `lease_id`.

    Refused (ValidationError, with the reason) when the lease has run out or is someone
    else's; the same result posted twice is stored once. "Wrong number" and "do not call
    again" take effect at once on every channel, through the consent rule in members.
    """
    now = now or timezone.now()
    with transaction.atomic():
        earlier = Call.objects.filter(pk=lease_id).first()
        if earlier is not None:
            if earlier.caller_id != actor.pk:
                raise ValidationError("This call was recorded by someone else.")
            return CallRecorded(call=earlier, already_saved=True)
        entry = (
            QueueEntry.objects.select_for_update(of=("self",))
            .select_related("phone")
            .filter(campaign=campaign, lease_id=lease_id, state=QueueEntry.State.LEASED)
            .first()
        )
        if entry is None or entry.leased_by_id != actor.pk:
            raise ValidationError(
                "This contact is not yours to record: it was handed to someone else, or "
                "returned. Nothing was saved."
            )
        if entry.available_at <= now:
            raise ValidationError(
                f"Your {campaign.lease_minutes} minutes with this contact ran out, so they went "
                "back in the queue and may be with another caller. Nothing was saved."
            )
        fields = _checked(campaign, result, now)
        call = Call.objects.create(
            id=lease_id,
            campaign=campaign,
            person_id=entry.person_id,
            caller=actor,
            number=entry.phone.number if entry.phone else "",
            handed_at=entry.leased_at or now,
            dialled_at=entry.dialled_at,
            ended_at=now,
            **fields["call"],
        )
        contacts_record(
            [
                ContactRecord(
                    id=call.pk,
                    person_id=entry.person_id,
                    contacted_at=now,
                    channel=Channel.PHONE,
                    outcome=call.outcome,
                    intention=call.intention,
                    strength=call.strength,
                    recorded_by_id=actor.pk,
                    source=SOURCE,
                    source_id=str(call.pk),
                    context=campaign.name,
                    answers=fields["answers"],
                )
            ],
            actor=actor,
            request=request,
        )
        if call.outcome == Outcome.WRONG_NUMBER and entry.phone_id:
            phone_reported_wrong(actor=actor, phone_id=entry.phone_id, request=request)
        _queue_after(entry, campaign, call, now)
    return CallRecorded(call=call, already_saved=False)


def _checked(campaign, result: CallResult, now) -> dict:
    outcome = result.outcome
    if outcome not in campaign.outcomes:
        raise ValidationError("Choose what happened on the call.")
    spoke = outcome == Outcome.SPOKE
    intention = result.intention or ""
    if intention and (not spoke or intention not in campaign.intentions):
        raise ValidationError("A voting intention is recorded only when you spoke to them.")
    strength = result.strength if intention else None
    if strength is not None and not 1 <= strength <= 5:
        raise ValidationError("How sure they are goes from 1 to 5.")
    call_back_at = None
    if outcome == Outcome.CALL_BACK:
        call_back_at = result.call_back_at
        if call_back_at is None or call_back_at <= now:
            raise ValidationError("Say when to call back: a time later than now.")
        if call_back_at > now + datetime.timedelta(days=28):
            raise ValidationError("A call-back must be within four weeks.")
        if not calling_window_open(campaign, call_back_at):
            raise ValidationError("That call-back time is outside the calling window.")
    answers = _answers(campaign, result.answers or {}) if spoke else {}
    note = (result.note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationError(f"Keep the note under {MAX_NOTE} characters.")
    return {
        "call": {
            "outcome": outcome,
            "intention": intention,
            "strength": strength,
            "call_back_at": call_back_at,
            "note": note,
        },
        "answers": answers,
    }


def _answers(campaign, raw: dict[int, str]) -> dict[int, str]:
    """The script's answers, checked against the bank; answers to steps the branches skipped
    are dropped (a caller may have answered before going back)."""
    steps = list(campaign.steps.all())
    questions = {
        q.pk: q
        for q in Question.objects.filter(pk__in=[s.question_id for s in steps if s.question_id])
    }
    values = {}
    for question_id, value in raw.items():
        question = questions.get(question_id)
        if question is None:
            continue
        try:
            values[question_id] = answer_value(question, value)
        except AnswerRefused as refused:
            raise ValidationError(f"{question.text}: {refused}") from refused
    on_path = {s.question_id for s in script_path(steps, values) if s.question_id}
    return {q: v for q, v in values.items() if q in on_path and v != ""}


def _queue_after(entry: QueueEntry, campaign, call: Call, now) -> None:
    entry.attempts += 1
    entry.last_called_at = now
    entry.last_outcome = call.outcome
    entry.leased_by = None
    entry.lease_id = None
    entry.dialled_at = None
    entry.reserved_for = None
    entry.reserved_until = None
    if call.outcome == Outcome.CALL_BACK:
        entry.state = QueueEntry.State.WAITING
        entry.available_at = call.call_back_at
        entry.reserved_for_id = call.caller_id
        entry.reserved_until = call.call_back_at + CALL_BACK_RESERVED
    elif call.outcome in NOT_REACHED and entry.attempts < campaign.max_attempts:
        entry.state = QueueEntry.State.WAITING
        entry.available_at = now + datetime.timedelta(hours=campaign.retry_hours)
    else:
        entry.state = QueueEntry.State.DONE
    entry.save(
        update_fields=[
            "attempts",
            "last_called_at",
            "last_outcome",
            "leased_by",
            "lease_id",
            "dialled_at",
            "reserved_for",
            "reserved_until",
            "state",
            "available_at",
        ]
    )


def call_dialled(*, actor, campaign: CallCampaign, lease_id, now=None) -> None:
    """Note when the caller pressed dial, so the board can tell how long calls take."""
    QueueEntry.objects.filter(
        campaign=campaign, lease_id=lease_id, leased_by=actor, state=QueueEntry.State.LEASED
    ).update(dialled_at=now or timezone.now())


def call_bridge(*, actor, campaign: CallCampaign, lease_id, caller_number: str, now=None) -> str:
    """Ask the telephony provider to ring the caller and connect them to the contact they hold,
    neither seeing the other's number. Returns the provider's id for the call."""
    from members.phones import PhoneNumberRefused, phone_normalise
    from phonebank.models import CampaignCaller
    from phonebank.telephony import BridgeFailed, telephony_provider

    provider = telephony_provider()
    if provider is None:
        raise ValidationError("Calls through the party's line are not switched on.")
    try:
        caller_number = phone_normalise(caller_number)
    except PhoneNumberRefused as refused:
        raise ValidationError(f"Your number: {refused}") from refused
    entry = (
        QueueEntry.objects.select_related("phone")
        .filter(campaign=campaign, lease_id=lease_id, leased_by=actor)
        .filter(state=QueueEntry.State.LEASED, available_at__gt=now or timezone.now())
        .first()
    )
    if entry is None or entry.phone is None:
        raise ValidationError("This contact is no longer yours to call.")
    CampaignCaller.objects.filter(campaign=campaign, user=actor).update(bridge_number=caller_number)
    try:
        provider_id = provider.bridge(
            caller_number=caller_number, voter_number=entry.phone.number, reference=str(lease_id)
        )
    except BridgeFailed as failed:
        raise ValidationError(f"The call could not be connected: {failed}") from failed
    call_dialled(actor=actor, campaign=campaign, lease_id=lease_id, now=now)
    return provider_id
