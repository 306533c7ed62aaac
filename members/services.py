"""Writes to the shared database. Each is keyword-only, transactional and audited.

Imports are all or nothing (Invariant 1): the file is read and every row checked before
anything is written, and the writing happens in one transaction.
"""

import datetime
from collections.abc import Callable

from django.db import transaction

from clp.audit import audit_record
from members import bulk
from members.importers import FileProblem
from members.importers.files import Table, read_table
from members.importers.layouts import (
    Resolved,
    check_required,
    from_mapping,
    header_signature,
    recognise,
)
from members.importers.records import CellError, name_digest, register_parser
from members.models import (
    Constituency,
    PollingDistrict,
    RegisterEdition,
    SavedLayout,
    Suppression,
)

MAX_ERRORS = 30
Progress = Callable[[int, int, str], None]


def _no_progress(done: int, total: int, message: str) -> None:
    pass


class _Rollback(Exception):
    """Raised inside a dry run's transaction so that nothing it wrote is kept."""

    def __init__(self, report):
        self.report = report


def resolve_layout(
    *, constituency: Constituency, kind: str, table: Table, mapping: dict | None = None
) -> Resolved:
    """The layout of `table`: an explicit mapping, a known layout, or one saved earlier."""
    if mapping:
        return from_mapping(kind, table.header, mapping, "Your column mapping")
    found = recognise(kind, table.header)
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


def _pd_column(resolved: Resolved) -> str:
    field = "pd" if "pd" in resolved.columns else "elector_number"
    return resolved.column_label(field)


def parse_register(
    *, constituency: Constituency, table: Table, resolved: Resolved, published_on: datetime.date
) -> list:
    """Every row → a RegisterRecord, or FileProblem listing the bad rows (row and column)."""
    pd_ids = _pd_codes(constituency)
    errors: list[str] = []
    records = []
    seen: dict[tuple, int] = {}
    parse = register_parser(resolved.columns, published_on)
    for row, cells in table.rows:
        try:
            record = parse(cells, row)
        except CellError as exc:
            errors.append(f"Row {row}, {exc}.")
        else:
            if record.pd_code not in pd_ids:
                errors.append(
                    f"Row {row}, {_pd_column(resolved)}: polling district “{record.pd_code}” is "
                    f"not set up for {constituency}. Ask the IT manager to add it, then import "
                    "again."
                )
            else:
                key = (record.pd_code, record.number, record.suffix)
                if key in seen:
                    errors.append(
                        f"Row {row}: elector number {record.display_number} appears twice "
                        f"(also row {seen[key]})."
                    )
                else:
                    seen[key] = row
                    records.append(record)
        if len(errors) >= MAX_ERRORS:
            errors.append("… and possibly more; fix these first.")
            break
    if errors:
        raise FileProblem(errors)
    return records


def _suppressed(constituency: Constituency, records: list) -> tuple[list, int]:
    digests = set(
        Suppression.objects.filter(constituency=constituency, kind="name_postcode").values_list(
            "digest", flat=True
        )
    )
    if not digests:
        return records, 0
    kept = [r for r in records if name_digest(r.forenames, r.surname, r.postcode) not in digests]
    return kept, len(records) - len(kept)


def register_import(
    *,
    actor,
    constituency: Constituency,
    data: bytes,
    filename: str,
    published_on: datetime.date,
    mapping: dict | None = None,
    dry_run: bool = False,
    progress: Progress = _no_progress,
    request=None,
) -> dict:
    """Import a full register edition (one or more polling districts) from a council file.

    Re-importing keeps history: see members.bulk.load_register for how entries are matched.
    People erased on request are not re-added (their hashed name and postcode are
    suppressed). With `dry_run`, everything is checked and counted, then rolled back.
    """
    table = read_table(data, filename=filename)
    resolved = resolve_layout(
        constituency=constituency, kind="register", table=table, mapping=mapping
    )
    total = len(table.rows)
    progress(0, total, f"Checking {total} rows ({resolved.name}).")
    records = parse_register(
        constituency=constituency, table=table, resolved=resolved, published_on=published_on
    )
    records, suppressed = _suppressed(constituency, records)
    progress(total // 4, total, "Rows checked; writing.")
    report = {
        "layout": resolved.name,
        "encoding": table.encoding,
        "repeated_headers_skipped": table.skipped_repeated_headers,
        "suppressed": suppressed,
        "dry_run": dry_run,
    }
    steps = {"staged": 40, "properties": 55, "matched": 65, "people": 80, "electors": 100}

    try:
        with transaction.atomic():
            edition, _ = RegisterEdition.objects.get_or_create(
                constituency=constituency,
                kind=RegisterEdition.Kind.FULL,
                published_on=published_on,
                defaults={"source_filename": filename[:255], "label": ""},
            )
            report.update(
                bulk.load_register(
                    records=records,
                    pd_ids=_pd_codes(constituency),
                    constituency_id=constituency.pk,
                    edition_id=edition.pk,
                    published_on=published_on,
                    progress=lambda step: progress(total * steps[step] // 100, total, step),
                )
            )
            report["edition"] = str(edition)
            report["polling_districts"] = sorted({r.pd_code for r in records})
            audit_record(
                actor=actor,
                action="register.import" + (".dry_run" if dry_run else ""),
                target=edition,
                request=request,
                details={"filename": filename, **report},
            )
            if dry_run:
                raise _Rollback(report)
    except _Rollback as rollback:
        return rollback.report
    return report
