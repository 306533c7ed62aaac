"""Full register imports: reading the file, leavers, progress, moved-away reports."""

import datetime
import gc
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone

from members import bulk
from members.importers import FileProblem
from members.importers.files import Table, read_table
from members.importers.layouts import Resolved
from members.importers.records import CellError, name_digest, register_parser
from members.models import Constituency, RegisterEdition, Suppression
from members.services.common import (
    Progress,
    _districts_created,
    _import_recorded,
    _no_progress,
    _pd_codes,
    _Rollback,
    _unknown_districts_problem,
    resolve_layout,
)

PARSED_CHUNK = 2_000


def parse_register(
    *,
    constituency: Constituency,
    table: Table,
    resolved: Resolved,
    published_on: datetime.date,
    on_records: Callable[[list], None] | None = None,
) -> list:
    """Every row → a RegisterRecord, or FileProblem listing the bad rows (row and column).

    `on_records` is handed the good records every PARSED_CHUNK of them, as they are read.
    """
    pd_ids = _pd_codes(constituency)
    errors: list[str] = []
    unknown: Counter = Counter()  # rows per district code not set up: each named once
    records = []
    handed = 0
    seen: dict[tuple, int] = {}
    parse = register_parser(resolved.columns, published_on, strip_is_enough=table.strip_is_enough)
    for row, cells in table.rows:
        try:
            record = parse(cells, row)
        except CellError as exc:
            errors.append(f"Row {row}, {exc}.")
        else:
            if record.pd_code not in pd_ids:
                unknown[record.pd_code] += 1
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
                    if on_records and len(records) - handed == PARSED_CHUNK and not errors:
                        on_records(records[handed:])
                        handed = len(records)
    # Every row is checked, so that the list of problems can say how many there are in all
    # (FileProblem shows the first MAX_ERRORS and "… and N more.").
    if errors:
        if unknown:
            errors.extend(_unknown_districts_problem(constituency, unknown).messages)
        raise FileProblem(errors)
    if unknown:
        raise _unknown_districts_problem(constituency, unknown)
    if on_records:
        on_records(records[handed:])
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


# A full register lists everyone in each district it covers, so anyone on the register who is
# not in the file is marked as having left. A new edition's net loss is small (people arriving
# roughly balance people leaving), so a file that would take more than a tenth of a district off
# the register, and at least this many people, is more likely part of a district or a monthly
# update than a whole register: the import asks before doing it.
LEAVERS_CONFIRM_SHARE = 0.10


LEAVERS_CONFIRM_MIN = 20


class LeaversNeedConfirming(FileProblem):
    """The file would mark many electors as having left: import it only when told to.

    `districts` holds (code, rows in the file, on the register now, how many would leave)
    for each polling district over the threshold.
    """

    def __init__(self, districts: list[tuple[str, int, int, int]]):
        self.districts = districts
        super().__init__(
            [
                f"The file lists {in_file:,} elector{'' if in_file == 1 else 's'} for {code}, "
                f"where {now:,} are on the register now: importing it would mark "
                f"{leaving:,} as having left. If this is the whole register for {code}, "
                "confirm; if it is a monthly update, use the monthly update import."
                for code, in_file, now, leaving in districts
            ]
        )


def _leavers_to_confirm(
    leaving_by_pd: dict[int, tuple[int, int]], in_file: Counter, codes: dict[int, str]
) -> list[tuple[str, int, int, int]]:
    """The districts where the file would take many off the register: (code, rows in the
    file, on the register now, leaving), from load_register's count of who would leave."""
    districts = []
    for pd_id, (now, leaving) in sorted(leaving_by_pd.items(), key=lambda item: codes[item[0]]):
        if leaving >= LEAVERS_CONFIRM_MIN and leaving > LEAVERS_CONFIRM_SHARE * now:
            districts.append((codes[pd_id], in_file[pd_id], now, leaving))
    return districts


@contextmanager
def _collector_paused():
    """Python's cycle collector off while a register's rows are read and written. It would
    walk the 100,000 long-lived records again and again as they are built (measured: about
    0.4 s of 1.1 s of reading and staging them); an import makes no cycles worth collecting
    before it ends, when the collector is switched back on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


PROGRESS_EVERY_SECONDS = 0.5


def _reporting(on_records: Callable[[list], None], progress: Progress, total: int):
    """`on_records`, reporting how far the reading has got (the first quarter of the bar) at
    most every PROGRESS_EVERY_SECONDS, so that the job page's bar moves from the start."""
    state = {"rows": 0, "at": time.monotonic()}

    def handle(records: list) -> None:
        on_records(records)
        state["rows"] += len(records)
        now = time.monotonic()
        if now - state["at"] >= PROGRESS_EVERY_SECONDS:
            state["at"] = now
            progress(state["rows"] // 4, total, f"Checked {state['rows']:,} of {total:,} rows.")

    return handle


@_collector_paused()
def register_import(
    *,
    actor,
    constituency: Constituency,
    data: bytes,
    filename: str,
    published_on: datetime.date,
    mapping: dict | None = None,
    dry_run: bool = False,
    confirm_leavers: bool = False,
    new_districts: dict[str, str] | None = None,
    progress: Progress = _no_progress,
    request=None,
) -> dict:
    """Import a full register edition (one or more polling districts) from a council file.

    Re-importing keeps history: see members.bulk.load_register for how entries are matched.
    People erased on request are not re-added (their hashed name and postcode are
    suppressed). With `dry_run`, everything is checked and counted, then rolled back.

    Electors of the covered districts who are not in the file leave the register. When that
    would be many of a district (see LEAVERS_CONFIRM_SHARE), nothing is written and
    LeaversNeedConfirming says so, unless `confirm_leavers`. A dry run goes ahead and lists
    the same warnings in its report under "leavers_to_confirm".

    Polling districts the file names that are not set up yet stop the import before it
    writes anything (DistrictsNeedCreating, each code once with its rows), unless listed in
    `new_districts` (code → ward name, "" to set the ward later): those are created, with any
    new ward, in the import's transaction.
    """
    newer = (
        RegisterEdition.objects.filter(
            constituency=constituency,
            kind=RegisterEdition.Kind.FULL,
            published_on__gt=published_on,
        )
        .order_by("-published_on")
        .first()
    )
    if newer is not None:
        raise FileProblem(
            f"A newer register ({newer}, published {newer.published_on:%d/%m/%Y}) is already "
            "imported. Check the publication date: an older register would mark current "
            "electors as having left."
        )
    table = read_table(data, filename=filename)
    resolved = resolve_layout(
        constituency=constituency, kind="register", table=table, mapping=mapping
    )
    total = len(table.rows)
    progress(0, total, f"Checking {total} rows ({resolved.name}).")
    pd_ids = _pd_codes(constituency)
    steps = {"staged": 40, "properties": 55, "matched": 65, "people": 80, "electors": 100}
    try:
        with transaction.atomic():
            created_districts = {}
            if new_districts:
                created_districts = _districts_created(
                    actor=actor,
                    constituency=constituency,
                    new_districts=new_districts,
                    filename=filename,
                    request=request,
                )
                pd_ids.update(created_districts)
            # Rows are staged and addresses written while the rest of the file is read (see
            # RegisterStaging); a bad row later in the file rolls them back with everything.
            staging = bulk.RegisterStaging(constituency_id=constituency.pk, pd_ids=pd_ids)
            try:
                read = parse_register(
                    constituency=constituency,
                    table=table,
                    resolved=resolved,
                    published_on=published_on,
                    on_records=_reporting(staging.add, progress, total),
                )
                staging.finish()
                records, suppressed = _suppressed(constituency, read)
                if suppressed:
                    staging.discard({r.row for r in read} - {r.row for r in records})
                report = {
                    "layout": resolved.name,
                    "encoding": table.encoding,
                    "repeated_headers_skipped": table.skipped_repeated_headers,
                    "suppressed": suppressed,
                    "dry_run": dry_run,
                }
                progress(total // 4, total, "Rows checked; writing.")
                edition, _ = RegisterEdition.objects.get_or_create(
                    constituency=constituency,
                    kind=RegisterEdition.Kind.FULL,
                    published_on=published_on,
                    defaults={"source_filename": filename[:255], "label": ""},
                )
                corrected = set(edition.polling_districts.values_list("pk", flat=True))
                if corrected & {pd_ids[r.pd_code] for r in records}:
                    report.update(correction_notice(published_on))
                in_file = Counter(pd_ids[r.pd_code] for r in records)
                codes = {pd_id: code for code, pd_id in pd_ids.items()}
                to_confirm: list = []

                def check_leavers(leaving_by_pd):
                    to_confirm.extend(_leavers_to_confirm(leaving_by_pd, in_file, codes))
                    if to_confirm and not (confirm_leavers or dry_run):
                        raise LeaversNeedConfirming(to_confirm)

                report.update(
                    bulk.load_register(
                        staging=staging,
                        check_leavers=check_leavers,
                        edition_id=edition.pk,
                        published_on=published_on,
                        corrected_pd_ids=corrected,
                        progress=lambda step: progress(total * steps[step] // 100, total, step),
                    )
                )
            finally:
                staging.close()
            if to_confirm:
                key = "leavers_confirmed" if confirm_leavers else "leavers_to_confirm"
                report[key] = LeaversNeedConfirming(to_confirm).messages
            edition.polling_districts.add(*{pd_ids[r.pd_code] for r in records})
            report.update(
                _moved_away_report(constituency, {pd_ids[r.pd_code] for r in records}, published_on)
            )
            report["edition"] = str(edition)
            report["polling_districts"] = sorted({r.pd_code for r in records})
            if created_districts:
                report["polling_districts_created"] = sorted(created_districts)
            _import_recorded(
                actor=actor,
                action="register.import",
                target=edition,
                request=request,
                filename=filename,
                report=report,
                dry_run=dry_run,
            )
    except _Rollback as rollback:
        return rollback.report
    return report


def correction_notice(published_on: datetime.date) -> dict:
    """What a full register dated like one already imported is told: it corrects that one."""
    day = f"{published_on.day} {published_on:%b %Y}"
    return {
        "correction_of": day,
        "notice": (
            f"A register published on {day} is already imported, so this file is treated as a "
            f"correction of the {day} register: entries are matched by elector number and "
            "nobody in its polling districts leaves the register."
        ),
    }


def _moved_away_report(constituency, pd_ids: set[int], published_on: datetime.date) -> dict:
    """What the register just imported says about people reported at the door as moved away
    (before it was published: a register cannot speak of later news): those on the register
    nowhere have left (the flag is cleared); those it still lists, in its polling districts
    `pd_ids`, are named."""
    from members.models import Elector, Person

    flagged = list(
        Person.objects.filter(
            constituency=constituency, moved_away_reported_on__lte=published_on
        ).values_list("pk", flat=True)
    )
    if not flagged:
        return {}
    listed = (
        Elector.objects.filter(person_id__in=flagged, on_register=True)
        .select_related("polling_district")
        .order_by("polling_district__code", "number", "suffix")
    )
    still, elsewhere = {}, set()
    for entry in listed:
        if entry.polling_district_id in pd_ids:
            still.setdefault(entry.person_id, f"{entry.elector_number} {entry}")
        else:
            elsewhere.add(entry.person_id)
    confirmed = Person.objects.filter(
        pk__in=[pk for pk in flagged if pk not in still and pk not in elsewhere]
    ).update(moved_away_reported_on=None, updated_at=timezone.now())
    return {"moved_away_confirmed": confirmed, "moved_away_still_listed": list(still.values())}
