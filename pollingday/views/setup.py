"""Setting polling day up: elections, stations, committee rooms and the shift rota
(organisers), and the shifts volunteers sign up for on their phones."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clp.access import role_required
from clp.audit import audit_bulk_read
from clp.roles import ORGANISING_ROLES
from pollingday import selectors
from pollingday.access import election_for_organiser, organiser_districts
from pollingday.access_setup import (
    clp_wide_constituencies,
    committee_room_for_organiser,
    committee_rooms_for_organiser,
    election_for_setting_up,
    is_clp_wide,
    shift_for_organiser,
    shift_for_volunteer,
    shifts_for_volunteer,
    station_for_organiser,
    stations_for_organiser,
    stations_serving,
)
from pollingday.forms import (
    CommitteeRoomForm,
    ElectionForm,
    ShiftForm,
    StationForm,
    VolunteerForm,
)
from pollingday.models import Shift
from pollingday.services import setup as services


def _refused(form, refused: ValidationError) -> None:
    for message in refused.messages:
        form.add_error(None, message)


def _warn_if_past(request, election) -> None:
    if election.polls_on < timezone.localdate():
        messages.warning(
            request,
            f"Polling day ({election.polls_on:%-d %B %Y}) is in the past: this is kept as an "
            "earlier election, for its marked register and to compare turnout with.",
        )


# Elections


@role_required(*ORGANISING_ROLES)
def election_list(request):
    return render(
        request,
        "pollingday/election_list.html",
        {
            **selectors.elections_for_list(request.user),
            "can_create": clp_wide_constituencies(request.user).exists(),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(*ORGANISING_ROLES)
def election_create(request):
    if not clp_wide_constituencies(request.user).exists():
        raise PermissionDenied("Only a CLP-wide organiser can set up an election.")
    form = ElectionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            election = services.election_create(
                actor=request.user,
                constituency=form.cleaned_data["constituency"],
                values=form.values(),
                districts=form.cleaned_data["districts"],
                request=request,
            )
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(request, "Election set up. Check its polling stations next.")
            _warn_if_past(request, election)
            return redirect("pollingday:election_detail", election.pk)
    return render(request, "pollingday/election_edit.html", {"form": form, "election": None})


@require_http_methods(["GET", "POST"])
@role_required(*ORGANISING_ROLES)
def election_edit(request, pk):
    election = election_for_setting_up(request.user, pk)
    form = ElectionForm(request.POST or None, user=request.user, election=election)
    if request.method == "POST" and form.is_valid():
        try:
            services.election_update(
                actor=request.user,
                election=election,
                values=form.values(),
                districts=form.cleaned_data["districts"],
                seen=form.seen(),
                request=request,
            )
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(request, "Saved.")
            _warn_if_past(request, election)
            return redirect("pollingday:election_detail", election.pk)
    return render(request, "pollingday/election_edit.html", {"form": form, "election": election})


@role_required(*ORGANISING_ROLES)
def election_detail(request, pk):
    election = election_for_organiser(request.user, pk)
    summary = selectors.election_summary(request.user, election)
    stations = {}
    for district in summary["districts"]:
        if district.polling_station_id:
            stations.setdefault(district.polling_station_id, district.polling_station)
    return render(
        request,
        "pollingday/election_detail.html",
        {
            "election": election,
            "summary": summary,
            "stations": sorted(stations.values(), key=lambda s: s.name),
            "can_edit": is_clp_wide(request.user, election),
            "today": timezone.localdate(),
        },
    )


# Polling stations


def _districts_by_station(user, election) -> dict:
    by_station = {}
    for district in organiser_districts(user, election).order_by("code"):
        by_station.setdefault(district.polling_station_id, []).append(district)
    return by_station


@role_required(*ORGANISING_ROLES)
def station_list(request, pk):
    election = election_for_organiser(request.user, pk)
    by_station = _districts_by_station(request.user, election)
    serving = list(stations_serving(request.user, election))
    for station in serving:
        station.election_districts = by_station.get(station.pk, [])
    others = stations_for_organiser(request.user, election).exclude(pk__in=[s.pk for s in serving])
    return render(
        request,
        "pollingday/station_list.html",
        {
            "election": election,
            "stations": serving,
            "no_station": by_station.get(None, []),
            "others": list(others.order_by("name")),
        },
    )


def _choosable(user, election):
    return (
        organiser_districts(user, election)
        .select_related("ward", "polling_station")
        .order_by("code")
    )


def _station_form(request, election, station):
    choosable = _choosable(request.user, election)
    form = StationForm(request.POST or None, choosable=choosable, station=station)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.polling_station_save(
                actor=request.user,
                election=election,
                station=station,
                name=form.cleaned_data["name"],
                address=form.cleaned_data["address"],
                postcode=form.cleaned_data["postcode"],
                districts=form.cleaned_data["polling_districts"],
                choosable=choosable,
                seen=form.seen(),
                request=request,
            )
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(request, f"Saved {saved.name}.")
            return redirect("pollingday:station_list", election.pk)
    return render(
        request,
        "pollingday/station_edit.html",
        {"form": form, "election": election, "station": station},
    )


@require_http_methods(["GET", "POST"])
@role_required(*ORGANISING_ROLES)
def station_create(request, pk):
    election = election_for_organiser(request.user, pk)
    return _station_form(request, election, None)


@require_http_methods(["GET", "POST"])
@role_required(*ORGANISING_ROLES)
def station_edit(request, pk, station):
    election = election_for_organiser(request.user, pk)
    return _station_form(request, election, station_for_organiser(request.user, election, station))


# Committee rooms


def _room_form(request, election, room):
    choosable = _choosable(request.user, election)
    form = CommitteeRoomForm(request.POST or None, choosable=choosable, room=room)
    if request.method == "POST" and form.is_valid():
        try:
            services.committee_room_save(
                actor=request.user,
                election=election,
                room=room,
                name=form.cleaned_data["name"],
                address=form.cleaned_data["address"],
                phone=form.cleaned_data["phone"],
                districts=form.cleaned_data["polling_districts"],
                choosable=choosable,
                seen=form.seen(),
                request=request,
            )
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(request, "Committee room saved.")
            return redirect("pollingday:election_detail", election.pk)
    return render(
        request, "pollingday/room_edit.html", {"form": form, "election": election, "room": room}
    )


@require_http_methods(["GET", "POST"])
@role_required(*ORGANISING_ROLES)
def committee_room_create(request, pk):
    election = election_for_organiser(request.user, pk)
    return _room_form(request, election, None)


@require_http_methods(["GET", "POST"])
@role_required(*ORGANISING_ROLES)
def committee_room_edit(request, pk, room):
    election = election_for_organiser(request.user, pk)
    return _room_form(request, election, committee_room_for_organiser(request.user, election, room))


# Shifts: the organiser's rota


@role_required(*ORGANISING_ROLES)
def shift_list(request, pk):
    election = election_for_organiser(request.user, pk)
    only_gaps = request.GET.get("gaps") == "1"
    rota = selectors.rota(request.user, election, only_gaps=only_gaps)
    audit_bulk_read(
        actor=request.user,
        what="pollingday.shift_rota",
        count=rota["volunteers"],
        why="organiser viewed the polling-day rota",
        request=request,
        details={"election": election.pk, "only_gaps": only_gaps},
    )
    return render(
        request,
        "pollingday/shift_list.html",
        {
            "election": election,
            "rota": rota,
            "only_gaps": only_gaps,
        },
    )


@require_POST
@role_required(*ORGANISING_ROLES)
def shift_rota_make(request, pk):
    election = election_for_organiser(request.user, pk)
    stations = list(stations_serving(request.user, election))
    if not stations:
        messages.error(
            request, "No polling station serves these districts yet: add the stations first."
        )
        return redirect("pollingday:station_list", election.pk)
    added = services.telling_rota_make(
        actor=request.user, election=election, stations=stations, request=request
    )
    if added:
        messages.success(
            request,
            f"Added {added} telling shifts at {len(stations)} "
            f"station{'s' if len(stations) != 1 else ''}, two tellers each.",
        )
    else:
        messages.success(request, "The telling rota was already complete: nothing added.")
    return redirect("pollingday:shift_list", election.pk)


def _shift_form(request, election, shift):
    stations = stations_serving(request.user, election)
    rooms = committee_rooms_for_organiser(request.user, election).order_by("name")
    form = ShiftForm(
        request.POST or None, election=election, stations=stations, rooms=rooms, shift=shift
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.shift_save(
                actor=request.user,
                election=election,
                shift=shift,
                kind=data["kind"],
                polling_station=data["polling_station"],
                committee_room=data["committee_room"],
                starts_at=election.on_polling_day(data["starts"]),
                ends_at=election.on_polling_day(data["ends"]),
                wanted=data["wanted"],
                notes=data["notes"],
                seen=form.seen(),
                request=request,
            )
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(request, "Shift saved.")
            return redirect("pollingday:shift_edit", saved.pk)
    context = {"form": form, "election": election, "shift": shift}
    if shift is not None:
        context["signups"] = list(shift.signups.select_related("user").order_by("signed_up_at"))
        context["volunteer_form"] = VolunteerForm(election=election)
        audit_bulk_read(
            actor=request.user,
            what="pollingday.shift_volunteers",
            count=len(context["signups"])
            + context["volunteer_form"].fields["volunteer"].queryset.count(),
            why="organiser opened a shift: who is on it and who could be",
            request=request,
            details={"shift": shift.pk},
        )
    return render(request, "pollingday/shift_edit.html", context)


@require_http_methods(["GET", "POST"])
@role_required(*ORGANISING_ROLES)
def shift_create(request, pk):
    election = election_for_organiser(request.user, pk)
    return _shift_form(request, election, None)


@require_http_methods(["GET", "POST"])
@role_required(*ORGANISING_ROLES)
def shift_edit(request, pk):
    shift = shift_for_organiser(request.user, pk)
    return _shift_form(request, shift.election, shift)


@require_POST
@role_required(*ORGANISING_ROLES)
def shift_assign(request, pk):
    shift = shift_for_organiser(request.user, pk)
    form = VolunteerForm(request.POST, election=shift.election)
    if not form.is_valid():
        messages.error(request, "Choose a volunteer from the list.")
        return redirect("pollingday:shift_edit", shift.pk)
    volunteer = form.cleaned_data["volunteer"]
    try:
        services.shift_signup_create(
            actor=request.user, shift=shift, user=volunteer, request=request
        )
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages) + " Ask for more people first.")
    else:
        messages.success(request, f"{volunteer.full_name or volunteer.email} is on this shift.")
    return redirect("pollingday:shift_edit", shift.pk)


@require_POST
@role_required(*ORGANISING_ROLES)
def shift_unassign(request, pk, user):
    shift = shift_for_organiser(request.user, pk)
    signup = get_object_or_404(shift.signups.select_related("user"), user_id=user)
    services.shift_signup_cancel(actor=request.user, shift=shift, user=signup.user, request=request)
    name = signup.user.full_name or signup.user.email
    messages.success(request, f"{name} is off this shift.")
    if request.POST.get("next") == "rota":
        return redirect("pollingday:shift_list", shift.election_id)
    return redirect("pollingday:shift_edit", shift.pk)


# Shifts: volunteers


@login_required
def my_shifts(request):
    return render(
        request,
        "pollingday/shift_mine.html",
        {
            "signups": selectors.my_signups(request.user),
            "days": selectors.open_shifts(request.user),
        },
    )


@require_POST
@login_required
def shift_signup(request, pk):
    shift = shift_for_volunteer(request.user, pk)
    try:
        services.shift_signup_create(
            actor=request.user, shift=shift, user=request.user, request=request
        )
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, f"You are down for {_describe(shift)}. Thank you!")
    return redirect("pollingday:my_shifts")


@require_POST
@login_required
def shift_cancel(request, pk):
    shift = get_object_or_404(
        Shift.objects.filter(
            Q(pk__in=shifts_for_volunteer(request.user).values("pk"))
            | Q(signups__user=request.user)
        )
        .select_related("polling_station", "committee_room")
        .distinct(),
        pk=pk,
    )
    if services.shift_signup_cancel(
        actor=request.user, shift=shift, user=request.user, request=request
    ):
        messages.success(request, f"You are no longer down for {_describe(shift)}.")
    else:
        messages.warning(request, "You were not down for that shift.")
    return redirect("pollingday:my_shifts")


def _describe(shift) -> str:
    place = shift.polling_station or shift.committee_room
    start, end = timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at)
    return (
        f"{shift.get_kind_display().lower()} at {place}, {start:%A %-d %B} "
        f"{start:%H:%M}–{end:%H:%M}"
    )
