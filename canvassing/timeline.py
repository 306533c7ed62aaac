"""Contact-history provider: a person's doorstep results for their timeline, newest first.

To be registered with members' timeline registry (members/timeline.py) at merge.
"""

from canvassing.models import CanvassResult


def person_events(person) -> list[dict]:
    results = (
        CanvassResult.objects.filter(person=person)
        .select_related("campaign", "recorded_by")
        .order_by("-recorded_at", "-received_at")
    )
    events = []
    for result in results:
        parts = [result.get_outcome_display()]
        if result.intention:
            parts.append(result.get_intention_display())
        if result.strength:
            parts.append(f"strength {result.strength}")
        if result.review_status != CanvassResult.Review.ACCEPTED:
            parts.append(result.get_review_status_display().lower())
        events.append(
            {
                "at": result.recorded_at,
                "kind": "doorstep" if result.source == CanvassResult.Source.DOORSTEP else "paper",
                "summary": f"{result.campaign.name}: " + ", ".join(parts),
                "by": str(result.recorded_by or ""),
            }
        )
    return events
