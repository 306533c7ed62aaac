"""Timeline provider: what a doorstep result says beyond its contact (members shows every
contact, with intentions and answers, from the shared record): requests and notes."""

from canvassing.models import CanvassResult


def person_events(person) -> list[dict]:
    results = (
        CanvassResult.objects.filter(person=person)
        .exclude(
            wants_postal_vote=False,
            wants_to_volunteer=False,
            poster="",
            issues="",
            note="",
        )
        .select_related("campaign", "recorded_by")
        .order_by("-recorded_at", "-received_at")
    )
    events = []
    for result in results:
        parts = []
        if result.wants_postal_vote:
            parts.append("wants a postal vote")
        if result.wants_to_volunteer:
            parts.append("wants to volunteer")
        if result.poster:
            parts.append(f"will take a {result.get_poster_display().lower()}")
        if result.issues:
            parts.append(f"issues: {result.issues}")
        if result.note:
            parts.append(f"note: {result.note}")
        events.append(
            {
                "at": result.recorded_at,
                "kind": "doorstep",
                "summary": f"{result.campaign.name}: " + "; ".join(parts),
                "by": str(result.recorded_by or ""),
            }
        )
    return events
