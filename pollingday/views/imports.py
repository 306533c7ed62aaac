"""The council's files for an election: upload → (match columns) → preview → apply.

Each step posts the file on (the preview page holds it); every step re-reads and re-checks the
whole file, so what is applied is exactly what was previewed, or a new report if the register
changed in between."""

import datetime

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clp.access import role_required
from clp.audit import audit_bulk_read
from clp.roles import ORGANISING_ROLES
from members.importers import FileProblem
from members.importers.files import read_table
from pollingday import forms_imports as f
from pollingday.access import election_for_organiser, organiser_districts
from pollingday.services import imports as services

KINDS = {
    services.ABSENT: {
        "title": "Postal and proxy voters",
        "url": "pollingday:absent_voters_import",
        "form": f.AbsentVotersUploadForm,
        "service": services.absent_voters_import,
        "intro": "Upload the council's absent voters list for this election: each postal "
        "voter's elector number, name and the address their ballot goes to, and each proxy "
        "voter's proxy. The file replaces the earlier list of what it covers.",
    },
    services.RETURNS: {
        "title": "Postal votes returned",
        "url": "pollingday:postal_returns_import",
        "form": f.PostalReturnsUploadForm,
        "service": services.postal_returns_import,
        "intro": "Upload the council's list of postal ballots received so far (the marked list "
        "of postal votes). Electors whose ballot has come back are left off knock-up lists.",
    },
    services.MARKED: {
        "title": "Marked register (who voted)",
        "url": "pollingday:marked_register_import",
        "form": f.MarkedRegisterUploadForm,
        "service": services.marked_register_import,
        "intro": "After the election, upload the council's marked register: the electors "
        "marked as having voted. It becomes each elector's vote history, which segments and "
        "targets can use. Postal voters who are not marked are recorded as not returning "
        "their ballot.",
    },
}


def _options(kind: str, options: dict) -> dict:
    if kind == services.ABSENT:
        kind_of_list = options.get("list_kind", services.LIST_BOTH)
        if kind_of_list not in services.LIST_METHODS:
            kind_of_list = services.LIST_BOTH
        return {"list_kind": kind_of_list}
    if kind == services.RETURNS:
        try:
            day = datetime.date.fromisoformat(options.get("received_on", ""))
        except ValueError:
            day = timezone.localdate()
        return {"received_on": day}
    return {}


def _page(request, election, kind, template, context, status=200):
    spec = KINDS[kind]
    return render(
        request,
        f"pollingday/{template}",
        {"election": election, "kind": kind, "spec": spec, **context},
        status=status,
    )


def _import_page(request, pk, kind):
    election = election_for_organiser(request.user, pk)
    spec = KINDS[kind]
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if step not in ("upload", "map", "apply"):
        form = spec["form"]()
        status = services.election_files_status(election)
        return _page(
            request, election, kind, "import_upload.html", {"form": form, "status": status}
        )

    if step == "upload":
        form = spec["form"](request.POST, request.FILES)
        if not form.is_valid():
            return _page(request, election, kind, "import_upload.html", {"form": form}, 400)
        upload = form.cleaned_data["file"]
        data, filename = upload.read(), upload.name
        mapping, options = None, form.options()
    else:
        carried = f.CarriedFileForm(request.POST)
        if not carried.is_valid():
            form = spec["form"]()
            problem = "The file was lost on the way: upload it again."
            return _page(
                request,
                election,
                kind,
                "import_upload.html",
                {"form": form, "problems": [problem]},
                400,
            )
        data, filename = carried.cleaned_data["content"], carried.cleaned_data["filename"]
        options = carried.cleaned_data["options"]
        mapping = carried.cleaned_data["mapping"] or None
        if step == "map":
            try:
                header = read_table(services.one_column(data), filename=filename).header
            except FileProblem as problem:
                return _page(
                    request,
                    election,
                    kind,
                    "import_upload.html",
                    {"form": spec["form"](), "problems": problem.messages},
                    400,
                )
            mapping_form = f.ColumnMappingForm(request.POST, kind=kind, header=header, guesses={})
            mapping_form.is_valid()
            mapping = mapping_form.mapping()

    districts = organiser_districts(request.user, election)
    try:
        report = spec["service"](
            actor=request.user,
            election=election,
            data=data,
            filename=filename,
            mapping=mapping,
            districts=districts,
            dry_run=step != "apply",
            request=request,
            **_options(kind, options),
        )
    except services.NeedsMapping as need:
        return _mapping_page(request, election, kind, need, data, filename, options)
    except services.RowsRefused as refused:
        audit_bulk_read(
            actor=request.user,
            what=f"pollingday.{kind}.report",
            count=len(refused.problems),
            why="import report of rows that do not match the register",
            request=request,
            details={"election": election.pk, "filename": filename},
        )
        return _page(request, election, kind, "import_report.html", {"refused": refused}, 400)
    except FileProblem as problem:
        if step == "map":
            table = read_table(services.one_column(data), filename=filename)
            need = services.NeedsMapping(
                kind=kind,
                header=table.header,
                guesses=mapping or {},
                first_rows=[cells for _row, cells in table.rows[:3]],
            )
            return _mapping_page(
                request, election, kind, need, data, filename, options, problem.messages
            )
        return _page(
            request,
            election,
            kind,
            "import_upload.html",
            {"form": spec["form"](), "problems": problem.messages, "filename": filename},
            400,
        )
    if step == "apply":
        messages.success(request, f"Imported {filename}: {report['summary']}")
        return redirect(spec["url"], pk=election.pk)
    audit_bulk_read(
        actor=request.user,
        what=f"pollingday.{kind}.preview",
        count=report["rows"],
        why="import preview",
        request=request,
        details={"election": election.pk, "filename": filename},
    )
    return _page(
        request,
        election,
        kind,
        "import_preview.html",
        {
            "report": report,
            "filename": filename,
            "carried": f.carried(data=data, filename=filename, mapping=mapping, options=options),
        },
    )


def _mapping_page(request, election, kind, need, data, filename, options, problems=()):
    form = f.ColumnMappingForm(kind=kind, header=need.header, guesses=need.guesses)
    return _page(
        request,
        election,
        kind,
        "import_mapping.html",
        {
            "form": form,
            "need": need,
            "filename": filename,
            "problems": list(problems),
            "required": services.REQUIRED_WORDS[kind],
            "carried": f.carried(data=data, filename=filename, mapping=None, options=options),
        },
        400 if problems else 200,
    )


@role_required(*ORGANISING_ROLES)
@require_http_methods(["GET", "POST"])
def absent_voters_import(request, pk):
    return _import_page(request, pk, services.ABSENT)


@role_required(*ORGANISING_ROLES)
@require_http_methods(["GET", "POST"])
def postal_returns_import(request, pk):
    return _import_page(request, pk, services.RETURNS)


@role_required(*ORGANISING_ROLES)
@require_http_methods(["GET", "POST"])
def marked_register_import(request, pk):
    return _import_page(request, pk, services.MARKED)
