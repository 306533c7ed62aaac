"""Personal data held by polling day: tellers' marks that a person voted and the knocks on
their door; for a volunteer, the shifts they signed up for.

Erasure deletes a person's marks and knocks (their knock-up contacts in members go with
members' own erasure). A volunteer's shift sign-ups are deleted; the marks they took and the
knocks they made stay, as records about the electors, with the volunteer's name gone.
"""

from django.db import transaction

from clp.audit import audit_record
from gdpr.registry import DataSubject, declare
from pollingday.models import Knock, ShiftSignup, Telling


def export(subject: DataSubject) -> dict:
    people = subject.person_ids()
    data = {
        "marked_as_voted_by_tellers": [
            {
                "election": telling.election.name,
                "station": telling.polling_station.name,
                "at": telling.told_at.isoformat(),
                "undone": bool(telling.undone_at),
            }
            for telling in Telling.objects.filter(person__in=people)
            .select_related("election", "polling_station")
            .order_by("told_at")
        ],
        "knocked_up": [
            {
                "election": knock.knock_up_list.election.name,
                "at": knock.knocked_at.isoformat(),
                "outcome": knock.get_outcome_display(),
                "note": knock.note,
            }
            for knock in Knock.objects.filter(person__in=people)
            .select_related("knock_up_list__election")
            .order_by("knocked_at")
        ],
    }
    if subject.user is not None:
        data["my_shifts"] = [
            {
                "election": signup.shift.election.name,
                "shift": signup.shift.get_kind_display(),
                "starts_at": signup.shift.starts_at.isoformat(),
                "ends_at": signup.shift.ends_at.isoformat(),
            }
            for signup in ShiftSignup.objects.filter(user=subject.user).select_related(
                "shift__election"
            )
        ]
    return data


def erase(subject: DataSubject, *, actor) -> dict:
    people = subject.person_ids()
    with transaction.atomic():
        marks, _ = Telling.objects.filter(person__in=people).delete()
        knocks, _ = Knock.objects.filter(person__in=people).delete()
        signups = 0
        if subject.user is not None:
            signups, _ = ShiftSignup.objects.filter(user=subject.user).delete()
            Telling.objects.filter(recorded_by=subject.user).update(recorded_by=None)
            Knock.objects.filter(recorded_by=subject.user).update(recorded_by=None)
        audit_record(
            actor=actor,
            action="pollingday.erase",
            details={"people": people, "tellings": marks, "knocks": knocks},
        )
    return {"tellings_deleted": marks, "knocks_deleted": knocks, "shift_signups_deleted": signups}


declare(
    app_label="pollingday",
    models=[Telling, Knock, ShiftSignup],
    export=export,
    erase=erase,
    notes=(
        "Erasure deletes tellers' marks and knock-up knocks about the person, and a volunteer's "
        "shift sign-ups; marks and knocks a volunteer recorded stay, attributed to nobody."
    ),
)
