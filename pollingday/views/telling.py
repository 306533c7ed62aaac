"""Tellers' pages: choose a station, the station page (kept on the phone for no signal), the
sync its numbers are sent to, and the lookup for voters without their poll card."""

import json

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from clp.audit import audit_bulk_read
from clp.outbox import outbox_records
from members.models import Elector
from pollingday.access_telling import telling_days_for_user, telling_station_for_user
from pollingday.services.telling import (
    station_districts_for,
    station_tally,
    tellings_apply,
)

LOOKUP_LIMIT = 20


@login_required
@require_GET
def tell_choose(request):
    """The elections where this user tells, with their stations: one tap opens a station."""
    today = timezone.localdate()
    days = telling_days_for_user(request.user, today=today)
    return render(
        request,
        "pollingday/tell_choose.html",
        {
            "today_days": [d for d in days if d[0].polls_on == today],
            "later_days": [d for d in days if d[0].polls_on != today],
        },
    )


@login_required
@require_GET
def tell(request, election, station):
    """The station page: type numbers as voters come out. Works with no signal."""
    election, station = telling_station_for_user(request.user, election, station)
    places = station_districts_for(election, station)
    count, last = station_tally(election, station)
    opens, closes = election.polls_open, election.polls_close
    today = timezone.localdate()
    response = render(
        request,
        "pollingday/tell_station.html",
        {
            "election": election,
            "station": station,
            "codes": places.codes,
            "elsewhere_json": json.dumps(places.elsewhere),
            "count": count,
            "last": last,
            "opens": opens,
            "closes": closes,
            "is_today": election.polls_on == today,
            "is_before": election.polls_on > today,
        },
    )
    # The page is kept by the phone's offline worker, not by other caches.
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def tell_sync(request, election, station):
    """Numbers (and undos) from a teller's phone. Safe to send twice."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "Log in again to send your numbers."}, status=403)
    election, station = telling_station_for_user(request.user, election, station)
    try:
        entries = outbox_records(request, "entries")
    except ValueError:
        return JsonResponse({"error": "Not valid JSON."}, status=400)
    if not isinstance(entries, list):
        return JsonResponse({"error": "No numbers sent."}, status=400)
    result = tellings_apply(
        actor=request.user, election=election, station=station, entries=entries, request=request
    )
    return JsonResponse(result.as_dict())


@login_required
@require_GET
def tell_lookup(request, election, station):
    """Find a voter's number by surname (and street), only in this station's districts."""
    election, station = telling_station_for_user(request.user, election, station)
    surname = " ".join(request.GET.get("surname", "").split())[:100]
    street = " ".join(request.GET.get("street", "").split())[:100]
    results, more, error = [], False, ""
    # The station page asks for the results alone (a fragment); opened as a page, the lookup
    # shows its own form around them.
    fragment = request.headers.get("HX-Request") == "true"
    searched = fragment or "surname" in request.GET
    if searched and len(surname) < 2:
        error = "Type at least the first two letters of the surname."
    elif searched:
        places = station_districts_for(election, station)
        electors = Elector.objects.filter(
            polling_district_id__in=list(places.ids.values()),
            on_register=True,
            surname__istartswith=surname,
        )
        if street:
            electors = electors.filter(property__street__name__icontains=street)
        rows = list(
            electors.order_by("surname", "forenames", "number")
            .annotate(
                code=F("polling_district__code"),
                house=F("property__house_number"),
                street_name=F("property__street__name"),
            )
            .values("forenames", "surname", "number", "suffix", "code", "house", "street_name")[
                : LOOKUP_LIMIT + 1
            ]
        )
        more = len(rows) > LOOKUP_LIMIT
        results = rows[:LOOKUP_LIMIT]
        for row in results:
            row["elector_number"] = f"{row['code']}-{row['number']}" + (
                f"/{row['suffix']}" if row["suffix"] else ""
            )
            row["address"] = " ".join(str(p) for p in (row["house"], row["street_name"]) if p)
        audit_bulk_read(
            actor=request.user,
            what="pollingday.tell_lookup",
            count=len(results),
            why="teller looked up a voter without a poll card",
            request=request,
            details={
                "election": election.pk,
                "station": station.pk,
                "surname": surname,
                "street": street,
            },
        )
    return render(
        request,
        "pollingday/tell_lookup_results.html" if fragment else "pollingday/tell_lookup.html",
        {
            "election": election,
            "station": station,
            "results": results,
            "more": more,
            "error": error,
            "surname": surname,
            "street": street,
            "searched": searched,
            "fragment": fragment,
        },
    )
