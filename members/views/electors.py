"""The electors list and its CSV download."""

from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse

from clp.access import role_required
from clp.audit import audit_bulk_read
from clp.exports import formula_safe
from members.forms.people import ElectorFilterForm
from members.pagination import IdsFirstPaginator
from members.selectors import READERS, electors_for_user
from members.views.common import PAGE_SIZE, _csv_response, _export_reason


def _filtered_electors(request):
    form = ElectorFilterForm(request.GET or None, user=request.user)
    electors = electors_for_user(request.user)
    if form.is_bound and not form.is_valid():
        # A district outside the user's areas (or unknown) must never widen to all of them.
        return form, electors.none()
    data = form.cleaned_data if form.is_valid() else {}
    show = data.get("show") or "on"
    if show == "on":
        electors = electors.on_register()
    elif show == "off":
        electors = electors.off_register()
    if data.get("polling_district"):
        electors = electors.filter(polling_district=data["polling_district"])
    if data.get("q"):
        electors = electors.matching(data["q"])
    return form, electors.select_related("polling_district", "property").order_by(
        "polling_district__code", "number", "suffix", "pk"
    )


@role_required(*READERS)
def elector_list(request):
    form, electors = _filtered_electors(request)
    page = IdsFirstPaginator(
        electors, PAGE_SIZE, related=("polling_district", "property")
    ).get_page(request.GET.get("page"))
    audit_bulk_read(
        actor=request.user,
        what="electors",
        count=len(page.object_list),
        why="search" if request.GET.get("q") else "list",
        request=request,
        details={"filters": {k: v for k, v in request.GET.items() if k != "page"}},
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/elector_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=400 if form.errors else 200,
    )


def _refused_filter(form) -> str:
    if "polling_district" in form.errors:
        return "That polling district is not one of yours (or does not exist): nothing exported."
    return "The filter is not valid: nothing exported. " + " ".join(
        m for errors in form.errors.values() for m in errors
    )


@role_required(*READERS)
def elector_export(request):
    form, electors = _filtered_electors(request)
    if form.errors:
        return HttpResponseBadRequest(_refused_filter(form), content_type="text/plain")
    page, why = _export_reason(
        request,
        title="Download electors",
        what="the electors your search selects",
        back=reverse("members:elector_list"),
    )
    if page is not None:
        return page
    count = electors.count()
    audit_bulk_read(
        actor=request.user,
        what="electors.export",
        count=count,
        why=why,
        request=request,
        details={"filters": {k: v for k, v in request.GET.items() if k != "why"}},
    )
    rows = (
        [
            e.elector_number,
            formula_safe(e.surname),
            formula_safe(e.forenames),
            formula_safe(e.markers),
            formula_safe(", ".join(e.property.address_lines)) if e.property else "",
            formula_safe(e.property.postcode) if e.property else "",
            "yes" if e.on_register else "no",
        ]
        for e in electors.iterator(chunk_size=2000)
    )
    header = [
        "Elector number",
        "Surname",
        "Forenames",
        "Markers",
        "Address",
        "Postcode",
        "On register",
    ]
    return _csv_response(header, rows, "electors.csv")
