"""Knock-up and the boards: the promise list, cutting and handing out knock-up lists, the
printable sheet, the runner's phone (with its sync and "who has voted since" feeds), the
committee-room board and the turnout board."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from clp.access import role_required
from clp.audit import audit_bulk_read
from clp.outbox import outbox_records
from clp.roles import ORGANISING_ROLES
from members.models import KNOCK_UP_OUTCOMES
from pollingday import boards
from pollingday import promises as promise_reads
from pollingday.access import election_for_organiser, organiser_districts
from pollingday.access_knockup import (
    get_knockup_list_for_organiser,
    get_knockup_list_for_runner,
    knockup_lists_for_organiser,
    knockup_lists_for_runner,
    room_for_organiser,
    runner_ids_by_district,
    runners_for,
)
from pollingday.forms_knockup import CutForm, HandOutForm
from pollingday.knockup import households, live_entries, voted_condition, voted_on_list
from pollingday.services import knockup as services

PAGE_SIZE = 100
BOARD_POLL_SECONDS = 30
VOTED_POLL_SECONDS = 60


# --- the promise list ------------------------------------------------------------------------


@role_required(*ORGANISING_ROLES)
def promises(request, pk):
    election = election_for_organiser(request.user, pk)
    districts = list(organiser_districts(request.user, election).order_by("code"))
    chosen = request.GET.get("district", "")
    shown = [d for d in districts if d.code == chosen] or districts
    electors = (
        promise_reads.promises(election, shown)
        .annotate(has_voted=voted_condition(election))
        .select_related(
            "polling_district", "property", "property__street", "person__contact_summary"
        )
        .order_by(
            "polling_district__code",
            "property__street__name",
            "property__house_number",
            "property__house_suffix",
            "property__flat",
            "number",
            "suffix",
        )
    )
    page = Paginator(electors, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_bulk_read(
        actor=request.user,
        what="pollingday.promises",
        count=len(page.object_list),
        why="promise list",
        request=request,
        details={"election": election.pk, "district": chosen, "page": page.number},
    )
    return render(
        request,
        "pollingday/promises.html",
        {
            "election": election,
            "districts": districts,
            "chosen": chosen if len(shown) == 1 else "",
            "figures": boards.district_figures(election, districts),
            "page": page,
        },
    )


# --- knock-up lists (organisers) ---------------------------------------------------------------


def _cut_form(request, election, data=None):
    return CutForm(
        data,
        districts=organiser_districts(request.user, election).order_by("code"),
        rooms=election.committee_rooms.all(),
    )


@role_required(*ORGANISING_ROLES)
def knockup_lists(request, pk):
    election = election_for_organiser(request.user, pk)
    districts = list(organiser_districts(request.user, election).order_by("code"))
    lists = list(
        knockup_lists_for_organiser(request.user, election)
        .select_related("polling_district", "runner", "committee_room")
        .annotate(n_entries=Count("entries"))
        .order_by("polling_district__code", "-round", "pk")
    )
    runner_ids = runner_ids_by_district(election, districts)
    volunteers = list(
        get_user_model()
        .objects.filter(is_active=True, pk__in=set().union(*runner_ids.values()))
        .order_by("full_name", "email")
    )
    runners = {pk: [u for u in volunteers if u.pk in ids] for pk, ids in runner_ids.items()}
    current = {}
    for knock_up_list in lists:
        current.setdefault(knock_up_list.polling_district_id, knock_up_list.round)
        knock_up_list.current = knock_up_list.round == current[knock_up_list.polling_district_id]
        knock_up_list.runner_choices = runners.get(knock_up_list.polling_district_id, [])
    return render(
        request,
        "pollingday/knockup_lists.html",
        {
            "election": election,
            "figures": boards.district_figures(election, districts),
            "lists": lists,
            "form": _cut_form(request, election),
        },
    )


@require_POST
@role_required(*ORGANISING_ROLES)
def knockup_cut(request, pk):
    election = election_for_organiser(request.user, pk)
    form = _cut_form(request, election, request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("pollingday:knockup_lists", pk=election.pk)
    district = form.cleaned_data["polling_district"]
    try:
        lists = services.knockup_lists_cut(
            actor=request.user,
            election=election,
            polling_district=district,
            doors=form.cleaned_data["doors"],
            committee_room=form.cleaned_data["committee_room"],
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("pollingday:knockup_lists", pk=election.pk)
    if lists:
        messages.success(
            request,
            f"Round {lists[0].round} for {district.code}: {len(lists)} "
            f"list{'s' if len(lists) != 1 else ''} of promises who have not voted yet. "
            "Earlier lists of the district are taken back.",
        )
    else:
        messages.warning(
            request, f"Every promise in {district.code} has voted (or there are none): no lists."
        )
    return redirect("pollingday:knockup_lists", pk=election.pk)


@require_POST
@role_required(*ORGANISING_ROLES)
def knockup_hand_out(request, pk):
    knock_up_list = get_knockup_list_for_organiser(request.user, pk)
    form = HandOutForm(
        request.POST,
        runners=runners_for(knock_up_list.election, knock_up_list.polling_district),
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    elif form.cleaned_data["take_back"]:
        services.knockup_list_take_back(
            actor=request.user, knock_up_list=knock_up_list, request=request
        )
        messages.success(request, f"{knock_up_list.name} is taken back.")
    else:
        runner = form.cleaned_data["runner"]
        try:
            services.knockup_list_hand_out(
                actor=request.user, knock_up_list=knock_up_list, runner=runner, request=request
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{knock_up_list.name} is with {runner}.")
    return redirect("pollingday:knockup_lists", pk=knock_up_list.election_id)


@role_required(*ORGANISING_ROLES)
def knockup_pdf(request, pk):
    from weasyprint import HTML

    knock_up_list = get_knockup_list_for_organiser(request.user, pk)
    entries = list(live_entries(knock_up_list))
    audit_bulk_read(
        actor=request.user,
        what="pollingday.knockup_sheet",
        count=len(entries),
        why="printed knock-up sheet",
        request=request,
        details={"knock_up_list": knock_up_list.pk},
    )
    doors = households(entries)
    streets: list[dict] = []
    for door in doors:
        if not streets or streets[-1]["name"] != door["street"]:
            streets.append({"name": door["street"], "doors": []})
        streets[-1]["doors"].append(door)
    html = render_to_string(
        "pollingday/knockup_sheet.html",
        {
            "knock_up_list": knock_up_list,
            "election": knock_up_list.election,
            "streets": streets,
            "count": len(entries),
            "printed": timezone.localtime(),
            "outcomes": [(o.value, o.label) for o in KNOCK_UP_OUTCOMES],
        },
    )
    pdf = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="knock-up-{knock_up_list.pk}.pdf"'
    return response


# --- the runner's phone --------------------------------------------------------------------


@login_required
def my_knock_up_lists(request):
    lists = (
        knockup_lists_for_runner(request.user)
        .select_related("election", "polling_district")
        .annotate(n_entries=Count("entries"))
        .order_by("-handed_out_at")
    )
    response = render(request, "pollingday/knockup_mine.html", {"lists": lists})
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def knockup_run(request, pk):
    """The runner's list: each door in walk order with its promises who have not voted, in
    one light page the phone keeps for working with no signal."""
    knock_up_list = get_knockup_list_for_runner(request.user, pk)
    entries = list(live_entries(knock_up_list))
    cut = knock_up_list.entries.count()
    audit_bulk_read(
        actor=request.user,
        what="pollingday.knockup_run",
        count=len(entries),
        why="runner opened their knock-up list",
        request=request,
        details={"knock_up_list": knock_up_list.pk},
    )
    response = render(
        request,
        "pollingday/knockup_run.html",
        {
            "knock_up_list": knock_up_list,
            "households": households(entries),
            "elector_count": len(entries),
            "voted_before": cut - len(entries),
            "outcomes": [(o.value, o.label) for o in KNOCK_UP_OUTCOMES],
            "poll_seconds": VOTED_POLL_SECONDS,
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@never_cache
@login_required
def knockup_voted(request, pk):
    """The list's electors who have voted now (ids only), for the runner's page to hide."""
    knock_up_list = get_knockup_list_for_runner(request.user, pk)
    return JsonResponse({"voted": voted_on_list(knock_up_list), "at": timezone.now().isoformat()})


@require_POST
@login_required
def knockup_sync(request, pk):
    """Store a batch of knocks from a runner's phone. Safe to send twice."""
    knock_up_list = get_knockup_list_for_runner(request.user, pk, taken_back_too=True)
    try:
        events = outbox_records(request, "knocks")
    except ValueError:
        return JsonResponse({"error": "Not valid JSON."}, status=400)
    try:
        outcome = services.knocks_sync(
            actor=request.user, knock_up_list=knock_up_list, events=events, request=request
        )
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse(outcome.as_dict())


# --- boards ------------------------------------------------------------------------------------


@role_required(*ORGANISING_ROLES)
def committee_room_board(request, pk, room):
    election = election_for_organiser(request.user, pk)
    committee_room = room_for_organiser(request.user, election, room)
    districts = list(
        organiser_districts(request.user, election)
        .filter(pk__in=committee_room.polling_districts.values("pk"))
        .order_by("code")
    )
    figures = boards.district_figures(election, districts)
    context = {
        "election": election,
        "room": committee_room,
        "figures": figures,
        "totals": {
            "electors": sum(f.electors for f in figures),
            "promises": sum(f.promises for f in figures),
            "promises_voted": sum(f.promises_voted for f in figures),
            "still_to_knock": sum(f.still_to_knock for f in figures),
            "runners_out": sum(f.runners_out for f in figures),
        },
        "stations": boards.station_activity(election, boards.stations_of(districts)),
        "now": timezone.localtime(),
        "poll_seconds": BOARD_POLL_SECONDS,
        "quiet_minutes": int(boards.QUIET_AFTER.total_seconds() // 60),
    }
    template = "pollingday/board_room_live.html" if request.htmx else "pollingday/board_room.html"
    return render(request, template, context)


@role_required(*ORGANISING_ROLES)
def turnout(request, pk):
    election = election_for_organiser(request.user, pk)
    districts = organiser_districts(request.user, election).order_by("code")
    figures = boards.turnout(election, districts)
    return render(
        request,
        "pollingday/turnout.html",
        {"election": election, "turnout": figures, "now": timezone.localtime()},
    )
