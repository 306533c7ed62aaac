"""Geography pages: wards, branches, polling districts and polling stations, without the admin."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clp.access import polling_districts_for_user, role_required
from members import geography as geography_services
from members.forms.geography import (
    BranchAddForm,
    BranchWardsForm,
    DistrictAddForm,
    DistrictMoveForm,
    DistrictStationForm,
    GeographyNameForm,
    StationAddForm,
    WardAddForm,
)
from members.models import Branch, PollingDistrict, PollingStation, Ward
from members.selectors import (
    GEOGRAPHY_EDITORS,
    READERS,
    geography_constituencies_for_user,
    get_geography_constituency_for_user,
    get_geography_item_for_user,
)


@role_required(*READERS)
def geography(request):
    """The constituency's geography. Organisers and the IT manager (CLP-wide) change it; area
    organisers read the part covering their own areas."""
    constituency = get_geography_constituency_for_user(
        request.user, request.GET.get("constituency"), edit=False
    )
    can_edit = (
        geography_constituencies_for_user(request.user, edit=True)
        .filter(pk=constituency.pk)
        .exists()
    )
    districts = PollingDistrict.objects.filter(constituency=constituency).select_related(
        "ward", "polling_station"
    )
    wards = Ward.objects.filter(constituency=constituency)
    branches = Branch.objects.filter(constituency=constituency).prefetch_related("wards")
    stations = PollingStation.objects.filter(constituency=constituency)
    if not can_edit:
        mine = list(polling_districts_for_user(request.user).values_list("pk", flat=True))
        districts = districts.filter(pk__in=mine)
        wards = wards.filter(polling_districts__in=mine).distinct()
        branches = branches.filter(wards__in=wards).distinct()
        stations = stations.filter(polling_districts__in=mine).distinct()
    wards = list(wards.prefetch_related("polling_districts"))
    return render(
        request,
        "members/geography.html",
        {
            "constituency": constituency,
            "can_edit": can_edit,
            "districts": list(districts),
            "wards": wards,
            "branches": list(branches),
            "stations": list(stations),
            "wards_in_use": [w for w in wards if w.retired_on is None],
            "stations_in_use": [s for s in stations if s.retired_on is None],
            "forms": {
                "ward": WardAddForm(constituency=constituency, auto_id="add-ward-%s"),
                "branch": BranchAddForm(constituency=constituency, auto_id="add-branch-%s"),
                "district": DistrictAddForm(constituency=constituency, auto_id="add-district-%s"),
                "station": StationAddForm(constituency=constituency, auto_id="add-station-%s"),
            }
            if can_edit
            else {},
        },
    )


def _geography_redirect(constituency, anchor=""):
    url = reverse("members:geography") + f"?constituency={constituency.pk}"
    return redirect(url + (f"#{anchor}" if anchor else ""))


def _form_errors(request, form):
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


SECTIONS = {"ward": "wards", "branch": "branches", "district": "districts", "station": "stations"}


GEOGRAPHY_ADD = {
    "ward": (
        WardAddForm,
        lambda d: geography_services.ward_create(name=d["name"], **d["_common"]),
    ),
    "branch": (
        BranchAddForm,
        lambda d: geography_services.branch_create(
            name=d["name"], wards=d["wards"], **d["_common"]
        ),
    ),
    "district": (
        DistrictAddForm,
        lambda d: geography_services.polling_district_create(
            code=d["code"], ward=d["ward"], name=d["name"], **d["_common"]
        ),
    ),
    "station": (
        StationAddForm,
        lambda d: geography_services.polling_station_create(
            name=d["name"], code=d["code"], postcode=d["postcode"], **d["_common"]
        ),
    ),
}


@require_POST
@role_required(*GEOGRAPHY_EDITORS)
def geography_add(request, kind):
    constituency = get_geography_constituency_for_user(
        request.user, request.POST.get("constituency"), edit=True
    )
    if kind not in GEOGRAPHY_ADD:
        raise Http404("No such kind of area.")
    form_class, service = GEOGRAPHY_ADD[kind]
    form = form_class(request.POST, constituency=constituency)
    if not form.is_valid():
        _form_errors(request, form)
        return _geography_redirect(constituency, SECTIONS[kind])
    common = {"actor": request.user, "constituency": constituency, "request": request}
    try:
        item = service({**form.cleaned_data, "_common": common})
    except ValidationError as problem:
        for message in problem.messages:
            messages.error(request, message)
        return _geography_redirect(constituency, SECTIONS[kind])
    messages.success(request, f"Added {item}.")
    return _geography_redirect(constituency, f"{kind}-{item.pk}")


# (kind, action) → (form or None, service taking the item and the form's cleaned data)
GEOGRAPHY_CHANGE = {
    ("ward", "rename"): (
        GeographyNameForm,
        lambda item, d, c: geography_services.ward_rename(ward=item, name=d["name"], **c),
    ),
    ("ward", "retire"): (
        None,
        lambda item, d, c: geography_services.ward_retire(ward=item, **c),
    ),
    ("branch", "rename"): (
        GeographyNameForm,
        lambda item, d, c: geography_services.branch_rename(branch=item, name=d["name"], **c),
    ),
    ("branch", "wards"): (
        BranchWardsForm,
        lambda item, d, c: geography_services.branch_wards_set(branch=item, wards=d["wards"], **c),
    ),
    ("branch", "retire"): (
        None,
        lambda item, d, c: geography_services.branch_retire(branch=item, **c),
    ),
    ("district", "rename"): (
        GeographyNameForm,
        lambda item, d, c: geography_services.polling_district_rename(
            district=item, name=d["name"], **c
        ),
    ),
    ("district", "move"): (
        DistrictMoveForm,
        lambda item, d, c: geography_services.polling_district_move(
            district=item, ward=d["ward"], **c
        ),
    ),
    ("district", "station"): (
        DistrictStationForm,
        lambda item, d, c: geography_services.polling_district_station_set(
            district=item, station=d["station"], **c
        ),
    ),
    ("district", "retire"): (
        None,
        lambda item, d, c: geography_services.polling_district_retire(district=item, **c),
    ),
    ("station", "rename"): (
        GeographyNameForm,
        lambda item, d, c: geography_services.polling_station_rename(
            station=item, name=d["name"], **c
        ),
    ),
    ("station", "retire"): (
        None,
        lambda item, d, c: geography_services.polling_station_retire(station=item, **c),
    ),
}


@require_POST
@role_required(*GEOGRAPHY_EDITORS)
def geography_change(request, kind, pk, action):
    item = get_geography_item_for_user(request.user, kind, pk)
    if (kind, action) not in GEOGRAPHY_CHANGE:
        raise Http404("No such change.")
    form_class, service = GEOGRAPHY_CHANGE[(kind, action)]
    data = {}
    if form_class is not None:
        form = form_class(request.POST, constituency=item.constituency)
        if not form.is_valid():
            _form_errors(request, form)
            return _geography_redirect(item.constituency, f"{kind}-{item.pk}")
        data = form.cleaned_data
    try:
        service(item, data, {"actor": request.user, "request": request})
    except ValidationError as problem:
        for message in problem.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"Saved: {item}.")
    return _geography_redirect(item.constituency, f"{kind}-{item.pk}")
