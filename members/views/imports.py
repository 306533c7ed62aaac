"""Import pages: upload, column mapping, the report and its confirmations, member matches."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clp.access import constituencies_for_user, has_role, role_required
from clp.audit import audit_bulk_read
from clp.roles import RoleCode
from clp.views import job_context
from members.forms.imports import MappingForm, PhoneListForm, UploadForm
from members.importers import FileProblem
from members.models import ImportBatch, MemberMatch, RegisterEdition, Ward
from members.selectors import (
    IMPORTERS,
    get_import_batch_for_user,
    get_member_match_for_user,
    get_person_for_user,
    import_batches_for_user,
    member_matches_for_user,
    people_for_user,
    tps_status,
)
from members.services.batches import (
    import_batch_confirm_leavers,
    import_batch_create,
    import_batch_create_districts,
    import_batch_preview,
    import_batch_start,
)
from members.services.member_imports import member_match_decide
from members.services.people import person_review_clear as service_person_review_clear
from members.services.phones import PhoneListProblem, phone_list_import
from members.services.register_imports import correction_notice


def _constituency(user):
    constituency = constituencies_for_user(user, *IMPORTERS).first()
    if constituency is None:
        raise Http404("No constituency.")
    return constituency


def _import_list(request, form, status=200):
    return render(
        request,
        "members/import_list.html",
        {
            "form": form,
            "batches": import_batches_for_user(request.user).select_related("job")[:20],
            "can_import_phones": has_role(request.user, RoleCode.ORGANISER),
        },
        status=status,
    )


@role_required(*IMPORTERS)
def import_list(request):
    return _import_list(request, UploadForm())


@require_POST
@role_required(*IMPORTERS)
def import_upload(request):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_list(request, form, status=400)
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
        return _import_list(request, form, status=400)
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


PHONE_LIST_LABELS = {
    "rows": "Rows in the file",
    "added": "Numbers added",
    "updated": "Numbers whose consent or TPS answer changed",
    "unchanged": "Numbers already recorded as in the file",
    "rows_without_number": "Rows with no number (skipped)",
}


@role_required(RoleCode.ORGANISER)
def phone_list_import_view(request):
    """Upload a phone list: read and written at once (files of up to 20,000 rows), or every
    bad row shown in a table and nothing written."""
    form = PhoneListForm(request.POST or None, request.FILES or None)
    problem = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = phone_list_import(
                actor=request.user,
                constituencies=constituencies_for_user(request.user, RoleCode.ORGANISER),
                data=upload.read(),
                filename=upload.name,
                request=request,
            )
        except PhoneListProblem as bad_rows:
            problem = bad_rows
        except FileProblem as bad_file:
            for message in bad_file.messages:
                form.add_error("file", message)
        else:
            summary = ", ".join(
                f"{label.lower()}: {report[key]:,}" for key, label in PHONE_LIST_LABELS.items()
            )
            messages.success(request, f"Imported {upload.name}. {summary[0].upper()}{summary[1:]}.")
            return redirect("members:phone_list_import")
    return render(
        request,
        "members/phone_list_import.html",
        {
            "form": form,
            "problem": problem,
            "problem_rows": problem.rows[:500] if problem else [],
            "tps": tps_status(),
        },
        status=400 if (problem or form.errors) else 200,
    )
