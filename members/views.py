import csv

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clp.access import constituencies_for_user, has_role, polling_districts_for_user, role_required
from clp.audit import audit_bulk_read
from clp.exports import BOM, formula_safe
from clp.roles import RoleCode
from clp.views import job_context
from members import geography as geography_services
from members import timeline
from members.forms import (
    BranchAddForm,
    BranchWardsForm,
    DistrictAddForm,
    DistrictMoveForm,
    DistrictStationForm,
    ElectorFilterForm,
    EmailForm,
    ExportReasonForm,
    GeographyNameForm,
    MappingForm,
    MembershipForm,
    PeopleFilterForm,
    PersonForm,
    PhoneForm,
    SegmentForm,
    StationAddForm,
    UploadForm,
    WardAddForm,
)
from members.importers import FileProblem
from members.models import (
    Branch,
    ContactEmail,
    ContactPhone,
    ImportBatch,
    MemberMatch,
    Membership,
    PollingDistrict,
    PollingStation,
    RegisterEdition,
    Ward,
)
from members.pagination import IdsFirstPaginator
from members.selectors import (
    EDITORS,
    GEOGRAPHY_EDITORS,
    IMPORTERS,
    READERS,
    electors_for_user,
    geography_constituencies_for_user,
    get_geography_constituency_for_user,
    get_geography_item_for_user,
    get_import_batch_for_user,
    get_member_match_for_user,
    get_person_for_editor,
    get_person_for_user,
    get_segment_for_editor,
    get_segment_for_user,
    import_batches_for_user,
    member_matches_for_user,
    people_for_user,
    segment_people,
    segments_for_user,
)
from members.services.batches import (
    import_batch_confirm_leavers,
    import_batch_create,
    import_batch_create_districts,
    import_batch_preview,
    import_batch_start,
)
from members.services.member_imports import member_match_decide
from members.services.people import (
    EditConflict,
    membership_update,
    person_contact_add,
    person_contact_delete,
    person_contact_update,
    person_update,
)
from members.services.people import person_review_clear as service_person_review_clear
from members.services.register_imports import correction_notice
from members.services.segments import (
    SegmentInUse,
    segment_delete,
    segment_save,
    segment_update,
    segment_users,
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
    "stations_updated": "Polling stations renamed or moved",
    "addresses_without_district": "Addresses given no polling district (see below)",
    "polling_districts_with_station": "Polling districts given a station",
    "members_created": "New members",
    "members_updated": "Members updated",
    "linked": "Members linked to the register",
    "review": "Members to review",
    "unmatched": "Members not found on the register",
    "encoding": "Encoding",
    "edition": "Register edition",
    "polling_districts_created": "Polling districts created",
    "correction_of": "Treated as a correction of the register of",
    "town_line_only": "Addresses with only a new town line (not a move)",
    "people_renamed": "People renamed by the register",
    "people_to_review": "People to check (edited by hand since)",
    "moved_away_confirmed": "Reported as moved away, and off the register now",
    "moved_away_still_listed": "Reported as moved away, but still on the register",
}


def _report_value(value):
    if isinstance(value, list):
        if not value:
            return "None"
        if all(isinstance(v, str) for v in value):
            return ", ".join(value)
        return "; ".join(
            f"{v['elector']} (listed as {v['listed_as']})" if isinstance(v, dict) else str(v)
            for v in value
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
    new_districts = []
    if batch.status == ImportBatch.Status.NEEDS_CONFIRMING:
        unit = ("elector", "electors") if batch.kind == "register" else ("address", "addresses")
        new_districts = [
            (code, f"{rows:,} {unit[0] if rows == 1 else unit[1]}")
            for code, rows in batch.report.get("districts_to_create", [])
        ]
    context = job_context(batch.job, request.user)
    # This page is what changed: its other next steps stay.
    context["next_steps"] = [
        (label, url) for label, url in context["next_steps"] if url != request.path
    ]
    return render(
        request,
        "members/import_detail.html",
        {
            "batch": batch,
            "report": report,
            "new_districts": new_districts,
            "wards": Ward.objects.in_use().filter(constituency=batch.constituency)
            if new_districts
            else [],
            "correction_notice": _correction_notice(batch),
            "retention_days": settings.UPLOAD_RETENTION_DAYS,
            **context,
        },
    )


@require_POST
@role_required(*IMPORTERS)
def import_confirm_leavers(request, pk):
    """The user's "yes" to a register that would mark many electors as having left."""
    batch = get_import_batch_for_user(request.user, pk)
    import_batch_confirm_leavers(actor=request.user, batch=batch, request=request)
    return redirect("members:import_detail", pk=batch.pk)


@require_POST
@role_required(*IMPORTERS)
def import_create_districts(request, pk):
    """The user's "create them" to a file naming polling districts not set up yet, with the
    ward typed for each (`ward-<code>`, blank to set it later on the geography page)."""
    batch = get_import_batch_for_user(request.user, pk)
    codes = [code for code, _rows in batch.report.get("districts_to_create", [])]
    wards = {code: request.POST.get(f"ward-{code}", "")[:120] for code in codes}
    import_batch_create_districts(actor=request.user, batch=batch, wards=wards, request=request)
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


def _export_reason(request, *, title: str, what: str, back):
    """The reason for a download, asked before it starts (kept in the audit entry's `why`):
    (form, None) while there is none, (None, why) once given."""
    form = ExportReasonForm(request.GET if "why" in request.GET else None)
    if form.is_valid():
        return None, form.cleaned_data["why"]
    keep = [(k, v) for k, values in request.GET.lists() if k != "why" for v in values]
    page = render(
        request,
        "members/export_reason.html",
        {"form": form, "title": title, "what": what, "keep": keep, "back": back},
        status=400 if form.errors else 200,
    )
    return page, None


def _csv_response(header: list[str], rows, filename: str) -> StreamingHttpResponse:
    """A CSV download that opens correctly in Excel: UTF-8 with a byte-order mark. Callers
    pass every text cell through formula_safe."""
    writer = csv.writer(_Echo())

    def lines():
        yield BOM + writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


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
            "emails": person.emails.select_related("consent_recorded_by"),
            "phones": person.phones.select_related("consent_recorded_by"),
            "membership": getattr(person, "membership", None),
            "household": household,
            "events": timeline.events_for(person),
            "tags": person.tags.all(),
            "can_edit": _may_edit(request.user, person),
        },
    )


def _may_edit(user, person) -> bool:
    if not has_role(user, *EDITORS):
        return False
    if not has_role(user, RoleCode.IT_MANAGER):
        return True  # they read people only through editing roles: this one is in their areas
    return people_for_user(user, EDITORS).filter(pk=person.pk).exists()


def _conflict_context(conflict: EditConflict) -> dict:
    return {"conflict": conflict, "changes": conflict.changes}


def _after_conflict(form_class, request, conflict: EditConflict, **kwargs):
    """The user's form as they filled it in, now based on the version that was saved: saving
    it again is a deliberate choice made after seeing what the other person changed."""
    data = request.POST.copy()
    data["version"] = conflict.person.version
    form = form_class(data, **kwargs)
    form.is_valid()
    return form


@role_required(*EDITORS)
def person_edit(request, pk):
    """Details, do-not-contact flags, deceased, tags and notes."""
    person = get_person_for_editor(request.user, pk)
    form = PersonForm(request.POST or None, instance=person)
    context = {"person": person}
    if request.method == "POST" and form.is_valid():
        try:
            changed = person_update(
                actor=request.user,
                person=person,
                changes=form.changes(),
                version=form.cleaned_data["version"],
                request=request,
            )
        except EditConflict as conflict:
            person.refresh_from_db()
            form = _after_conflict(PersonForm, request, conflict, instance=person)
            context.update(_conflict_context(conflict))
        else:
            messages.success(
                request, "Saved." if changed else "Nothing was changed, so nothing was saved."
            )
            return redirect("members:person_detail", pk=person.pk)
    context["form"] = form
    status = 409 if "conflict" in context else 400 if form.errors else 200
    return render(request, "members/person_edit.html", context, status=status)


CONTACT_KINDS = {
    "email": (ContactEmail, EmailForm, "email address"),
    "phone": (ContactPhone, PhoneForm, "phone number"),
}


def _contact_kind(kind: str):
    if kind not in CONTACT_KINDS:
        raise Http404("No such kind of contact detail.")
    return CONTACT_KINDS[kind]


@role_required(*EDITORS)
def person_contact_add_view(request, pk, kind):
    """A new email address or phone number, with its consent."""
    person = get_person_for_editor(request.user, pk)
    _model, form_class, noun = _contact_kind(kind)
    form = form_class(request.POST or None, person=person)
    context = {"person": person, "noun": noun, "adding": True}
    if request.method == "POST" and form.is_valid():
        try:
            person_contact_add(
                actor=request.user,
                person=person,
                kind=kind,
                details=form.details(),
                version=form.cleaned_data["version"],
                request=request,
            )
        except EditConflict as conflict:
            form = _after_conflict(form_class, request, conflict, person=conflict.person)
            context.update(_conflict_context(conflict))
        else:
            messages.success(request, f"Added the {noun}.")
            return redirect("members:person_detail", pk=person.pk)
    context["form"] = form
    status = 409 if "conflict" in context else 400 if form.errors else 200
    return render(request, "members/contact_form.html", context, status=status)


@role_required(*EDITORS)
def person_contact_edit(request, pk, kind, contact_pk):
    """Change a contact detail or record its consent (state, source, wording)."""
    person = get_person_for_editor(request.user, pk)
    model, form_class, noun = _contact_kind(kind)
    contact = get_object_or_404(model, pk=contact_pk, person=person)
    form = form_class(request.POST or None, instance=contact, person=person)
    context = {"person": person, "noun": noun, "contact": contact}
    if request.method == "POST" and form.is_valid():
        try:
            person_contact_update(
                actor=request.user,
                person=person,
                contact=model.objects.get(pk=contact.pk),
                details=form.details(),
                version=form.cleaned_data["version"],
                request=request,
            )
        except EditConflict as conflict:
            contact.refresh_from_db()
            form = _after_conflict(
                form_class, request, conflict, instance=contact, person=conflict.person
            )
            context.update(_conflict_context(conflict))
        else:
            messages.success(request, f"Saved the {noun}.")
            return redirect("members:person_detail", pk=person.pk)
    context["form"] = form
    status = 409 if "conflict" in context else 400 if form.errors else 200
    return render(request, "members/contact_form.html", context, status=status)


@require_POST
@role_required(*EDITORS)
def person_contact_remove(request, pk, kind, contact_pk):
    person = get_person_for_editor(request.user, pk)
    model, _form_class, noun = _contact_kind(kind)
    contact = get_object_or_404(model, pk=contact_pk, person=person)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return HttpResponseBadRequest("The form was incomplete.", content_type="text/plain")
    try:
        person_contact_delete(
            actor=request.user, person=person, contact=contact, version=version, request=request
        )
    except EditConflict as conflict:
        messages.error(request, conflict.message + " Nothing was removed.")
    else:
        messages.success(request, f"Removed the {noun}.")
    return redirect("members:person_detail", pk=person.pk)


@role_required(*EDITORS)
def membership_edit(request, pk):
    """Membership: number, status, branch, arrears, dates, roles held."""
    person = get_person_for_editor(request.user, pk)
    membership = Membership.objects.filter(person=person).first()
    form = MembershipForm(request.POST or None, instance=membership, person=person)
    context = {"person": person, "membership": membership}
    if request.method == "POST" and form.is_valid():
        try:
            membership_update(
                actor=request.user,
                person=person,
                details=form.details(),
                version=form.cleaned_data["version"],
                request=request,
            )
        except EditConflict as conflict:
            form = _after_conflict(
                MembershipForm,
                request,
                conflict,
                instance=Membership.objects.filter(person=person).first(),
                person=conflict.person,
            )
            context.update(_conflict_context(conflict))
        else:
            messages.success(request, "Saved the membership.")
            return redirect("members:person_detail", pk=person.pk)
    context["form"] = form
    status = 409 if "conflict" in context else 400 if form.errors else 200
    return render(request, "members/membership_form.html", context, status=status)


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
    """The segment's people in the user's areas, 50 a page (the page's rows are logged)."""
    segment = get_segment_for_user(request.user, pk)
    people = segment_people(segment.filters, request.user).order_by("last_name", "first_name", "pk")
    page = IdsFirstPaginator(people, PAGE_SIZE, related=("property", "membership")).get_page(
        request.GET.get("page")
    )
    audit_bulk_read(
        actor=request.user,
        what="segment",
        count=len(page.object_list),
        why="segment page",
        request=request,
        details={"segment": segment.pk, "page": page.number},
    )
    # As get_segment_for_editor decides: the organiser's, or an area organiser's own.
    can_edit = has_role(request.user, *EDITORS) and (
        segment.created_by_id == request.user.pk
        or constituencies_for_user(request.user, RoleCode.ORGANISER)
        .filter(pk=segment.constituency_id)
        .exists()
    )
    return render(
        request,
        "members/segment_detail.html",
        {"segment": segment, "page": page, "count": page.paginator.count, "can_edit": can_edit},
    )


@role_required(*READERS)
def segment_export(request, pk):
    """The segment's people in the user's areas as CSV, once the user has said why."""
    segment = get_segment_for_user(request.user, pk)
    page, why = _export_reason(
        request,
        title=f"Download “{segment.name}”",
        what="the people of this segment in your areas",
        back=reverse("members:segment_detail", args=[segment.pk]),
    )
    if page is not None:
        return page
    people = (
        segment_people(segment.filters, request.user)
        .select_related("property", "polling_district", "membership")
        .order_by("last_name", "first_name", "pk")
    )
    audit_bulk_read(
        actor=request.user,
        what="segment.export",
        count=people.count(),
        why=why,
        request=request,
        details={"segment": segment.pk, "filters": segment.filters},
    )
    flags = [(label, f"do_not_{name}") for label, name in DO_NOT_COLUMNS]
    rows = (
        [
            p.pk,
            formula_safe(p.title),
            formula_safe(p.first_name),
            formula_safe(p.last_name),
            formula_safe(", ".join(p.property.address_lines)) if p.property_id else "",
            formula_safe(p.property.postcode) if p.property_id else "",
            formula_safe(p.polling_district.code) if p.polling_district_id else "",
            _membership_status(p),
            " ".join(label for label, flag in flags if getattr(p, flag)),
        ]
        for p in people.iterator(chunk_size=2000)
    )
    header = [
        "Person id",
        "Title",
        "First name",
        "Last name",
        "Address",
        "Postcode",
        "Polling district",
        "Membership",
        "Do not contact by",
    ]
    return _csv_response(header, rows, f"segment-{segment.pk}.csv")


DO_NOT_COLUMNS = [
    ("any", "contact"),
    ("email", "email"),
    ("phone", "phone"),
    ("text", "text"),
    ("post", "post"),
    ("door", "canvass"),
]


def _membership_status(person) -> str:
    try:
        return person.membership.get_status_display()
    except Membership.DoesNotExist:
        return ""


@role_required(*EDITORS)
def segment_edit(request, pk):
    segment = get_segment_for_editor(request.user, pk)
    form = SegmentForm(request.POST or None, user=request.user, segment=segment)
    if request.method == "POST" and form.is_valid():
        segment_update(
            actor=request.user,
            segment=segment,
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
        {"form": form, "segment": segment},
        status=400 if form.errors else 200,
    )


@role_required(*EDITORS)
def segment_delete_view(request, pk):
    """Asks first; refused while anything (a canvass target …) still selects by it."""
    segment = get_segment_for_editor(request.user, pk)
    used_by, status = segment_users(segment), 200
    if request.method == "POST":
        try:
            segment_delete(actor=request.user, segment=segment, request=request)
        except SegmentInUse as refused:
            used_by, status = refused.users, 409
        else:
            messages.success(request, f"Deleted the segment “{segment.name}”.")
            return redirect("members:segment_list")
    return render(
        request,
        "members/segment_delete.html",
        {"segment": segment, "used_by": used_by},
        status=status,
    )


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


# Geography: wards, branches, polling districts and polling stations, without the admin.


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
