"""What every importer shares: layouts, dry runs, progress and new polling districts."""

from collections import Counter
from collections.abc import Callable

from clp.audit import audit_record
from members.importers import FileProblem, WrongKind
from members.importers.files import Table
from members.importers.layouts import (
    Resolved,
    check_required,
    from_mapping,
    header_signature,
    identify,
)
from members.models import Constituency, PollingDistrict, SavedLayout

Progress = Callable[[int, int, str], None]


def _no_progress(done: int, total: int, message: str) -> None:
    pass


class _Rollback(Exception):
    """Raised inside a dry run's transaction so that nothing it wrote is kept."""

    def __init__(self, report):
        self.report = report


def _import_recorded(
    *, actor, action: str, target, request, filename: str, report: dict, dry_run: bool
) -> None:
    """Audit an import in its transaction; a dry run then rolls everything back."""
    audit_record(
        actor=actor,
        action=action + (".dry_run" if dry_run else ""),
        target=target,
        request=request,
        details={"filename": filename, **report},
    )
    if dry_run:
        raise _Rollback(report)


def resolve_layout(
    *, constituency: Constituency, kind: str, table: Table, mapping: dict | None = None
) -> Resolved:
    """The layout of `table`: an explicit mapping, a known layout, or one saved earlier.

    A file of another kind we know (a monthly update given as a register, an address export
    given as a membership list …) is refused with WrongKind, which says what it is."""
    if mapping:
        return from_mapping(kind, table.header, mapping, "Your column mapping")
    best = identify(table.header)
    if best is not None and best.kind != kind:
        from members.models import ImportBatch

        raise WrongKind(
            kind=best.kind, layout=best.name, upload_label=ImportBatch.Kind(best.kind).label
        )
    found = best
    if found is None:
        saved = SavedLayout.objects.filter(
            constituency=constituency, kind=kind, header_signature=header_signature(table.header)
        ).first()
        if saved is not None:
            return from_mapping(kind, table.header, saved.mapping, f"Saved layout “{saved.name}”")
        raise FileProblem(
            "This file's columns are not a layout we know. Map its columns on the import page "
            f"(found: {', '.join(table.header[:8])}{'…' if len(table.header) > 8 else ''})."
        )
    check_required(kind, found.columns)
    return found


def _pd_codes(constituency: Constituency) -> dict[str, int]:
    return {
        code.upper(): pk
        for code, pk in PollingDistrict.objects.filter(constituency=constituency).values_list(
            "code", "id"
        )
    }


class DistrictsNeedCreating(FileProblem):
    """The file names polling districts that are not set up yet. Nothing was written.

    `districts` holds (code, rows in the file) once per new code, in code order. The import
    runs once told which to create (`new_districts`), creating them in its own transaction.
    """

    def __init__(self, constituency: Constituency, districts: list[tuple[str, int]]):
        self.districts = districts
        count = len(districts)
        listed = ", ".join(
            f"{code} ({rows:,} row{'' if rows == 1 else 's'})" for code, rows in districts
        )
        super().__init__(
            f"The file lists {count} polling district{'' if count == 1 else 's'} that "
            f"{'is' if count == 1 else 'are'} not set up yet for {constituency}: {listed}. "
            "Create them to import the file."
        )


def _unknown_districts_problem(constituency, unknown: Counter) -> DistrictsNeedCreating:
    return DistrictsNeedCreating(constituency, sorted(unknown.items()))


def _districts_created(
    *, actor, constituency: Constituency, new_districts: dict, filename: str, request=None
) -> dict[str, int]:
    """Create the confirmed new districts (code → ward name, "" for none yet), and any ward
    named that does not exist yet, inside the import's transaction. Returns {code: id}."""
    from members.geography import polling_districts_create_from_file, ward_create
    from members.models import Ward

    known = set(_pd_codes(constituency))
    wards: dict[str, Ward | None] = {}
    by_name = {w.name.lower(): w for w in Ward.objects.filter(constituency=constituency)}
    for code, ward_name in new_districts.items():
        code = code.strip().upper()
        if not code or code in known:
            continue
        ward_name = " ".join((ward_name or "").split())
        ward = by_name.get(ward_name.lower()) if ward_name else None
        if ward_name and ward is None:
            ward = ward_create(actor=actor, constituency=constituency, name=ward_name)
            by_name[ward_name.lower()] = ward
        wards[code] = ward
    return polling_districts_create_from_file(
        actor=actor, constituency=constituency, wards=wards, filename=filename, request=request
    )
