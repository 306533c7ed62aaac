"""Canvassers' pages: my walk lists, join, the doorstep app, sync, the service worker."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from canvassing import selectors
from canvassing.forms import JoinForm
from canvassing.models import CanvassResult, Intention, Outcome
from canvassing.services import results as result_services
from canvassing.services import walk_lists as walk_list_services
from clp.access import role_required
from clp.audit import audit_bulk_read
from clp.outbox import outbox_records
from clp.roles import RoleCode
from members.segments import MEMBER_STATUSES
from members.services.contacts import RECENT_DAYS

# --- doorstep (canvassers) ---------------------------------------------------------------------


@role_required(RoleCode.CANVASSER)
def my_walk_lists(request):
    walk_lists = selectors.walk_list_progress(
        selectors.walk_lists_for_user(request.user)
    ).select_related("campaign", "polling_district")
    return render(
        request,
        "canvassing/my_walk_lists.html",
        {"walk_lists": walk_lists, "join_form": JoinForm()},
    )


def _join(request, code):
    try:
        walk_list = walk_list_services.walk_list_join(
            actor=request.user, code=code, request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("canvassing:my_walk_lists")
    except walk_list_services.WalkListTaken:
        messages.error(
            request, "Someone else has that walk list at the moment. Ask your organiser."
        )
        return redirect("canvassing:my_walk_lists")
    return redirect("canvassing:doorstep", pk=walk_list.pk)


@require_POST
@role_required(RoleCode.CANVASSER)
def join(request):
    form = JoinForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Type the code printed on the walk sheet.")
        return redirect("canvassing:my_walk_lists")
    return _join(request, form.cleaned_data["code"])


@require_http_methods(["GET", "POST"])
@role_required(RoleCode.CANVASSER)
def join_code(request, code):
    """Where the QR code on the sheet points: confirm, then take the list."""
    if request.method == "POST":
        return _join(request, code)
    return render(request, "canvassing/join_confirm.html", {"code": code})


@require_POST
@role_required(RoleCode.CANVASSER)
def walk_list_return(request, pk):
    walk_list = selectors.get_walk_list_for_user(request.user, pk)
    if walk_list.checked_out_to_id != request.user.pk:
        messages.error(request, "Only the board runner can hand this list back.")
        return redirect("canvassing:doorstep", pk=walk_list.pk)
    walk_list_services.walk_list_return(actor=request.user, walk_list=walk_list, request=request)
    messages.success(request, f"Thank you. {walk_list} has been handed back.")
    return redirect("canvassing:my_walk_lists")


def age_band(elector, today) -> str:
    if elector.date_of_birth:
        born = elector.date_of_birth
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        for upper, label in ((24, "18–24"), (34, "25–34"), (49, "35–49"), (64, "50–64")):
            if age <= upper:
                return label if age >= 18 else "under 18"
        return "65+"
    if elector.attainer_date:
        return "18 soon" if elector.attainer_date > today else "18–24"
    return ""


WORDS = {**dict(Outcome.choices), **dict(Intention.choices)}


def _mark(outcome: str, intention: str) -> str:
    """What a doorstep mark says, in words: "Spoke to them · Labour", "Not in"."""
    words = [WORDS.get(code, code) for code in (outcome, intention) if code]
    return " · ".join(words)


# Register markers in words (docs/register-formats.md). Postal (A) and proxy (P) are shown from
# the elector's own flags; other letters a canvasser would not know are named as markers.
MARKER_WORDS = {
    "F": "Overseas elector",
    "M": "Qualifying foreign national",
    "L": "Peer (local elections only)",
    "G": "EU citizen",
    "K": "EU citizen",
    "B": "EU citizen",
    "E": "EU citizen",
    "N": "Anonymous elector",
}


def marker_words(markers: str) -> list[str]:
    words = []
    for letter in (markers or "").upper():
        if letter in "APZ" or not letter.isalpha():
            continue
        word = MARKER_WORDS.get(letter, f"Register marker {letter}")
        if word not in words:
            words.append(word)
    return words


def _households(entries) -> list[dict]:
    """Group walk-list entries (already in walk order) into households."""
    today = timezone.localdate()
    households: list[dict] = []
    index: dict = {}
    for entry in entries:
        elector = entry.elector
        prop = elector.property
        key = elector.property_id or f"e{elector.pk}"
        household = index.get(key)
        if household is None:
            household = {
                "key": key,
                "address": ", ".join(prop.address_lines) if prop else "Address not known",
                "postcode": prop.postcode if prop else "",
                "electors": [],
                "last_visit": None,
            }
            index[key] = household
            households.append(household)
        membership = getattr(elector.person, "membership", None)
        household["electors"].append(
            {
                "id": elector.pk,
                "number": elector.number
                if not elector.suffix
                else f"{elector.number}/{elector.suffix}",
                "name": f"{elector.forenames} {elector.surname}".strip(),
                "age": age_band(elector, today),
                "last_intention": entry.last_intention or "",
                "postal": elector.is_postal_voter,
                "markers": marker_words(elector.markers),
                "proxy": elector.is_proxy_voter,
                "member": bool(membership and membership.status in MEMBER_STATUSES),
                "done_outcome": entry.done_outcome or "",
                "done_intention": entry.done_intention or "",
                "done_words": _mark(entry.done_outcome or "", entry.done_intention or ""),
                "last_intention_words": WORDS.get(entry.last_intention or "", ""),
            }
        )
        if entry.last_visit and (
            household["last_visit"] is None or entry.last_visit > household["last_visit"]
        ):
            household["last_visit"] = entry.last_visit
    return households


@role_required(RoleCode.CANVASSER)
def doorstep(request, pk):
    """The doorstep app: the whole list, script and questions in one light page that the
    phone keeps for working offline."""
    walk_list = selectors.get_walk_list_for_user(request.user, pk)
    campaign = walk_list.campaign
    households = _households(selectors.walk_list_entries(walk_list))
    elector_count = sum(len(h["electors"]) for h in households)
    audit_bulk_read(
        actor=request.user,
        what="canvassing.doorstep",
        count=elector_count,
        why="canvasser opened their walk list",
        request=request,
        details={"walk_list": walk_list.pk},
    )
    response = render(
        request,
        "canvassing/doorstep.html",
        {
            "walk_list": walk_list,
            "campaign": campaign,
            "questions": list(campaign.questions.all()),
            "households": households,
            "elector_count": elector_count,
            "outcomes": campaign.outcome_choices(),
            "intentions": campaign.intention_choices(),
            "not_in": Outcome.NOT_IN,
            "spoke": Outcome.SPOKE,
            "recently": timezone.now() - datetime.timedelta(days=RECENT_DAYS),
            "posters": [("", "None"), *[c for c in CanvassResult.Poster.choices if c[0]]],
        },
    )
    # The page holds names: phones keep it only in the app's own offline cache.
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@role_required(RoleCode.CANVASSER)
def sync(request):
    """Store a batch of results from a phone. Safe to send twice."""
    try:
        events = outbox_records(request, "results")
    except ValueError:
        return JsonResponse({"error": "Not valid JSON."}, status=400)
    try:
        outcome = result_services.results_sync(actor=request.user, events=events, request=request)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    return JsonResponse(outcome.as_dict())


@require_GET
@never_cache
def service_worker(request):
    """The offline worker, served under /canvassing/ so it may look after the doorstep pages."""
    path = settings.BASE_DIR / "static" / "canvassing" / "sw.js"
    response = HttpResponse(path.read_text(), content_type="application/javascript")
    # Home and My lists are kept for offline use too, so the worker looks after the whole site
    # (it only ever touches pages when they fail to load, and keeps copies of the canvasser's).
    response["Service-Worker-Allowed"] = "/"
    return response
