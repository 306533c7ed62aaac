"""Personal data held by canvassing: doorstep results about a person, the walk lists they are
on, and (for volunteers) the lists they were handed and whether they are flagged "new".

Erasure deletes a person's results and walk-list places: canvass results are opinions about a
named person and have no value once anonymised. Volunteers' assignments are deleted too.
"""

from django.db import transaction

from canvassing.models import CanvasserProfile, CanvassResult, WalkListAssignment, WalkListEntry
from clp.audit import audit_record
from gdpr.registry import DataSubject, declare


def export(subject: DataSubject) -> dict:
    people = subject.person_ids()
    results = (
        CanvassResult.objects.filter(person__in=people)
        .select_related("campaign")
        .order_by("recorded_at")
    )
    data = {
        "doorstep_results": [
            {
                "at": r.recorded_at.isoformat(),
                "campaign": r.campaign.name,
                "outcome": r.get_outcome_display(),
                "voting_intention": r.get_intention_display() if r.intention else "",
                "support_strength": r.strength,
                "survey_answers": r.answers,
                "issues": r.issues,
                "wants_postal_vote": r.wants_postal_vote,
                "wants_to_volunteer": r.wants_to_volunteer,
                "poster": r.poster,
                "note": r.note,
                "source": r.source,
                "review": r.review_status,
            }
            for r in results
        ],
        "walk_lists": list(
            WalkListEntry.objects.filter(elector__person__in=people).values_list(
                "walk_list__name", flat=True
            )
        ),
    }
    if subject.user is not None:
        data["walk_lists_handed_to_me"] = [
            {
                "walk_list": a.walk_list.name,
                "from": a.started_at.isoformat(),
                "until": (a.ended_at or a.expires_at).isoformat(),
                "board_runner": a.is_board_runner,
            }
            for a in WalkListAssignment.objects.filter(user=subject.user).select_related(
                "walk_list"
            )
        ]
        profile = CanvasserProfile.objects.filter(user=subject.user).first()
        data["new_volunteer_review"] = bool(profile and profile.is_new)
    return data


def erase(subject: DataSubject, *, actor) -> dict:
    people = subject.person_ids()
    with transaction.atomic():
        results, _ = CanvassResult.objects.filter(person__in=people).delete()
        entries, _ = WalkListEntry.objects.filter(elector__person__in=people).delete()
        assignments = profiles = 0
        if subject.user is not None:
            assignments, _ = WalkListAssignment.objects.filter(user=subject.user).delete()
            profiles, _ = CanvasserProfile.objects.filter(user=subject.user).delete()
        audit_record(
            actor=actor,
            action="canvassing.erase",
            details={"people": people, "results": results, "walk_list_entries": entries},
        )
    return {
        "results_deleted": results,
        "walk_list_places_deleted": entries,
        "assignments_deleted": assignments,
        "profiles_deleted": profiles,
    }


declare(
    app_label="canvassing",
    models=[CanvassResult, WalkListEntry, WalkListAssignment, CanvasserProfile],
    export=export,
    erase=erase,
    notes="Doorstep results are deleted on erasure; the audit log keeps only counts.",
)
