"""Writes to the shared database. Each is keyword-only, transactional and audited.

Imports are all or nothing (Invariant 1): the file is read and every row checked before
anything is written, and the writing happens in one transaction.
"""

import datetime
import gc
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from clp.audit import audit_record
from members import bulk
from members.consent import DO_NOT_CONTACT_FLAGS
from members.home_district import home_districts_refresh
from members.importers import FileProblem, WrongKind, capped
from members.importers.files import Table, read_table
from members.importers.layouts import (
    ADDRESS_PARTS,
    Resolved,
    check_required,
    from_mapping,
    header_signature,
    identify,
)
from members.importers.records import CellError, name_digest, register_parser, same_home
from members.models import (
    Constituency,
    PollingDistrict,
    RegisterEdition,
    SavedLayout,
    Suppression,
)

PARSED_CHUNK = 2_000
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


def _pd_column(resolved: Resolved) -> str:
    field = "pd" if "pd" in resolved.columns else "elector_number"
    return resolved.column_label(field)


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


# --- Monthly register updates -------------------------------------------------------------


def _change_kind(cells: list[str], columns: dict[str, int]) -> str:
    """N (new), M (amended) or D (deleted) for one update row, or "" if it does not say."""
    if "change" in columns:
        value = cells[columns["change"]].strip().upper()[:1]
        return {"+": "N", "-": "D", "=": "M"}.get(value, value)

    def get(field):
        return cells[columns[field]].strip() if field in columns else ""

    if get("deleted"):
        return "D"
    created, changed, current = get("created"), get("changed"), get("current")
    if created and (not changed or created in (changed, current)):
        return "N"
    if changed:
        return "M"
    return ""


def _property_for(constituency, record, pd_id: int, cache: dict):
    from members.importers.records import address_key, walk_order
    from members.models import Property

    if not record.address_lines and not record.postcode:
        return None
    key = address_key(record.address_lines, record.postcode)
    if key in cache:
        return cache[key]
    number, house_suffix, flat = walk_order(record.address_lines)
    prop, _ = Property.objects.get_or_create(
        constituency=constituency,
        address_key=key,
        defaults={
            "polling_district_id": pd_id,
            "address_lines": record.address_lines,
            "postcode": record.postcode,
            "uprn": record.uprn,
            "house_number": number,
            "house_suffix": house_suffix[:10],
            "flat": flat[:50],
        },
    )
    cache[key] = prop
    return prop


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


def _person_follows_amendment(
    elector, record, prop, *, published_on: datetime.date, report: dict
) -> None:
    """An amended entry's new name or address, onto its person, unless the person was edited
    by hand since the update was published: then flag them for review instead."""
    from members.models import Person

    person = elector.person
    updates = {}
    names = {"title": record.title, "first_name": record.forenames, "last_name": record.surname}
    if any(getattr(person, f) != v for f, v in names.items()):
        updates.update(names)
    if prop is not None and person.property_id != prop.pk:
        updates["property"] = prop
    if not updates:
        return
    now = timezone.now()
    if person.edited_at and timezone.localdate(person.edited_at) >= published_on:
        listed = f"{record.forenames} {record.surname}".strip()
        address = ", ".join([*record.address_lines, record.postcode]).strip(", ")
        reason = (
            f"The register update of {published_on:%d %b %Y} lists "
            f"{elector.elector_number} as {listed}{f', {address}' if address else ''}, but "
            f"this person was edited by hand on {timezone.localtime(person.edited_at):%d %b %Y}"
            ", so it was not applied. Check which is right."
        )[:300]
        Person.objects.filter(pk=person.pk).update(review_reason=reason, updated_at=now)
        report["people_to_review"].append(
            {"person": person.pk, "elector": elector.elector_number, "listed_as": listed}
        )
        return
    Person.objects.filter(pk=person.pk).update(**updates, version=F("version") + 1, updated_at=now)
    if "first_name" in updates:
        report["people_renamed"] += 1
    if "property" in updates:
        report["people_moved"] += 1


def _moved_away_confirmed(person_ids, published_on: datetime.date) -> int:
    """People reported at the door as moved away (by `published_on`), among `person_ids`, whom
    the register now lists nowhere: it confirms the report, so the flag is cleared. Returns
    how many."""
    from members.models import Elector, Person

    flagged = set(
        Person.objects.filter(
            pk__in=list(person_ids), moved_away_reported_on__lte=published_on
        ).values_list("pk", flat=True)
    )
    if not flagged:
        return 0
    listed = set(
        Elector.objects.filter(person_id__in=flagged, on_register=True).values_list(
            "person_id", flat=True
        )
    )
    return Person.objects.filter(pk__in=flagged - listed).update(
        moved_away_reported_on=None, updated_at=timezone.now()
    )


def register_update_import(
    *,
    actor,
    constituency: Constituency,
    data: bytes,
    filename: str,
    published_on: datetime.date | None = None,
    mapping: dict | None = None,
    dry_run: bool = False,
    progress: Progress = _no_progress,
    request=None,
) -> dict:
    """Apply a monthly update notice to the current register edition.

    Additions create entries (re-applying the same notice changes nothing), amendments update
    them, deletions mark them off the register (the entry and its person stay: history is
    never destroyed). An amendment or deletion for a number not on the register is an error.

    An amendment that changes the entry's name or address changes its person too, unless the
    person was edited by hand on or after the update's publication date (`Person.edited_at`):
    then the person is left as edited and flagged for an organiser to check
    (`Person.review_reason`, listed in the report's "people_to_review"). A new town line alone
    is not a house move: the entry and its person stay at their address (records.same_home).
    """
    from members.models import Elector, Person

    published_on = published_on or timezone.localdate()
    table = read_table(data, filename=filename)
    resolved = resolve_layout(
        constituency=constituency, kind="update", table=table, mapping=mapping
    )
    edition = (
        RegisterEdition.objects.filter(constituency=constituency, kind=RegisterEdition.Kind.FULL)
        .order_by("-published_on", "-id")
        .first()
    )
    if edition is None:
        raise FileProblem("Import a full register before applying monthly updates to it.")
    pd_ids = _pd_codes(constituency)
    parse = register_parser(resolved.columns, published_on)
    errors, rows = [], []
    for row, cells in table.rows:
        try:
            record = parse(cells, row)
        except CellError as exc:
            errors.append(f"Row {row}, {exc}.")
            continue
        record.change = _change_kind(cells, resolved.columns)
        if record.pd_code not in pd_ids:
            errors.append(
                f"Row {row}, {_pd_column(resolved)}: polling district “{record.pd_code}” is not "
                f"set up for {constituency}."
            )
        elif record.change not in ("N", "M", "D"):
            errors.append(f"Row {row}: the row does not say whether it adds, amends or deletes.")
        else:
            rows.append(record)
    # The entries on the register now (an entry a re-import left unchanged keeps the edition
    # it came from), and this edition's entries that a deletion took off, so that re-adding
    # one restores it. On the register wins when both share a number.
    existing = {
        (e.polling_district_id, e.number, e.suffix): e
        for e in Elector.objects.filter(
            Q(on_register=True) | Q(edition=edition),
            constituency=constituency,
            polling_district_id__in={pd_ids[r.pd_code] for r in rows},
        )
        .select_related("person", "property", "polling_district")
        .order_by("on_register")
    }
    for record in rows:
        key = (pd_ids[record.pd_code], record.number, record.suffix)
        if record.change in ("M", "D") and key not in existing:
            errors.append(
                f"Row {record.row}, {_pd_column(resolved)}: elector {record.display_number} is "
                f"not on the {edition} register, so it cannot be "
                f"{'amended' if record.change == 'M' else 'deleted'}."
            )
    if errors:
        raise FileProblem(errors)

    report = {
        "layout": resolved.name,
        "added": 0,
        "amended": 0,
        "deleted": 0,
        "people_renamed": 0,
        "people_moved": 0,
        "people_to_review": [],
        "moved_away_confirmed": 0,
        "dry_run": dry_run,
    }
    touched: set[int] = set()  # people whose home district may have changed
    try:
        with transaction.atomic():
            bulk.lock_register(constituency.pk)
            cache: dict = {}
            for index, record in enumerate(rows):
                pd_id = pd_ids[record.pd_code]
                key = (pd_id, record.number, record.suffix)
                elector = existing.get(key)
                if record.change == "D":
                    if elector.on_register:
                        elector.on_register = False
                        elector.left_register_on = published_on
                        elector.save(
                            update_fields=["on_register", "left_register_on", "updated_at"]
                        )
                        touched.add(elector.person_id)
                        report["deleted"] += 1
                    continue
                prop = _property_for(constituency, record, pd_id, cache)
                if (
                    elector is not None
                    and prop is not None
                    and elector.property is not None
                    and prop.pk != elector.property_id
                    and same_home(
                        elector.property.address_lines,
                        elector.property.postcode,
                        record.address_lines,
                        record.postcode,
                    )
                ):
                    prop = elector.property  # a new town line alone: not a house move
                values = {
                    "title": record.title,
                    "surname": record.surname,
                    "forenames": record.forenames,
                    "markers": record.markers,
                    "attainer_date": record.attainer_date,
                    "date_of_birth": record.date_of_birth,
                    "is_postal_voter": record.is_postal,
                    "is_proxy_voter": record.is_proxy,
                    "open_register_opt_out": record.opt_out,
                    "property": prop,
                    "on_register": True,
                    "left_register_on": None,
                }
                if elector is not None:
                    changed = [f for f, v in values.items() if getattr(elector, f) != v]
                    if changed:
                        for f in changed:
                            setattr(elector, f, values[f])
                        elector.save(update_fields=[*changed, "updated_at"])
                        report["amended"] += 1
                    _person_follows_amendment(
                        elector, record, prop, published_on=published_on, report=report
                    )
                    touched.add(elector.person_id)
                    continue
                person = None
                if prop is not None:
                    earlier = Elector.objects.filter(
                        constituency=constituency,
                        property=prop,
                        surname__iexact=record.surname,
                        forenames__iexact=record.forenames,
                    ).first()
                    person = earlier.person if earlier else None
                if person is None:
                    person = Person.objects.create(
                        constituency=constituency,
                        title=record.title,
                        first_name=record.forenames,
                        last_name=record.surname,
                        property=prop,
                        date_of_birth=record.date_of_birth,
                    )
                existing[key] = Elector.objects.create(
                    constituency=constituency,
                    polling_district_id=pd_id,
                    number=record.number,
                    suffix=record.suffix,
                    edition=edition,
                    person=person,
                    **values,
                )
                touched.add(person.pk)
                report["added"] += 1
                if index % 200 == 0:
                    progress(index, len(rows), "Applying changes.")
            home_districts_refresh(Person.objects.filter(pk__in=touched))
            report["moved_away_confirmed"] = _moved_away_confirmed(touched, published_on)
            written = report["added"] + report["amended"] + report["deleted"]
            if written >= bulk.ANALYSE_AFTER_ROWS and not dry_run:
                bulk.analyse("members_property", "members_person", "members_elector")
            _import_recorded(
                actor=actor,
                action="register.update",
                target=edition,
                request=request,
                filename=filename,
                report=report,
                dry_run=dry_run,
            )
    except _Rollback as rollback:
        return rollback.report
    return report


# --- Council address exports ----------------------------------------------------------------


def _districts_elsewhere(constituency: Constituency, unknown: Counter) -> list[str]:
    """Errors for district codes in the file that are set up for another constituency only:
    the file is probably that constituency's export. One line per code, with its rows."""
    if not unknown:
        return []
    others: dict[str, set[str]] = {}
    for code, name in (
        PollingDistrict.objects.exclude(constituency=constituency)
        .filter(code__in=list(unknown))
        .values_list("code", "constituency__name")
    ):
        others.setdefault(code.upper(), set()).add(name)
    return [
        f"Polling district {code} ({unknown[code]:,} row{'' if unknown[code] == 1 else 's'}) "
        f"belongs to {', '.join(sorted(others[code]))}, not {constituency}: this looks like "
        "that constituency's address export. Nothing was imported; import it there."
        for code in sorted(others)
    ]


def addresses_import(
    *,
    actor,
    constituency: Constituency,
    data: bytes,
    filename: str,
    mapping: dict | None = None,
    dry_run: bool = False,
    new_districts: dict[str, str] | None = None,
    progress: Progress = _no_progress,
    request=None,
) -> dict:
    """Give properties their polling district and polling districts their station, from a
    council EMS address export. UPRNs are compared without leading zeros; dummy records
    (placeholder postcodes, "Dummy Record" addresses) are skipped.

    A district code set up for another constituency (and not this one) refuses the file: it
    is probably another constituency's export. Codes set up nowhere stop the import like a
    register's (DistrictsNeedCreating) unless listed in `new_districts`."""

    from members.importers.files import clean_cell
    from members.importers.records import (
        PLACEHOLDER_POSTCODES,
        address_and_postcode,
        address_key,
        max_length,
        normalise_postcode,
        too_long,
        uprn_clean,
        walk_order,
    )
    from members.models import Person, PollingStation, Property

    table = read_table(data, filename=filename)
    resolved = resolve_layout(
        constituency=constituency, kind="addresses", table=table, mapping=mapping
    )
    columns = resolved.columns
    pd_ids = _pd_codes(constituency)

    def get(cells, field):
        if field not in columns:
            return ""
        value = clean_cell(cells[columns[field]])
        return "" if value.lower() == "n/a" else value

    # Every value is stored whole or its row refused; the limits are the fields'.
    limits = {
        "postcode": max_length((Property, "postcode")),
        "uprn": max_length((Property, "uprn")),
        "station_id": max_length((PollingStation, "code")),
        "station_name": max_length((PollingStation, "name")),
        "station_postcode": max_length((PollingStation, "postcode")),
        "station_uprn": max_length((PollingStation, "uprn")),
    }

    if not any(f in columns for f in ("address1", "street_name")):
        return _stations_import(
            actor=actor,
            constituency=constituency,
            rows=table.rows,
            get=get,
            limits=limits,
            resolved=resolved,
            filename=filename,
            dry_run=dry_run,
            request=request,
        )
    in_parts = "street_name" in columns

    errors, parsed, dummies = [], [], 0
    unknown: Counter = Counter()
    confirmed = {code.strip().upper() for code in (new_districts or {})}
    for row, cells in table.rows:
        if in_parts:
            raw_lines = _address_from_parts({part: get(cells, part) for part in ADDRESS_PARTS})
        else:
            raw_lines = [get(cells, f"address{i}") for i in range(1, 7)]
            # WebLookup gives the house number and street in separate columns.
            if raw_lines[0].isdigit() and raw_lines[1]:
                raw_lines = [f"{raw_lines[0]} {raw_lines[1]}", *raw_lines[2:]]
        lines, postcode = address_and_postcode(raw_lines, get(cells, "postcode"))
        if postcode in PLACEHOLDER_POSTCODES or any("dummy record" in x.lower() for x in lines):
            dummies += 1
            continue
        pd_code = get(cells, "pd").upper()
        if pd_code and pd_code not in pd_ids:
            unknown[pd_code] += 1
            if pd_code not in confirmed:
                continue
        station_name = get(cells, "station_name")
        station_id = get(cells, "station_id")
        station_lines = [x for x in (get(cells, f"station_address{i}") for i in range(1, 7)) if x]
        # Without a name column (WebLookup), a station is known by its address's first line.
        station_name = station_name or (station_lines[0] if station_lines else "")
        station_address = ", ".join(station_lines)
        station_postcode = get(cells, "station_postcode")
        values = {
            "postcode": postcode,
            "uprn": uprn_clean(get(cells, "uprn")),
            "station_id": station_id,
            "station_name": station_name,
            "station_postcode": normalise_postcode(station_postcode) if station_postcode else "",
            "station_uprn": uprn_clean(get(cells, "station_uprn")),
        }
        long = [(f, why) for f, v in values.items() if (why := too_long(v, limits[f]))]
        if long:
            # The postcode may have come from the last address line (no postcode column).
            field, why = long[0]
            label = resolved.column_label(field) if field in columns else "the address"
            errors.append(f"Row {row}, {label}: {why}.")
            continue
        # Without a station id, the station is known by its name, as far as a code holds it.
        station_id = station_id or station_name[: limits["station_id"]]
        parsed.append(
            (
                row,
                lines,
                postcode,
                values["uprn"],
                pd_code,
                station_id,
                station_name or station_id,
                station_address,
                values["station_postcode"],
                values["station_uprn"],
            )
        )
    elsewhere = _districts_elsewhere(constituency, unknown)
    if elsewhere:
        errors[:0] = elsewhere
    if errors:
        raise FileProblem(errors)
    if set(unknown) - confirmed:
        raise _unknown_districts_problem(constituency, unknown)

    report = {
        "layout": resolved.name,
        "dummy_records_skipped": dummies,
        "properties_matched": 0,
        "properties_created": 0,
        "stations": 0,
        "dry_run": dry_run,
    }
    try:
        with transaction.atomic():
            if unknown:
                created = _districts_created(
                    actor=actor,
                    constituency=constituency,
                    new_districts={c: w for c, w in new_districts.items() if c.upper() in unknown},
                    filename=filename,
                    request=request,
                )
                pd_ids.update(created)
                report["polling_districts_created"] = sorted(created)
            by_uprn, by_key = {}, {}
            for prop in Property.objects.filter(constituency=constituency):
                if prop.uprn:
                    by_uprn[prop.uprn.lstrip("0")] = prop
                by_key[prop.address_key] = prop
            stations = {s.code: s for s in PollingStation.objects.filter(constituency=constituency)}
            station_votes: dict[int, Counter] = {}
            to_update, to_create = {}, []
            # A file with no district column (Idox Eros with the address in parts): a
            # property's district is the one its station serves, known from the districts
            # given that station already and from this file's addresses already placed (by the
            # register). A station serving several districts, or none we know, is not guessed.
            serves = _districts_served(constituency, parsed, by_uprn, by_key)
            unplaced: dict[str, list] = {}
            # The file's rows and address keys per property, to report rows merged by UPRN.
            rows_at: dict[int, list] = {}
            for (
                _row,
                lines,
                postcode,
                uprn,
                pd_code,
                sid,
                sname,
                saddress,
                spostcode,
                suprn,
            ) in parsed:
                pd_id = pd_ids.get(pd_code)
                station = None
                if sid:
                    station = stations.get(sid)
                    if station is None:
                        station = PollingStation.objects.create(
                            constituency=constituency,
                            code=sid,
                            name=sname,
                            address=saddress,
                            postcode=spostcode,
                            uprn=suprn,
                        )
                        stations[sid] = station
                        report["stations"] += 1
                key = address_key(lines, postcode)
                prop = by_uprn.get(uprn) if uprn else None
                prop = prop or by_key.get(key)
                if pd_id is None and (prop is None or prop.polling_district_id is None) and sid:
                    served = serves.get(sid, set())
                    if len(served) == 1:
                        pd_id = next(iter(served))
                    else:
                        unplaced.setdefault(sid, [sname, served, 0])[2] += 1
                if prop is None:
                    number, house_suffix, flat = walk_order(lines)
                    prop = Property(
                        constituency=constituency,
                        address_key=key,
                        address_lines=lines,
                        postcode=postcode,
                        uprn=uprn,
                        polling_district_id=pd_id,
                        house_number=number,
                        house_suffix=house_suffix[:10],
                        flat=flat[:50],
                    )
                    by_key[key] = prop
                    if uprn:
                        by_uprn[uprn] = prop
                    to_create.append(prop)
                else:
                    if pd_id:
                        prop.polling_district_id = pd_id
                    if uprn:
                        prop.uprn = uprn
                    if prop.pk:
                        to_update[prop.pk] = prop
                rows_at.setdefault(id(prop), []).append(key)
                district = pd_id or prop.polling_district_id
                if station is not None and district:
                    station_votes.setdefault(district, Counter())[station.pk] += 1
            report["notes"] = _uprn_merges(rows_at) + _unplaced_notes(unplaced, pd_ids)
            report["addresses_without_district"] = sum(n for _, _, n in unplaced.values())
            Property.objects.bulk_create(to_create, batch_size=2000)
            Property.objects.bulk_update(
                list(to_update.values()), ["polling_district", "uprn"], batch_size=2000
            )
            # People at an address whose district changed live there now.
            home_districts_refresh(Person.objects.filter(property_id__in=list(to_update)))
            report["properties_created"] = len(to_create)
            report["properties_matched"] = len(to_update)
            for district, votes in station_votes.items():
                PollingDistrict.objects.filter(pk=district).update(
                    polling_station_id=votes.most_common(1)[0][0]
                )
            report["polling_districts_with_station"] = len(station_votes)
            written = report["properties_created"] + report["properties_matched"]
            if written >= bulk.ANALYSE_AFTER_ROWS and not dry_run:
                bulk.analyse("members_property")
            _import_recorded(
                actor=actor,
                action="addresses.import",
                target=constituency,
                request=request,
                filename=filename,
                report=report,
                dry_run=dry_run,
            )
    except _Rollback as rollback:
        return rollback.report
    return report


def _stations_import(
    *, actor, constituency, rows, get, limits, resolved, filename, dry_run, request
) -> dict:
    """A file of polling stations alone (Democracy Counts sends one beside its addresses):
    each station's name and address, matched to the stations an address export names by
    their code. No property or district changes."""
    from members.importers.records import normalise_postcode, too_long
    from members.models import PollingStation

    errors, found = [], {}
    for row, cells in rows:
        code = get(cells, "station_id")
        if not code:
            errors.append(f"Row {row}, {resolved.column_label('station_id')}: the code is empty.")
            continue
        lines = [x for x in (get(cells, f"station_address{i}") for i in range(1, 7)) if x]
        postcode = get(cells, "station_postcode")
        values = {
            "station_id": code,
            "station_name": get(cells, "station_name") or (lines[0] if lines else code),
            "station_postcode": normalise_postcode(postcode) if postcode else "",
        }
        long = [(f, why) for f, v in values.items() if (why := too_long(v, limits[f]))]
        if long:
            field, why = long[0]
            errors.append(f"Row {row}, {resolved.column_label(field)}: {why}.")
            continue
        found[code] = (values["station_name"], ", ".join(lines), values["station_postcode"])
    if errors:
        raise FileProblem(errors)
    report = {"layout": resolved.name, "stations": 0, "stations_updated": 0, "dry_run": dry_run}
    try:
        with transaction.atomic():
            known = {s.code: s for s in PollingStation.objects.filter(constituency=constituency)}
            for code, (name, address, postcode) in found.items():
                station = known.get(code)
                if station is None:
                    PollingStation.objects.create(
                        constituency=constituency,
                        code=code,
                        name=name,
                        address=address,
                        postcode=postcode,
                    )
                    report["stations"] += 1
                elif (station.name, station.address, station.postcode) != (name, address, postcode):
                    station.name, station.address, station.postcode = name, address, postcode
                    station.save(update_fields=["name", "address", "postcode", "updated_at"])
                    report["stations_updated"] += 1
            _import_recorded(
                actor=actor,
                action="addresses.import",
                target=constituency,
                request=request,
                filename=filename,
                report=report,
                dry_run=dry_run,
            )
    except _Rollback as rollback:
        return rollback.report
    return report


def _address_from_parts(parts: dict[str, str]) -> list[str]:
    """Idox Eros's address in parts → address lines as a register prints them: the house's
    name; its number with the sub-street (or, without one, with the street); the street;
    locality; town. So a property on the register is found again by its address."""

    def joined(*values):
        return " ".join(x for x in values if x)

    if parts["sub_street_name"]:
        streets = [
            joined(parts["house_number"], parts["sub_street_name"]),
            joined(parts["street_number"], parts["street_name"]),
        ]
    else:
        streets = [joined(parts["house_number"], parts["street_number"], parts["street_name"])]
    return [parts["house_name"], *streets, parts["locality"], parts["town"]]


def _districts_served(constituency, parsed: list, by_uprn: dict, by_key: dict) -> dict:
    """Station code → the polling districts it serves, as far as we know them: the districts
    already given that station, and the districts of the file's addresses we already know
    (from the register) that vote there."""
    from members.importers.records import address_key

    serves: dict[str, set] = {}
    for code, pd_id in PollingDistrict.objects.filter(
        constituency=constituency, polling_station__isnull=False
    ).values_list("polling_station__code", "pk"):
        serves.setdefault(code, set()).add(pd_id)
    for _row, lines, postcode, uprn, pd_id, sid, *_station in parsed:
        if not sid:
            continue
        prop = (by_uprn.get(uprn) if uprn else None) or by_key.get(address_key(lines, postcode))
        district = pd_id or (prop.polling_district_id if prop is not None else None)
        if district:
            serves.setdefault(sid, set()).add(district)
    return serves


def _uprn_merges(rows_at: dict[int, list]) -> list[str]:
    """What an address export merged: rows at different addresses sharing one UPRN become one
    property (the council's UPRN is the property's identity)."""
    groups = [keys for keys in rows_at.values() if len(set(keys)) > 1]
    if not groups:
        return []
    rows = sum(len(keys) for keys in groups)
    addresses = sum(len(set(keys)) for keys in groups)
    properties = len(groups)
    return [
        f"{rows:,} rows at {addresses:,} different addresses share a UPRN with another row "
        f"and were merged into {properties:,} propert{'y' if properties == 1 else 'ies'}."
    ]


def _unplaced_notes(unplaced: dict[str, list], pd_ids: dict[str, int]) -> list[str]:
    """One note per station whose new addresses were left without a polling district."""
    codes = {pk: code for code, pk in pd_ids.items()}
    notes = []
    for sid, (name, served, count) in sorted(unplaced.items()):
        where = f"polling station “{name}” ({sid})" if name != sid else f"polling station {sid}"
        if served:
            why = f"it serves {', '.join(sorted(codes.get(pk, '?') for pk in served))}"
        else:
            why = "we do not know which polling district it serves"
        notes.append(
            f"{count:,} address{'' if count == 1 else 'es'} voting at {where} "
            f"{'was' if count == 1 else 'were'} given no polling district: {why}. Import the "
            "register (or an export with a district column) first, then this file again."
        )
    return capped(notes)


# --- People: merging, membership lists, matching members to electors ------------------------


def people_reported_deceased(
    *, actor, reports: dict[int, datetime.date], source: str, request=None
) -> list[int]:
    """Mark people as deceased, from reports that count (a doorstep result, once accepted).

    From then on they are off every target, walk list, call queue, mailing and audience
    (PersonQuerySet.living, members.consent). Someone already marked keeps the first date.
    Runs in the caller's transaction, so the report and its effect are kept together.
    Returns the ids of the people marked now.
    """
    from members.models import Person

    with transaction.atomic():
        ids = list(
            Person.objects.filter(pk__in=list(reports), deceased=False).values_list("pk", flat=True)
        )
        now = timezone.now()
        for pk in ids:
            Person.objects.filter(pk=pk).update(
                deceased=True, deceased_on=reports[pk], version=F("version") + 1, updated_at=now
            )
        if ids:
            audit_record(
                actor=actor,
                action="person.deceased",
                request=request,
                details={"people": ids[:100], "count": len(ids), "source": source},
            )
    return ids


def people_reported_moved_away(
    *, actor, reports: dict[int, datetime.date], source: str, request=None
) -> list[int]:
    """Flag people reported as having moved away (a doorstep result, once it counts). The
    person page shows it and the next register import says whether the register confirms it
    (see register_import's "moved_away" report). Returns the ids of the people flagged now."""
    from members.models import Person

    with transaction.atomic():
        ids = list(
            Person.objects.filter(
                pk__in=list(reports), moved_away_reported_on__isnull=True
            ).values_list("pk", flat=True)
        )
        now = timezone.now()
        for pk in ids:
            Person.objects.filter(pk=pk).update(
                moved_away_reported_on=reports[pk], version=F("version") + 1, updated_at=now
            )
        if ids:
            audit_record(
                actor=actor,
                action="person.moved_away_reported",
                request=request,
                details={"people": ids[:100], "count": len(ids), "source": source},
            )
    return ids


def person_review_clear(*, actor, person, request=None) -> None:
    """An organiser has checked what the person was flagged for: take them off the list."""
    from members.models import Person

    with transaction.atomic():
        reason = person.review_reason
        Person.objects.filter(pk=person.pk).update(review_reason="", updated_at=timezone.now())
        audit_record(
            actor=actor,
            action="person.review_clear",
            target=person,
            request=request,
            details={"reason": reason},
        )
    person.review_reason = ""


MEMBER_STATUSES = {
    "member": "member",
    "active": "member",
    "current": "member",
    "new": "member",
    "arrears": "arrears",
    "in arrears": "arrears",
    "lapsed": "lapsed",
    "resigned": "resigned",
    "expelled": "expelled",
    "suspended": "suspended",
    "deceased": "deceased",
}
YES = {"yes", "y", "true", "1", "granted", "opted in", "opt in"}
NO = {"no", "n", "false", "0", "refused", "opted out", "opt out", "withdrawn"}
CONFIDENT = 90


def person_merge(*, actor, source, target, request=None) -> None:
    """`source` and `target` are one human: move everything recorded about `source` onto
    `target` (contact details, tags, membership, and any other app's records that point at a
    person), then mark `source` as merged. Nothing is deleted."""
    from members.models import ContactEmail, ContactPhone, Membership, Person

    if source.pk == target.pk:
        return
    with transaction.atomic():
        known_emails = set(target.emails.values_list("address", flat=True))
        for email in ContactEmail.objects.filter(person=source):
            if email.address in known_emails:
                email.delete()
            else:
                email.person = target
                email.save(update_fields=["person", "updated_at"])
        known_phones = set(target.phones.values_list("number", flat=True))
        for phone in ContactPhone.objects.filter(person=source):
            if phone.number in known_phones:
                phone.delete()
            else:
                phone.person = target
                phone.save(update_fields=["person", "updated_at"])
        target.tags.add(*source.tags.all())
        if Membership.objects.filter(person=source).exists():
            if Membership.objects.filter(person=target).exists():
                raise FileProblem("Both records hold a membership; they cannot be merged.")
            Membership.objects.filter(person=source).update(person=target)
        # Every other app's records (canvass results, calls …) follow the person.
        for relation in Person._meta.get_fields(include_hidden=True):
            if not (relation.auto_created and not relation.concrete and relation.one_to_many):
                continue
            model = relation.related_model
            if model in (ContactEmail, ContactPhone, Person) or model._meta.auto_created:
                continue
            model._base_manager.filter(**{relation.field.name: source}).update(
                **{relation.field.name: target}
            )
        for flag in (
            "do_not_contact",
            "do_not_email",
            "do_not_phone",
            "do_not_text",
            "do_not_post",
            "do_not_canvass",
            "deceased",
        ):
            if getattr(source, flag):
                setattr(target, flag, True)
        if source.notes:
            target.notes = "\n".join(x for x in (target.notes, source.notes) if x)
        if target.property_id is None:
            target.property_id = source.property_id
        for reported in ("deceased_on", "moved_away_reported_on"):
            if getattr(target, reported) is None and getattr(source, reported) is not None:
                setattr(target, reported, getattr(source, reported))
        if target.user_id is None and source.user_id is not None:
            user_id = source.user_id
            Person.objects.filter(pk=source.pk).update(user=None)
            target.user_id = user_id
        target.version += 1
        target.save()
        Person.objects.filter(pk=source.pk).update(merged_into=target, user=None)
        # The register entries moved onto the target may put their home somewhere else.
        home_districts_refresh(Person.objects.filter(pk=target.pk))
        target.refresh_from_db(fields=["polling_district"])
        audit_record(
            actor=actor,
            action="person.merge",
            target=target,
            request=request,
            details={"merged_person": source.pk},
        )


def _candidates(constituency, surname: str, postcode: str):
    from members.models import Elector

    if not postcode:
        return Elector.objects.none()
    return (
        Elector.objects.filter(
            constituency=constituency,
            on_register=True,
            surname__iexact=surname,
            property__postcode=postcode,
        )
        .select_related("property", "person")
        .order_by("id")
    )


def _score(elector, forenames: str, address1: str) -> tuple[int, str]:
    score, reasons = 30, ["surname and postcode"]
    theirs = elector.forenames.upper().split()
    ours = forenames.upper().split()
    if theirs and ours:
        if theirs[0] == ours[0]:
            score += 60
            reasons.append("first name")
        elif theirs[0][0] == ours[0][0]:
            score += 30
            reasons.append("initial")
    lines = elector.property.address_lines if elector.property else []
    if address1 and lines and lines[0].upper() == address1.upper():
        score += 10
        reasons.append("address")
    return min(score, 100), ", ".join(reasons)


def member_match(*, actor, membership, request=None) -> str:
    """Link a member to their register entry: a single confident match is linked at once;
    uncertain ones go to the review queue. Returns "linked", "review" or "none"."""
    from members.models import Elector, MemberMatch

    person = membership.person
    if Elector.objects.filter(person=person).exists():
        return "linked"
    postcode = person.property.postcode if person.property else ""
    address1 = (
        person.property.address_lines[0]
        if person.property and person.property.address_lines
        else ""
    )
    rejected = set(
        MemberMatch.objects.filter(
            membership=membership, status=MemberMatch.Status.REJECTED
        ).values_list("elector_id", flat=True)
    )
    scored = [
        (*_score(e, person.first_name, address1), e)
        for e in _candidates(person.constituency, person.last_name, postcode)
        if e.pk not in rejected and not hasattr(e.person, "membership")
    ]
    confident = [s for s in scored if s[0] >= CONFIDENT]
    if len(confident) > 1:  # prefer the one whose address line also matches, if only one does
        best = max(s[0] for s in confident)
        confident = [s for s in confident if s[0] == best]
    if len(confident) == 1:
        person_merge(actor=actor, source=person, target=confident[0][2].person, request=request)
        return "linked"
    for score, reason, elector in scored:
        MemberMatch.objects.get_or_create(
            membership=membership,
            elector=elector,
            defaults={"score": score, "reason": reason},
        )
    return "review" if scored else "none"


def members_import(
    *,
    actor,
    constituency: Constituency,
    data: bytes,
    filename: str,
    mapping: dict | None = None,
    dry_run: bool = False,
    progress: Progress = _no_progress,
    request=None,
) -> dict:
    """Create or update people and memberships from the party's membership list, keyed by
    membership number, then match new members to register entries."""
    import phonenumbers

    from members.importers.files import clean_cell
    from members.importers.records import (
        address_and_postcode,
        address_key,
        email_digest,
        max_length,
        parse_date,
        phone_digest,
        too_long,
        walk_order,
    )
    from members.models import (
        Branch,
        ConsentState,
        ContactEmail,
        ContactPhone,
        Membership,
        Person,
        Property,
    )

    table = read_table(data, filename=filename)
    resolved = resolve_layout(
        constituency=constituency, kind="members", table=table, mapping=mapping
    )
    columns = resolved.columns
    branches = {b.name.lower(): b for b in Branch.objects.filter(constituency=constituency)}
    suppressed = set(
        Suppression.objects.filter(constituency=constituency).values_list("digest", flat=True)
    )

    # Every value is stored whole or its row refused; the limits are the fields'.
    limits = {
        "membership_number": max_length((Membership, "number")),
        "title": max_length((Person, "title")),
        "forenames": max_length((Person, "first_name")),
        "surname": max_length((Person, "last_name")),
        "postcode": max_length((Property, "postcode")),
        "email": max_length((ContactEmail, "address")),
    }

    def consent(value: str) -> str:
        value = value.strip().lower()
        if value in YES:
            return ConsentState.GRANTED
        if value in NO:
            return ConsentState.REFUSED
        return ConsentState.UNKNOWN

    errors, rows = [], []
    for row, cells in table.rows:

        def get(field, cells=cells):
            return clean_cell(cells[columns[field]]) if field in columns else ""

        def where(field, row=row):
            return f"Row {row}, {resolved.column_label(field)}"

        item = {"row": row}
        item["number"] = get("membership_number")
        if not item["number"]:
            errors.append(f"{where('membership_number')}: the membership number is empty.")
            continue
        status = get("status").lower() or "member"
        if status not in MEMBER_STATUSES:
            errors.append(f"{where('status')}: “{get('status')}” is not a membership status.")
            continue
        item["status"] = MEMBER_STATUSES[status]
        try:
            item["joined"] = parse_date(get("joined"))
            item["lapsed"] = parse_date(get("lapsed"))
            item["dob"] = parse_date(get("dob"))
        except CellError as exc:
            errors.append(f"Row {row}: {exc}.")
            continue
        phones = []
        for field, kind in (("mobile", "mobile"), ("phone", "landline")):
            raw = get(field)
            if not raw:
                continue
            try:
                parsed = phonenumbers.parse(raw, "GB")
                if not phonenumbers.is_possible_number(parsed):
                    raise phonenumbers.NumberParseException(0, "invalid")
            except phonenumbers.NumberParseException:
                errors.append(f"{where(field)}: “{raw}” is not a phone number.")
                continue
            e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            phones.append((e164, kind))
        item["phones"] = phones
        item["email"] = get("email").lower()
        if item["email"] and "@" not in item["email"]:
            errors.append(f"{where('email')}: “{item['email']}” is not an email address.")
            continue
        lines, postcode = address_and_postcode(
            [get(f"address{i}") for i in range(1, 7)], get("postcode")
        )
        values = {
            "membership_number": item["number"],
            "title": get("title"),
            "forenames": get("forenames"),
            "surname": get("surname"),
            "postcode": postcode,
            "email": item["email"],
        }
        long = [(f, why) for f, v in values.items() if (why := too_long(v, limits[f]))]
        if long:
            # The postcode may have come from the last address line (no postcode column).
            field, why = long[0]
            label = where(field) if field in columns else f"Row {row}, the address"
            errors.append(f"{label}: {why}.")
            continue
        item.update(
            title=values["title"],
            forenames=values["forenames"],
            surname=values["surname"],
            lines=lines,
            postcode=postcode,
            branch=branches.get(get("branch").lower()),
            arrears=get("arrears").lower() in YES,
            email_consent=consent(get("email_consent")),
            phone_consent=consent(get("phone_consent")),
        )
        from members.importers.records import name_digest

        digests = {name_digest(item["forenames"], item["surname"], postcode)}
        if item["email"]:
            digests.add(email_digest(item["email"]))
        digests.update(phone_digest(p) for p, _ in phones)
        item["suppressed"] = bool(digests & suppressed)
        rows.append(item)
    if errors:
        raise FileProblem(errors)

    report = {
        "layout": resolved.name,
        "members_created": 0,
        "members_updated": 0,
        "suppressed": 0,
        "linked": 0,
        "review": 0,
        "unmatched": 0,
        "dry_run": dry_run,
    }
    now = timezone.now()
    source = f"membership list {filename}"[:100]
    try:
        with transaction.atomic():
            existing = {
                m.number: m
                for m in Membership.objects.filter(
                    number__in=[r["number"] for r in rows]
                ).select_related("person")
            }
            to_match = []
            for item in rows:
                if item["suppressed"]:
                    report["suppressed"] += 1
                    continue
                membership = existing.get(item["number"])
                prop = None
                if item["lines"] or item["postcode"]:
                    key = address_key(item["lines"], item["postcode"])
                    number, house_suffix, flat = walk_order(item["lines"])
                    prop, _ = Property.objects.get_or_create(
                        constituency=constituency,
                        address_key=key,
                        defaults={
                            "address_lines": item["lines"],
                            "postcode": item["postcode"],
                            "house_number": number,
                            "house_suffix": house_suffix[:10],
                            "flat": flat[:50],
                        },
                    )
                values = {
                    "status": item["status"],
                    "branch": item["branch"],
                    "joined_on": item["joined"],
                    "lapsed_on": item["lapsed"],
                    "in_arrears": item["arrears"] or item["status"] == "arrears",
                }
                if membership is None:
                    person = Person.objects.create(
                        constituency=constituency,
                        title=item["title"],
                        first_name=item["forenames"],
                        last_name=item["surname"],
                        property=prop,
                        polling_district_id=prop.polling_district_id if prop else None,
                        date_of_birth=item["dob"],
                    )
                    membership = Membership.objects.create(
                        person=person, number=item["number"], **values
                    )
                    report["members_created"] += 1
                    to_match.append(membership)
                else:
                    person = membership.person
                    changed = [f for f, v in values.items() if getattr(membership, f) != v]
                    if changed:
                        for f in changed:
                            setattr(membership, f, values[f])
                        membership.save(update_fields=[*changed, "updated_at"])
                        report["members_updated"] += 1
                    to_match.append(membership)
                if item["email"]:
                    email, created = ContactEmail.objects.get_or_create(
                        person=person,
                        address=item["email"],
                        defaults={"source": source, "is_primary": True},
                    )
                    if item["email_consent"] != ConsentState.UNKNOWN and (
                        email.consent != item["email_consent"]
                    ):
                        email.consent = item["email_consent"]
                        email.consent_recorded_at = now
                        email.save(update_fields=["consent", "consent_recorded_at", "updated_at"])
                for number, kind in item["phones"]:
                    phone, _ = ContactPhone.objects.get_or_create(
                        person=person, number=number, defaults={"source": source, "kind": kind}
                    )
                    if item["phone_consent"] != ConsentState.UNKNOWN and (
                        phone.consent != item["phone_consent"]
                    ):
                        phone.consent = item["phone_consent"]
                        phone.consent_recorded_at = now
                        phone.save(update_fields=["consent", "consent_recorded_at", "updated_at"])
            for index, membership in enumerate(to_match):
                membership.refresh_from_db()
                outcome = member_match(actor=actor, membership=membership, request=request)
                report[{"linked": "linked", "review": "review", "none": "unmatched"}[outcome]] += 1
                if index % 100 == 0:
                    progress(index, len(to_match), "Matching members to the register.")
            written = report["members_created"] + report["members_updated"]
            if written >= bulk.ANALYSE_AFTER_ROWS and not dry_run:
                bulk.analyse(
                    "members_property",
                    "members_person",
                    "members_membership",
                    "members_contactemail",
                    "members_contactphone",
                    "members_membermatch",
                )
            _import_recorded(
                actor=actor,
                action="members.import",
                target=constituency,
                request=request,
                filename=filename,
                report=report,
                dry_run=dry_run,
            )
    except _Rollback as rollback:
        return rollback.report
    return report


def member_match_decide(*, actor, match, same_person: bool, request=None) -> None:
    """An organiser's decision on a queued match: link the member to the elector, or not."""
    from members.models import MemberMatch

    with transaction.atomic():
        match = MemberMatch.objects.select_for_update().get(pk=match.pk)
        if match.status != MemberMatch.Status.PENDING:
            return
        match.status = MemberMatch.Status.ACCEPTED if same_person else MemberMatch.Status.REJECTED
        match.decided_by = actor if getattr(actor, "is_authenticated", False) else None
        match.decided_at = timezone.now()
        match.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
        if same_person:
            person_merge(
                actor=actor,
                source=match.membership.person,
                target=match.elector.person,
                request=request,
            )
            MemberMatch.objects.filter(
                membership=match.membership, status=MemberMatch.Status.PENDING
            ).update(status=MemberMatch.Status.REJECTED, decided_at=timezone.now())
        audit_record(
            actor=actor,
            action="member_match." + ("accept" if same_person else "reject"),
            target=match.membership,
            request=request,
            details={"elector": match.elector_id},
        )


# --- Uploaded files and background jobs --------------------------------------------------------

IMPORTERS = {
    "register": register_import,
    "update": register_update_import,
    "addresses": addresses_import,
    "members": members_import,
}


def import_batch_create(
    *,
    actor,
    constituency: Constituency,
    kind: str,
    filename: str,
    data: bytes,
    published_on: datetime.date | None = None,
    request=None,
):
    """Keep an uploaded file and say whether we know its layout. A file we cannot read at all
    is refused straight away (FileProblem); an unknown layout waits for a column mapping."""
    from members.models import ImportBatch

    table = read_table(data, filename=filename)
    try:
        resolved = resolve_layout(constituency=constituency, kind=_layout_kind(kind), table=table)
        status, layout = ImportBatch.Status.READY, resolved.name
    except WrongKind:
        raise
    except FileProblem:
        status, layout = ImportBatch.Status.NEEDS_MAPPING, ""
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            constituency=constituency,
            kind=kind,
            status=status,
            filename=filename[:255],
            content=data,
            layout=layout,
            published_on=published_on,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(actor=actor, action=f"import.upload:{kind}", target=batch, request=request)
    return batch


def _layout_kind(kind: str) -> str:
    return "register" if kind == "register" else kind


def import_batch_preview(batch, *, rows: int = 5) -> Table:
    table = read_table(bytes(batch.content), filename=batch.filename)
    table.rows = table.rows[:rows]
    return table


def import_batch_start(
    *,
    actor,
    batch,
    mapping: dict | None = None,
    save_as: str = "",
    confirm_leavers: bool = False,
    new_districts: dict[str, str] | None = None,
    request=None,
):
    """Start importing `batch` in the background (a Job with a progress bar)."""
    from clp.services import job_start
    from members.models import ImportBatch
    from members.tasks import import_run

    with transaction.atomic():
        if mapping is not None:
            table = read_table(bytes(batch.content), filename=batch.filename)
            from_mapping(_layout_kind(batch.kind), table.header, mapping, "mapping")
            batch.mapping = mapping
            batch.layout = save_as or "Your column mapping"
            if save_as:
                SavedLayout.objects.update_or_create(
                    constituency=batch.constituency,
                    kind=_layout_kind(batch.kind),
                    header_signature=header_signature(table.header),
                    defaults={"name": save_as[:120], "mapping": mapping},
                )
        batch.status = ImportBatch.Status.RUNNING
        params = {"batch_id": batch.pk}
        if confirm_leavers:
            params["confirm_leavers"] = True
        if new_districts:
            params["new_districts"] = new_districts
        job = job_start(
            actor=actor,
            kind=f"import:{batch.kind}",
            params=params,
            task=import_run,
            request=request,
        )
        batch.job = job
        batch.save(update_fields=["mapping", "layout", "status", "job", "updated_at"])
    return job


def import_batch_confirm_leavers(*, actor, batch, request=None):
    """Import a register that stopped to ask about leavers, now that the user has said yes.

    The same upload (and column mapping) runs again with `confirm_leavers`. Only a batch still
    waiting is started, so a second click starts nothing; returns the job, or None.
    """
    from members.models import ImportBatch

    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != ImportBatch.Status.NEEDS_CONFIRMING:
            return None
        audit_record(
            actor=actor,
            action="register.import.confirm_leavers",
            target=batch,
            request=request,
            details={"filename": batch.filename, "warnings": batch.errors},
        )
        batch.errors = []
        batch.save(update_fields=["errors", "updated_at"])
        # Districts confirmed before the leavers question are still to be created.
        earlier = (batch.job.params.get("new_districts") if batch.job else None) or None
        return import_batch_start(
            actor=actor,
            batch=batch,
            confirm_leavers=True,
            new_districts=earlier,
            request=request,
        )


def import_batch_create_districts(*, actor, batch, wards: dict[str, str], request=None):
    """Import a file that stopped on polling districts not set up yet, creating them.

    `wards` maps each new code the import page listed to a ward name ("" to set the ward
    later; a name not yet used creates the ward). The districts are created in the import's
    own transaction, so they exist only if it succeeds. Only a batch still waiting is
    started, so a second click starts nothing; returns the job, or None.
    """
    from members.models import ImportBatch

    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        listed = [code for code, _rows in batch.report.get("districts_to_create", [])]
        if batch.status != ImportBatch.Status.NEEDS_CONFIRMING or not listed:
            return None
        new_districts = {code: " ".join((wards.get(code) or "").split()) for code in listed}
        audit_record(
            actor=actor,
            action="import.create_districts",
            target=batch,
            request=request,
            details={"filename": batch.filename, "districts": new_districts},
        )
        batch.errors = []
        batch.report = {}
        batch.save(update_fields=["errors", "report", "updated_at"])
        return import_batch_start(
            actor=actor, batch=batch, new_districts=new_districts, request=request
        )


def import_batch_run(*, job_id: int) -> None:
    """Run the import a job was started for. Safe to run twice: a finished job is left alone,
    and the import and the job's "finished" state commit together, so a worker that dies
    part-way leaves nothing behind and the retried task imports the file once."""
    from clp.models import Job
    from clp.services import job_heartbeat, job_mark_running

    job = Job.objects.get(pk=job_id)
    if not job_mark_running(job):
        return
    # Reading, checking and matching a big file can run minutes between progress reports.
    with job_heartbeat(job):
        _import_batch_run(job)


def _import_batch_run(job) -> None:
    from clp.models import Job
    from clp.services import job_fail, job_finish, job_progress, job_wait
    from members.models import ImportBatch

    batch = ImportBatch.objects.select_related("constituency").get(pk=job.params["batch_id"])
    importer = IMPORTERS[batch.kind]
    kwargs = {"published_on": batch.published_on} if batch.kind in ("register", "update") else {}
    if batch.kind == "register" and batch.published_on is None:
        kwargs["published_on"] = timezone.localdate()
    if batch.kind == "register":
        kwargs["confirm_leavers"] = bool(job.params.get("confirm_leavers"))
    if batch.kind in ("register", "addresses") and job.params.get("new_districts"):
        kwargs["new_districts"] = job.params["new_districts"]

    progress, close_progress = _progress_reporter(job.pk)
    job_progress(job, done=0, total=100, message="Reading and checking the file.")
    try:
        with transaction.atomic():
            # Lock the batch, not the job: the job row takes progress from another connection.
            ImportBatch.objects.select_for_update().get(pk=batch.pk)
            locked = Job.objects.get(pk=job.pk)
            if locked.is_finished:
                return
            report = importer(
                actor=job.created_by,
                constituency=batch.constituency,
                data=bytes(batch.content),
                filename=batch.filename,
                mapping=batch.mapping or None,
                progress=progress,
                **kwargs,
            )
            batch.status = ImportBatch.Status.DONE
            batch.report = report
            batch.errors = []
            batch.content = b""  # the file held personal data; the result is in the database
            batch.save(update_fields=["status", "report", "errors", "content", "updated_at"])
            job_finish(locked, result=report, message=import_summary(batch.kind, report))
    except (LeaversNeedConfirming, DistrictsNeedCreating) as question:
        # The file is kept so that the import page can run it again once the user confirms.
        batch.status = ImportBatch.Status.NEEDS_CONFIRMING
        batch.errors = question.messages
        batch.report = (
            {"districts_to_create": question.districts}
            if isinstance(question, DistrictsNeedCreating)
            else {}
        )
        batch.save(update_fields=["status", "errors", "report", "updated_at"])
        # Waiting for the user's answer, not failed: the answer starts a new job.
        job_wait(job, message="Nothing was imported yet: please confirm. " + question.summary())
    except FileProblem as problem:
        batch.status = ImportBatch.Status.FAILED
        batch.errors = problem.messages
        batch.save(update_fields=["status", "errors", "updated_at"])
        job_fail(job, message="Nothing was imported. " + problem.summary())
    except Exception:
        from django.db import connection

        # A database error may have broken the connection: take a fresh one to record it.
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
        job_fail(
            job,
            message="An unexpected error stopped the import; nothing was written. The IT "
            "manager can find the details in the worker's log.",
        )
        raise
    finally:
        close_progress()


def import_job_failed(job) -> None:
    """An import's job failed (an error, a worker that kept dying): so did its batch, unless
    the import already said why (a file problem, leavers to confirm)."""
    from members.models import ImportBatch

    ImportBatch.objects.filter(
        pk=job.params.get("batch_id"), job=job, status=ImportBatch.Status.RUNNING
    ).update(status=ImportBatch.Status.FAILED, updated_at=timezone.now())


def import_job_retry_refusal(job) -> str:
    """Why an import's job cannot simply run again, or "" when it can."""
    from members.models import ImportBatch

    batch = ImportBatch.objects.filter(pk=job.params.get("batch_id")).first()
    if batch is None or batch.job_id != job.pk:
        return "This import was started again as another job; see the import's page."
    if batch.upload_deleted_at or not batch.content:
        return "The uploaded file has been deleted; upload it again to import it."
    if batch.status == ImportBatch.Status.NEEDS_CONFIRMING:
        return "The import is waiting for you to confirm on its page."
    if batch.errors:
        return "The file itself has problems; upload a corrected file."
    if batch.status not in (ImportBatch.Status.RUNNING, ImportBatch.Status.FAILED):
        return "This import is not running or failed."
    return ""


def import_job_next_steps(job, user) -> list[tuple[str, str]]:
    """After an import: what it changed, then where the new data is used. Each link only for
    a user whose roles open that page (canvassing's pages are named, not imported)."""
    from django.urls import reverse

    from clp.access import has_role
    from clp.models import Job
    from clp.roles import RoleCode
    from members.selectors import IMPORTERS, READERS

    batch_id = job.params.get("batch_id")
    if job.status == Job.Status.WAITING:
        return [("Check and confirm the import", reverse("members:import_detail", args=[batch_id]))]
    kind = job.kind.removeprefix("import:")
    steps = []
    if has_role(user, *IMPORTERS) and batch_id:
        steps.append(("See what changed", reverse("members:import_detail", args=[batch_id])))
    if kind in ("register", "update", "members") and has_role(user, *READERS):
        steps.append(("See the people", reverse("members:people_list")))
    if kind == "addresses" and has_role(user, *READERS):
        steps.append(("See the electors", reverse("members:elector_list")))
    if kind == "members" and has_role(user, *IMPORTERS):
        steps.append(("Review member matches", reverse("members:match_list")))
    if kind in ("register", "update", "addresses") and has_role(
        user, RoleCode.ORGANISER, RoleCode.AREA_ORGANISER
    ):
        steps.append(("Cut walk lists", reverse("canvassing:campaign_list")))
    if has_role(user, *IMPORTERS):
        steps.append(("Import another file", reverse("members:import_list")))
    return steps


def import_job_retried(job) -> None:
    from members.models import ImportBatch

    ImportBatch.objects.filter(pk=job.params.get("batch_id"), job=job).update(
        status=ImportBatch.Status.RUNNING, updated_at=timezone.now()
    )


def import_batch_delete_expired_uploads(*, now: datetime.datetime | None = None) -> int:
    """Delete the files kept for imports that failed, stuck or were never confirmed or started,
    UPLOAD_RETENTION_DAYS after the batch last changed; each deletion is in the audit log and
    the import's page says so. Returns how many files were deleted."""
    from django.conf import settings

    from clp.services import job_fail
    from members.models import ImportBatch

    now = now or timezone.now()
    days = settings.UPLOAD_RETENTION_DAYS
    expired = (
        ImportBatch.objects.exclude(status=ImportBatch.Status.DONE)
        .filter(upload_deleted_at__isnull=True, updated_at__lt=now - datetime.timedelta(days=days))
        .select_related("job")
        .only("pk", "status", "filename", "kind", "job")
    )
    deleted = 0
    for batch in expired:
        with transaction.atomic():
            changed = ImportBatch.objects.filter(
                pk=batch.pk, status=batch.status, upload_deleted_at__isnull=True
            ).update(
                content=b"",
                upload_deleted_at=now,
                # A stuck import cannot run without its file: it has failed.
                status=ImportBatch.Status.FAILED
                if batch.status == ImportBatch.Status.RUNNING
                else batch.status,
                updated_at=now,
            )
            if not changed:
                continue
            audit_record(
                actor=None,
                action="import.upload_deleted",
                target=batch,
                details={
                    "filename": batch.filename,
                    "status": batch.status,
                    "retention_days": days,
                },
            )
            if batch.job and (not batch.job.is_finished or batch.job.status == "waiting"):
                job_fail(
                    batch.job,
                    message=f"The uploaded file was deleted after {days} days unimported.",
                )
            deleted += 1
    return deleted


def _progress_reporter(job_id: int):
    """Progress for the job page while the import's own transaction is still open.

    On Postgres a second, autocommitting connection writes the job's progress so the page can
    show it; elsewhere (SQLite has one writer at a time) the bar moves when the import ends.
    """
    from django.db import connections

    if connections["default"].vendor != "postgresql":
        return (lambda done, total, message: None), (lambda: None)
    side = connections.create_connection("default")

    def report(done: int, total: int, message: str) -> None:
        with side.cursor() as cursor:
            cursor.execute(
                "UPDATE clp_job SET progress_done = %s, progress_total = %s, message = %s, "
                "heartbeat_at = %s WHERE id = %s",
                [done, total, message[:500], timezone.now(), job_id],
            )

    return report, side.close


def import_summary(kind: str, report: dict) -> str:
    if kind == "register":
        return (
            f"{report.get('rows', 0)} register entries: {report.get('electors_added', 0)} new, "
            f"{report.get('electors_changed', 0)} changed, {report.get('electors_left', 0)} left "
            f"the register; {report.get('people_created', 0)} new people."
            + (f" {report['notice']}" if report.get("notice") else "")
        )
    if kind == "update":
        return f"{report['added']} added, {report['amended']} amended, {report['deleted']} deleted."
    if kind == "addresses" and "properties_matched" not in report:  # a stations file
        new, updated = report["stations"], report["stations_updated"]
        return f"{new} new polling station{'' if new == 1 else 's'}, {updated} updated."
    if kind == "addresses":
        return (
            f"{report['properties_matched']} properties updated, {report['properties_created']} "
            f"new; {report['dummy_records_skipped']} dummy records skipped."
            + "".join(f" {note}" for note in report.get("notes", []))
        )
    return (
        f"{report['members_created']} new members, {report['members_updated']} updated; "
        f"{report['linked']} linked to the register, {report['review']} to review."
    )


def segment_save(*, actor, constituency, name: str, description: str, filters: dict, request=None):
    """Create (or update, by name) a saved segment."""
    from members.models import Segment

    with transaction.atomic():
        segment, _ = Segment.objects.update_or_create(
            constituency=constituency,
            name=name,
            defaults={
                "description": description,
                "filters": filters,
                "created_by": actor if getattr(actor, "is_authenticated", False) else None,
            },
        )
        audit_record(actor=actor, action="segment.save", target=segment, request=request)
    return segment


# --- Editing a person (issue 9 §3) --------------------------------------------------------
#
# Every edit of a person, their contact details or their membership goes through one
# optimistic lock on Person.version: the form carries the version it was opened at, and the
# save is one `UPDATE … WHERE version = <that>`. If someone saved in between, no row matches,
# nothing is written, and EditConflict says who changed what (from the audit log), so the
# later save is refused rather than silently overwriting the earlier one.

PERSON_FIELDS = (
    "title",
    "first_name",
    "last_name",
    "date_of_birth",
    "notes",
    "deceased",
    "do_not_contact",
    "do_not_email",
    "do_not_phone",
    "do_not_text",
    "do_not_post",
    "do_not_canvass",
)
CONTACT_FIELDS = {
    "email": ("address", "source", "is_primary"),
    "phone": ("number", "kind", "tps_registered", "source", "is_primary"),
}
CONSENT_FIELDS = ("consent", "consent_source", "consent_wording")
MEMBERSHIP_FIELDS = (
    "number",
    "status",
    "branch",
    "joined_on",
    "lapsed_on",
    "in_arrears",
    "roles_held",
)


class EditConflict(Exception):
    """The person was saved by someone else after this form was opened: nothing was written.

    `changes` lists what was saved meanwhile, oldest first, each {"by", "at", "action",
    "before", "after"} (from the audit log; a change made by an import has no entry of its own
    and shows as "someone").
    """

    def __init__(self, person, changes: list[dict]):
        self.person = person
        self.changes = changes
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if self.changes:
            last = self.changes[-1]
            who, at = last["by"], last["at"]
        else:
            who, at = "Someone (or an import)", self.person.updated_at
        when = timezone.localtime(at).strftime("%H:%M")
        return (
            f"{who} changed this person at {when} while you were editing; your changes were "
            "not saved. Here is what they changed; your form still holds what you entered, "
            "so check it and save again."
        )

    @property
    def lines(self) -> list[str]:
        """What was changed meanwhile, one line a field: who, when, before and after."""
        lines = []
        for change in self.changes:
            when = timezone.localtime(change["at"]).strftime("%H:%M")
            before, after = change["before"], change["after"]
            fields = list(dict.fromkeys([*after, *before]))
            what = change["action"].removeprefix("person.").replace("_", " ")
            if not fields:
                lines.append(f"{change['by']} at {when}: {what}")
            for field in fields:
                label = field.replace("_", " ").capitalize()
                lines.append(
                    f"{change['by']} at {when} ({what}): {label}: "
                    f"“{_shown(before.get(field))}” → “{_shown(after.get(field))}”"
                )
        return lines


def _shown(value) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    return str(value)


def _plain(value):
    """A field's value as the audit log keeps it (JSON)."""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if hasattr(value, "_meta"):  # a linked row: its name, as people read it
        return str(value)
    return value


def _changes_since(person, version: int) -> list[dict]:
    from clp.models import AuditEntry

    entries = AuditEntry.objects.filter(
        target_type="members.person", target_id=str(person.pk), kind=AuditEntry.Kind.CHANGE
    ).order_by("at", "id")
    return [
        {
            "by": entry.actor_label,
            "at": entry.at,
            "action": entry.action,
            "before": entry.details.get("before", {}),
            "after": entry.details.get("after", {}),
        }
        for entry in entries
        if isinstance(entry.details.get("version"), int) and entry.details["version"] > version
    ]


def _person_claim(person, version: int | None, **fields) -> int:
    """Take the next version of `person` if it is still at `version` (None: whatever it is
    now, for writers that set one field and have no form that could be stale), writing
    `fields` in the same UPDATE. Raises EditConflict, writing nothing, if it is not."""
    from django.db.models import F

    from members.models import Person

    if version is None:
        version = (
            Person.objects.select_for_update().values_list("version", flat=True).get(pk=person.pk)
        )
    else:
        # Someone edited this person by hand: a later monthly amendment does not overwrite it
        # (it is flagged for review instead; see register_update_import).
        fields["edited_at"] = timezone.now()
    if "deceased" in fields:
        fields["deceased_on"] = (
            (person.deceased_on or timezone.localdate()) if fields["deceased"] else None
        )
    updated = Person.objects.filter(pk=person.pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now(), **fields
    )
    if not updated:
        fresh = Person.objects.get(pk=person.pk)
        raise EditConflict(fresh, _changes_since(fresh, version))
    for name, value in fields.items():
        setattr(person, name, value)
    person.version = version + 1
    return person.version


def _diff(obj, values: dict) -> tuple[dict, dict]:
    before, after = {}, {}
    for name, value in values.items():
        old = getattr(obj, name)
        if old != value:
            before[name], after[name] = _plain(old), _plain(value)
    return before, after


def person_update(
    *, actor, person, changes: dict, version: int | None, request=None, why: str = ""
) -> list[str]:
    """Edit a person's details, notes, deceased flag, do-not-contact flags (PERSON_FIELDS) and
    tags (`changes["tags"]`, a list of Tag). `version` is the one the editor's form was opened
    at (None only for a writer with no form, e.g. a doorstep result marking someone deceased).
    Audited with each changed field before and after; returns the changed field names."""
    from members.models import Person

    unknown = set(changes) - {*PERSON_FIELDS, "tags"}
    if unknown:
        raise ValueError(f"Not a field of a person's editable details: {sorted(unknown)}")
    with transaction.atomic():
        current = Person.objects.get(pk=person.pk)
        fields = {k: v for k, v in changes.items() if k != "tags"}
        before, after = _diff(current, fields)
        if "tags" in changes:
            old_tags = sorted(current.tags.values_list("name", flat=True))
            new_tags = sorted(tag.name for tag in changes["tags"])
            if old_tags != new_tags:
                before["tags"], after["tags"] = old_tags, new_tags
        if not after:
            if version is not None and version != current.version:
                # Nothing to write, but the form was stale: say so rather than "saved".
                raise EditConflict(current, _changes_since(current, version))
            return []
        new_version = _person_claim(person, version, **{k: fields[k] for k in after if k != "tags"})
        if "tags" in after:
            person.tags.set(changes["tags"])
        audit_record(
            actor=actor,
            action="person.update",
            target=person,
            request=request,
            why=why,
            details={"version": new_version, "before": before, "after": after},
        )
    return list(after)


def person_do_not_contact_set(
    *, actor, person, channel: str, value: bool = True, request=None, why: str = ""
) -> None:
    """Mark (or clear) `person` as not to be contacted on `channel` (email, phone, text, post,
    door, or all). members/consent.py reads these flags, so every sender obeys them."""
    person_update(
        actor=actor,
        person=person,
        changes={DO_NOT_CONTACT_FLAGS[channel]: value},
        version=None,
        request=request,
        why=why,
    )


def _contact_values(kind: str, details: dict, *, actor, contact=None) -> dict:
    """The contact detail's fields from `details`; consent recorded now, by `actor`, whenever
    its state, source or wording changes (or `consent_recorded_at` as given)."""
    values = {k: details[k] for k in CONTACT_FIELDS[kind] if k in details}
    consent = {k: details[k] for k in CONSENT_FIELDS if k in details}
    values.update(consent)
    consent_changed = any(
        getattr(contact, k, "" if k != "consent" else "unknown") != v for k, v in consent.items()
    )
    if consent_changed:
        values["consent_recorded_at"] = details.get("consent_recorded_at") or timezone.now()
        values["consent_recorded_by"] = actor if getattr(actor, "is_authenticated", False) else None
    return values


def person_contact_add(
    *, actor, person, kind: str, details: dict, version: int | None, request=None
):
    """Add an email address (`kind` "email") or phone number ("phone") to `person`, with its
    consent (state, source, the wording they agreed to; recorded now, by `actor`)."""
    from members.models import ContactEmail, ContactPhone

    model = {"email": ContactEmail, "phone": ContactPhone}[kind]
    with transaction.atomic():
        values = _contact_values(kind, details, actor=actor)
        new_version = _person_claim(person, version)
        if values.get("is_primary"):
            model.objects.filter(person=person).update(is_primary=False)
        contact = model.objects.create(person=person, **values)
        after = {k: _plain(v) for k, v in values.items()}
        audit_record(
            actor=actor,
            action=f"person.{kind}_add",
            target=person,
            request=request,
            details={"version": new_version, "before": {}, "after": after, "contact": contact.pk},
        )
    return contact


def person_contact_update(*, actor, person, contact, details: dict, version, request=None):
    """Change a contact detail of `person` or its consent (recorded now, by `actor`, when the
    state, source or wording changes)."""
    from members.models import ContactEmail

    kind = "email" if isinstance(contact, ContactEmail) else "phone"
    if contact.person_id != person.pk:
        raise ValueError("That contact detail belongs to someone else.")
    with transaction.atomic():
        current = type(contact).objects.select_for_update().get(pk=contact.pk)
        values = _contact_values(kind, details, actor=actor, contact=current)
        before, after = _diff(current, values)
        if not after:
            return current
        new_version = _person_claim(person, version)
        if values.get("is_primary"):
            type(contact).objects.filter(person=person).exclude(pk=current.pk).update(
                is_primary=False
            )
        for name, value in values.items():
            setattr(current, name, value)
        current.save(update_fields=[*values, "updated_at"])
        audit_record(
            actor=actor,
            action=f"person.{kind}_update",
            target=person,
            request=request,
            details={
                "version": new_version,
                "before": before,
                "after": after,
                "contact": current.pk,
            },
        )
    return current


def person_contact_delete(*, actor, person, contact, version, request=None) -> None:
    """Remove a wrong or dead email address or phone number (audited with what it was)."""
    from members.models import ContactEmail

    kind = "email" if isinstance(contact, ContactEmail) else "phone"
    if contact.person_id != person.pk:
        raise ValueError("That contact detail belongs to someone else.")
    with transaction.atomic():
        new_version = _person_claim(person, version)
        before = {k: _plain(getattr(contact, k)) for k in (*CONTACT_FIELDS[kind], *CONSENT_FIELDS)}
        contact.delete()
        audit_record(
            actor=actor,
            action=f"person.{kind}_delete",
            target=person,
            request=request,
            details={"version": new_version, "before": before, "after": {}},
        )


def membership_update(*, actor, person, details: dict, version, request=None):
    """Record or change `person`'s membership: number, status, branch, arrears, dates, roles
    held (MEMBERSHIP_FIELDS). Creates the membership if they have none."""
    from members.models import Membership

    values = {k: details[k] for k in MEMBERSHIP_FIELDS if k in details}
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(person=person).first()
        if membership is None:
            before, after = {}, {k: _plain(v) for k, v in values.items()}
        else:
            before, after = _diff(membership, values)
            if not after:
                return membership
        new_version = _person_claim(person, version)
        if membership is None:
            membership = Membership.objects.create(person=person, **values)
        else:
            for name, value in values.items():
                setattr(membership, name, value)
            membership.save(update_fields=[*values, "updated_at"])
        audit_record(
            actor=actor,
            action="person.membership_update",
            target=person,
            request=request,
            details={"version": new_version, "before": before, "after": after},
        )
    return membership


# --- Segments (issue 9 §3) ----------------------------------------------------------------


class SegmentInUse(Exception):
    """A segment other records still select people by: deleting it would widen them."""

    def __init__(self, users: list[str]):
        self.users = users
        super().__init__(
            "This segment is used by " + "; ".join(users) + ". Change those to use another "
            "segment (or none) first: deleting it would make them select everyone."
        )


def segment_users(segment) -> list[str]:
    """What still uses `segment` (canvass targets, …), found through every link to Segment,
    so members need not know the apps that build on it."""
    used = []
    for relation in type(segment)._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and relation.one_to_many):
            continue
        model = relation.related_model
        for row in model._base_manager.filter(**{relation.field.name: segment})[:10]:
            used.append(f"{model._meta.verbose_name} “{row}”")
    return used


def segment_update(*, actor, segment, name: str, description: str, filters: dict, request=None):
    """Rename a segment or change what it selects (audited with before and after)."""
    with transaction.atomic():
        values = {"name": name, "description": description, "filters": filters}
        before, after = _diff(segment, values)
        for field, value in values.items():
            setattr(segment, field, value)
        segment.save(update_fields=[*values, "updated_at"])
        audit_record(
            actor=actor,
            action="segment.update",
            target=segment,
            request=request,
            details={"before": before, "after": after},
        )
    return segment


def segment_delete(*, actor, segment, request=None) -> None:
    """Delete a segment nothing uses any more; refused (SegmentInUse) while, say, a canvass
    target selects by it, since the target would then quietly select everyone."""
    with transaction.atomic():
        used = segment_users(segment)
        if used:
            raise SegmentInUse(used)
        audit_record(
            actor=actor,
            action="segment.delete",
            target=segment,
            request=request,
            details={"before": {"name": segment.name, "filters": segment.filters}},
        )
        segment.delete()
