import csv

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clp.access import constituencies_for_user, role_required
from clp.audit import audit_bulk_read
from clp.exports import formula_safe
from clp.views import job_context
from members import timeline
from members.forms import (
    ElectorFilterForm,
    MappingForm,
    PeopleFilterForm,
    SegmentForm,
    UploadForm,
)
from members.importers import FileProblem
from members.models import ImportBatch, MemberMatch, RegisterEdition
from members.pagination import IdsFirstPaginator
from members.selectors import (
    IMPORTERS,
    READERS,
    electors_for_user,
    get_import_batch_for_user,
    get_member_match_for_user,
    get_person_for_user,
    get_segment_for_user,
    import_batches_for_user,
    member_matches_for_user,
    people_for_user,
    segment_people,
    segments_for_user,
)
from members.services import (
    correction_notice,
    import_batch_confirm_leavers,
    import_batch_create,
    import_batch_preview,
    import_batch_start,
    member_match_decide,
    segment_save,
)
from members.services import (
    person_review_clear as service_person_review_clear,
)

PAGE_SIZE = 50


def _constituency(user):
    constituency = constituencies_for_user(user, *IMPORTERS).first()
    if constituency is None:
        raise Http404("No constituency.")
    return constituency


@role_required(*IMPORTERS)
def import_list(request):
    batches = import_batches_for_user(request.user).select_related("job")[:20]
    return render(request, "members/import_list.html", {"form": UploadForm(), "batches": batches})


@require_POST
@role_required(*IMPORTERS)
def import_upload(request):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        batches = import_batches_for_user(request.user).select_related("job")[:20]
        return render(
            request, "members/import_list.html", {"form": form, "batches": batches}, status=400
        )
    upload = form.cleaned_data["file"]
    try:
        batch = import_batch_create(
            actor=request.user,
            constituency=_constituency(request.user),
            kind=form.cleaned_data["kind"],
            filename=upload.name,
            data=upload.read(),
            published_on=form.cleaned_data["published_on"],
            request=request,
        )
    except FileProblem as problem:
        for message in problem.messages:
            form.add_error("file", message)
        batches = import_batches_for_user(request.user).select_related("job")[:20]
        return render(
            request, "members/import_list.html", {"form": form, "batches": batches}, status=400
        )
    if batch.status == ImportBatch.Status.NEEDS_MAPPING:
        messages.warning(request, "We do not know this file's layout: match its columns below.")
        return redirect("members:import_mapping", pk=batch.pk)
    import_batch_start(actor=request.user, batch=batch, request=request)
    return redirect("members:import_detail", pk=batch.pk)


def _correction_notice(batch) -> str:
    """For a full register dated like one already imported: it will correct that one."""
    if batch.kind != ImportBatch.Kind.REGISTER or batch.published_on is None:
        return batch.report.get("notice", "")
    if batch.report:
        return batch.report.get("notice", "")
    known = RegisterEdition.objects.filter(
        constituency=batch.constituency_id,
        kind=RegisterEdition.Kind.FULL,
        published_on=batch.published_on,
    ).exists()
    return correction_notice(batch.published_on)["notice"] if known else ""


REPORT_LABELS = {
    "rows": "Rows in the file",
    "electors_added": "New register entries",
    "electors_matched": "Entries matched to earlier ones",
    "electors_changed": "Entries with changed details",
    "electors_left": "Electors who left the register",
    "people_created": "New people",
    "people_moved": "People who moved house",
    "properties_created": "New addresses",
    "suppressed": "Left out (erased on request)",
    "repeated_headers_skipped": "Repeated header rows skipped",
    "added": "Added",
    "amended": "Amended",
    "deleted": "Deleted (marked off the register)",
    "properties_matched": "Addresses updated",
    "dummy_records_skipped": "Dummy records skipped",
    "stations": "New polling stations",
    "polling_districts_with_station": "Polling districts given a station",
    "members_created": "New members",
    "members_updated": "Members updated",
    "linked": "Members linked to the register",
    "review": "Members to review",
    "unmatched": "Members not found on the register",
    "encoding": "Encoding",
    "edition": "Register edition",
    "correction_of": "Treated as a correction of the register of",
    "town_line_only": "Addresses with only a new town line (not a move)",
    "people_renamed": "People renamed by the register",
    "people_to_review": "People to check (edited by hand since)",
    "moved_away_confirmed": "Reported as moved away, and off the register now",
    "moved_away_still_listed": "Reported as moved away, but still on the register",
}


def _report_value(value):
    if isinstance(value, list):
        return (
            "; ".join(
                f"{v['elector']} (listed as {v['listed_as']})" if isinstance(v, dict) else str(v)
                for v in value
            )
            or "None"
        )
    return value


@role_required(*IMPORTERS)
def import_detail(request, pk):
    batch = get_import_batch_for_user(request.user, pk)
    report = [
        (label, _report_value(batch.report[key]))
        for key, label in REPORT_LABELS.items()
        if key in batch.report
    ]
    return render(
        request,
        "members/import_detail.html",
        {
            "batch": batch,
            "report": report,
            "correction_notice": _correction_notice(batch),
            "retention_days": settings.UPLOAD_RETENTION_DAYS,
            **job_context(batch.job, request.user),
        },
    )


@require_POST
@role_required(*IMPORTERS)
def import_confirm_leavers(request, pk):
    """The user's "yes" to a register that would mark many electors as having left."""
    batch = get_import_batch_for_user(request.user, pk)
    import_batch_confirm_leavers(actor=request.user, batch=batch, request=request)
    return redirect("members:import_detail", pk=batch.pk)


@role_required(*IMPORTERS)
def import_mapping(request, pk):
    batch = get_import_batch_for_user(request.user, pk)
    if batch.status != ImportBatch.Status.NEEDS_MAPPING:
        return redirect("members:import_detail", pk=batch.pk)
    table = import_batch_preview(batch)
    form = MappingForm(
        request.POST if request.method == "POST" else None, kind=batch.kind, header=table.header
    )
    if request.method == "POST" and form.is_valid():
        try:
            import_batch_start(
                actor=request.user,
                batch=batch,
                mapping=form.mapping(),
                save_as=form.cleaned_data["save_as"],
                request=request,
            )
        except FileProblem as problem:
            for message in problem.messages:
                form.add_error(None, message)
        else:
            return redirect("members:import_detail", pk=batch.pk)
    return render(
        request,
        "members/import_mapping.html",
        {"batch": batch, "form": form, "table": table},
        status=400 if form.errors else 200,
    )


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


class _Echo:
    def write(self, value):
        return value


@role_required(*READERS)
def elector_export(request):
    form, electors = _filtered_electors(request)
    if form.errors:
        return HttpResponseBadRequest(_refused_filter(form), content_type="text/plain")
    count = electors.count()
    audit_bulk_read(
        actor=request.user,
        what="electors.export",
        count=count,
        why=request.GET.get("why", "export"),
        request=request,
    )
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(
            [
                "Elector number",
                "Surname",
                "Forenames",
                "Markers",
                "Address",
                "Postcode",
                "On register",
            ]
        )
        for e in electors.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    e.elector_number,
                    formula_safe(e.surname),
                    formula_safe(e.forenames),
                    e.markers,
                    formula_safe(", ".join(e.property.address_lines)) if e.property else "",
                    e.property.postcode if e.property else "",
                    "yes" if e.on_register else "no",
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="electors.csv"'
    return response


@role_required(*READERS)
def people_list(request):
    """Everyone in the user's areas, members not (yet) on the register included."""
    form = PeopleFilterForm(request.GET or None)
    people = people_for_user(request.user)
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("membership") == "any":
        people = people.members()
    elif data.get("membership"):
        people = people.members([data["membership"]])
    if data.get("q"):
        people = people.matching(data["q"])
    people = people.order_by("last_name", "first_name", "pk")
    page = IdsFirstPaginator(people, PAGE_SIZE, related=("property", "membership")).get_page(
        request.GET.get("page")
    )
    audit_bulk_read(
        actor=request.user,
        what="people",
        count=len(page.object_list),
        why="search" if data.get("q") else "list",
        request=request,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/people_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@role_required(*READERS)
def person_detail(request, pk):
    person = get_person_for_user(request.user, pk)
    entries = person.elector_entries.select_related("polling_district", "edition", "property")
    household = []
    if person.property_id:
        household = (
            person.property.people.current().exclude(pk=person.pk).order_by("last_name")[:20]
        )
    audit_bulk_read(
        actor=request.user,
        what="person",
        count=1 + len(household),
        why="person page (and their household)",
        request=request,
        details={"person": person.pk},
    )
    return render(
        request,
        "members/person_detail.html",
        {
            "person": person,
            "entries": entries,
            "emails": person.emails.all(),
            "phones": person.phones.all(),
            "membership": getattr(person, "membership", None),
            "household": household,
            "events": timeline.events_for(person),
        },
    )


@role_required(*READERS)
def segment_list(request):
    segments = segments_for_user(request.user)
    return render(request, "members/segment_list.html", {"segments": segments})


@role_required(*READERS)
def segment_create(request):
    form = SegmentForm(request.POST or None, user=request.user)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = segment_people(form.filters(), request.user).count()
            audit_bulk_read(
                actor=request.user,
                what="segment.preview",
                count=preview,
                why="segment builder previewed a count",
                request=request,
                details={"filters": form.filters()},
            )
        else:
            segment = segment_save(
                actor=request.user,
                constituency=constituencies_for_user(request.user, *READERS).first(),
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                filters=form.filters(),
                request=request,
            )
            messages.success(request, f"Saved the segment “{segment.name}”.")
            return redirect("members:segment_detail", pk=segment.pk)
    return render(
        request,
        "members/segment_form.html",
        {"form": form, "preview": preview},
        status=400 if form.errors else 200,
    )


@role_required(*READERS)
def segment_detail(request, pk):
    segment = get_segment_for_user(request.user, pk)
    count = segment_people(segment.filters, request.user).count()
    audit_bulk_read(
        actor=request.user,
        what="segment",
        count=count,
        why="segment page",
        request=request,
        details={"segment": segment.pk},
    )
    return render(request, "members/segment_detail.html", {"segment": segment, "count": count})


@role_required(*IMPORTERS)
def match_list(request):
    matches = (
        member_matches_for_user(request.user)
        .filter(status=MemberMatch.Status.PENDING)
        .select_related(
            "membership__person__property", "elector__polling_district", "elector__property"
        )[:100]
    )
    # People a register update did not change because of a newer manual edit, and the like.
    to_check = list(
        people_for_user(request.user)
        .exclude(review_reason="")
        .select_related("property")
        .order_by("last_name", "first_name", "pk")[:100]
    )
    audit_bulk_read(
        actor=request.user,
        what="member_matches",
        count=len(matches) + len(to_check),
        why="member match and register change review",
        request=request,
    )
    return render(request, "members/match_list.html", {"matches": matches, "to_check": to_check})


@require_POST
@role_required(*IMPORTERS)
def person_review_clear(request, pk):
    person = get_person_for_user(request.user, pk)
    service_person_review_clear(actor=request.user, person=person, request=request)
    messages.success(request, f"{person} is off the list of people to check.")
    return redirect("members:match_list")


@require_POST
@role_required(*IMPORTERS)
def match_decide(request, pk):
    match = get_member_match_for_user(request.user, pk)
    member_match_decide(
        actor=request.user,
        match=match,
        same_person=request.POST.get("decision") == "same",
        request=request,
    )
    messages.success(request, "Recorded.")
    return redirect("members:match_list")
