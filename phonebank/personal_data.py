"""Personal data held by phone banking: the calls made to a person and their places in call
queues; for a volunteer, the phone banks they called for and how many calls they made.

Erasure deletes a person's calls and queue places (their contacts and answers in members go
with members' own erasure). A volunteer's caller records are deleted; the calls they made stay,
as records about the people called, with the caller's name gone (the link is set to nobody).
"""

from django.db import transaction
from django.utils import timezone

from clp.audit import audit_record
from gdpr.registry import DataSubject, declare
from phonebank.models import Call, CampaignCaller, QueueEntry


def export(subject: DataSubject) -> dict:
    people = subject.person_ids()
    data = {
        "calls": [
            {
                "at": call.ended_at.isoformat(),
                "phone_bank": call.campaign.name,
                "number_called": call.number,
                "outcome": call.get_outcome_display(),
                "voting_intention": call.get_intention_display() if call.intention else "",
                "support_strength": call.strength,
                "call_back_at": call.call_back_at.isoformat() if call.call_back_at else "",
                "note": call.note,
            }
            for call in Call.objects.filter(person__in=people)
            .select_related("campaign")
            .order_by("ended_at")
        ],
        "call_lists": [
            {"phone_bank": name, "state": state, "tries": attempts}
            for name, state, attempts in QueueEntry.objects.filter(person__in=people).values_list(
                "campaign__name", "state", "attempts"
            )
        ],
    }
    if subject.user is not None:
        data["phone_banks_i_called_for"] = [
            {
                "phone_bank": caller.campaign.name,
                "joined_by_code": caller.joined_by_code,
                "calls_made": Call.objects.filter(campaign=caller.campaign, caller=subject.user)
                .only("pk")
                .count(),
                "paused": bool(caller.paused_at),
                "removed": bool(caller.removed_at),
            }
            for caller in CampaignCaller.objects.filter(user=subject.user).select_related(
                "campaign"
            )
        ]
    return data


def erase(subject: DataSubject, *, actor) -> dict:
    people = subject.person_ids()
    with transaction.atomic():
        calls, _ = Call.objects.filter(person__in=people).delete()
        places, _ = QueueEntry.objects.filter(person__in=people).delete()
        callers = calls_unnamed = 0
        if subject.user is not None:
            QueueEntry.objects.filter(leased_by=subject.user).release(timezone.now())
            QueueEntry.objects.filter(reserved_for=subject.user).update(
                reserved_for=None, reserved_until=None
            )
            calls_unnamed = Call.objects.filter(caller=subject.user).update(caller=None)
            callers, _ = CampaignCaller.objects.filter(user=subject.user).delete()
        audit_record(
            actor=actor,
            action="phonebank.erase",
            details={"people": people, "calls": calls, "queue_places": places},
        )
    return {
        "calls_deleted": calls,
        "queue_places_deleted": places,
        "caller_records_deleted": callers,
        "calls_made_unnamed": calls_unnamed,
    }


declare(
    app_label="phonebank",
    models=[Call, QueueEntry, CampaignCaller],
    export=export,
    erase=erase,
    notes="Calls to a person are deleted on erasure; the audit log keeps only counts.",
)
