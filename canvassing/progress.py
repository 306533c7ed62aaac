"""Progress figures for organisers: per polling district and per canvasser. Counting results
only (accepted): pending and rejected results do not count."""

from django.db.models import Count, Q

from canvassing.models import CanvassResult, Outcome, WalkListEntry
from canvassing.selectors import walk_lists_organised_by
from clp.access import polling_districts_for_user
from clp.roles import ORGANISING_ROLES
from members.models import Elector
from members.services.contacts import RECENT_DAYS, contacted_recently


def campaign_progress(campaign, *, user, recent_days: int = RECENT_DAYS) -> dict:
    lists = walk_lists_organised_by(user).filter(campaign=campaign)
    on_lists = {
        row["walk_list__polling_district__code"]: row["electors"]
        for row in WalkListEntry.objects.filter(walk_list__in=lists)
        .values("walk_list__polling_district__code")
        .annotate(electors=Count("elector", distinct=True))
    }
    # Every counting result for electors in the user's districts: those recorded from walk
    # lists, and those that came another way (typed in from paper, earlier canvassing).
    results = CanvassResult.objects.counting().filter(
        campaign=campaign,
        elector__polling_district__in=polling_districts_for_user(user, *ORGANISING_ROLES),
    )
    by_pd = {
        row["elector__polling_district__code"]: row
        for row in results.values("elector__polling_district__code").annotate(
            done=Count("elector", distinct=True),
            spoke=Count("elector", filter=Q(outcome=Outcome.SPOKE), distinct=True),
        )
    }
    # Contacted recently by anyone: any campaign, branch or channel (the shared record), in
    # the districts shown. `or [""]`: the query runs even with none, so the page's query count
    # does not depend on whether any list or result exists yet.
    shown = polling_districts_for_user(user, *ORGANISING_ROLES).filter(
        constituency=campaign.constituency_id, code__in=sorted(set(on_lists) | set(by_pd)) or [""]
    )
    recent = dict(
        contacted_recently(
            Elector.objects.filter(polling_district__in=shown, on_register=True),
            days=recent_days,
            person="person",
        )
        .values("polling_district__code")
        .annotate(n=Count("pk"))
        .values_list("polling_district__code", "n")
    )
    districts = []
    for code in sorted(set(on_lists) | set(by_pd)):
        done = by_pd.get(code, {})
        districts.append(
            {
                "code": code,
                "electors": on_lists.get(code, 0),
                "done": done.get("done", 0),
                "spoke": done.get("spoke", 0),
                "recent": recent.get(code, 0),
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
