"""Progress figures for organisers: per polling district and per canvasser. Counting results
only (accepted): pending and rejected results do not count."""

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from canvassing.models import CanvassResult, Outcome, WalkListEntry
from canvassing.selectors import walk_lists_organised_by


def campaign_progress(campaign, *, user, recent_days: int = 14) -> dict:
    lists = walk_lists_organised_by(user).filter(campaign=campaign)
    recently = timezone.now() - datetime.timedelta(days=recent_days)
    on_lists = (
        WalkListEntry.objects.filter(walk_list__in=lists)
        .values("walk_list__polling_district__code")
        .annotate(electors=Count("elector", distinct=True))
    )
    results = CanvassResult.objects.counting().filter(campaign=campaign, walk_list__in=lists)
    by_pd = {
        row["walk_list__polling_district__code"]: row
        for row in results.values("walk_list__polling_district__code").annotate(
            done=Count("elector", distinct=True),
            spoke=Count("elector", filter=Q(outcome=Outcome.SPOKE), distinct=True),
            recent=Count("elector", filter=Q(recorded_at__gte=recently), distinct=True),
        )
    }
    districts = []
    for row in on_lists.order_by("walk_list__polling_district__code"):
        code = row["walk_list__polling_district__code"]
        done = by_pd.get(code, {})
        districts.append(
            {
                "code": code,
                "electors": row["electors"],
                "done": done.get("done", 0),
                "spoke": done.get("spoke", 0),
                "recent": done.get("recent", 0),
            }
        )
    canvassers = list(
        results.values("recorded_by__email", "recorded_by__full_name")
        .annotate(
            results=Count("pk"),
            spoke=Count("pk", filter=Q(outcome=Outcome.SPOKE)),
        )
        .order_by("-results")
    )
    pending = CanvassResult.objects.filter(
        campaign=campaign, walk_list__in=lists, review_status=CanvassResult.Review.PENDING
    ).count()
    return {"districts": districts, "canvassers": canvassers, "pending": pending}
