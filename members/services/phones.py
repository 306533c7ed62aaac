"""Phone numbers: wrong numbers reported by callers, the TPS list, and organisers' phone lists.

Every number is stored in E.164 by members.phones.phone_normalise; members.consent decides
which of them may be called.
"""

import datetime
import os
import re
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from clp.audit import audit_record
from members import bulk
from members.importers import FileProblem
from members.importers.files import clean_cell, read_table
from members.importers.records import parse_elector_number
from members.models import ConsentState, ContactPhone, Elector, Person, TpsList, TpsNumber
from members.phones import PhoneNumberRefused, phone_kind, phone_normalise


def phone_reported_wrong(*, actor, phone_id: int, request=None) -> ContactPhone:
    """Someone answering said this number is not the person's: it is never called or texted
    again (members.consent). Reporting it again changes nothing and records nothing."""
    with transaction.atomic():
        phone = ContactPhone.objects.select_for_update().get(pk=phone_id)
        if phone.wrong_number_reported_at is None:
            phone.wrong_number_reported_at = timezone.now()
            phone.save(update_fields=["wrong_number_reported_at", "updated_at"])
            audit_record(
                actor=actor,
                action="phone.reported_wrong",
                target=phone.person,
                request=request,
                details={"phone": phone.pk},
            )
    return phone


# --- The TPS list -------------------------------------------------------------------------

TPS_MAX_ERRORS = 50
TPS_CHUNK = 50_000
_TPS_HEADERS = {
    "number",
    "numbers",
    "telephone",
    "telephone number",
    "phone",
    "phone number",
    "tel",
}
_NATIONAL = re.compile(r"0[1-9]\d{9}")
_DATE_IN_NAME = re.compile(r"(20\d\d)-?([01]\d)-?([0-3]\d)")


def _tps_numbers(lines, errors: list, counts: dict):
    """The numbers of the TPS file's lines, in E.164, collecting bad lines in `errors`."""
    first = True
    for line_no, raw in enumerate(lines, start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        if first:
            first = False
            if line.lower().strip("\"' ") in _TPS_HEADERS:
                continue
        # The national list is 11-digit numbers: read those without phonenumbers (20 million
        # lines), and accept any UK-shaped number, as the list may name ranges opened after
        # our copy of phonenumbers' metadata.
        compact = line.replace(" ", "")
        if _NATIONAL.fullmatch(compact):
            yield "+44" + compact[1:]
            continue
        try:
            yield phone_normalise(line)
        except PhoneNumberRefused as refused:
            counts["bad"] += 1
            if len(errors) < TPS_MAX_ERRORS:
                errors.append(f"Line {line_no}: {refused}")


def _file_date(path: Path, file_date: datetime.date | None) -> datetime.date:
    if file_date:
        return file_date
    for match in _DATE_IN_NAME.finditer(path.name):
        try:
            return datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            continue
    return datetime.date.fromtimestamp(path.stat().st_mtime)


def _chunks(numbers, size: int):
    chunk = []
    for number in numbers:
        chunk.append(number)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _tps_stage_postgres(numbers) -> None:
    """COPY the numbers into a scratch table as the file is read."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS tps_stage")
        cursor.execute("CREATE TEMPORARY TABLE tps_stage (number varchar(20)) ON COMMIT DROP")
        raw = cursor.cursor
        with raw.copy("COPY tps_stage (number) FROM STDIN") as copy:
            for chunk in _chunks(numbers, TPS_CHUNK):
                copy.write("\n".join(chunk) + "\n")


def tps_list_import(
    *, actor, path, file_date: datetime.date | None = None, request=None
) -> TpsList:
    """Replace the TPS list in force with the numbers of the text file at `path` (one a line,
    any UK format; blank lines, # comments and a header line are skipped; repeats are fine).

    All or nothing: a bad line raises ValidationError naming the first 50 bad lines, and the
    list in force stays as it was. The list's date is `file_date`, else a date in the file's
    name (2026-11-30 or 20261130), else the day the file was last changed."""
    path = Path(path)
    try:
        stat = path.stat()
        handle = path.open(encoding="utf-8-sig", errors="replace", newline=None)
    except OSError as exc:
        raise ValidationError(f"The TPS file {path} cannot be read: {exc.strerror}.") from exc
    when = _file_date(path, file_date)
    errors: list[str] = []
    counts = {"bad": 0}
    pg = connection.vendor == "postgresql"
    with handle, transaction.atomic():
        numbers = _tps_numbers(handle, errors, counts)
        if pg:
            _tps_stage_postgres(numbers)
        else:
            TpsNumber.objects.all().delete()
            for chunk in _chunks(numbers, 5_000):
                TpsNumber.objects.bulk_create(
                    [TpsNumber(number=n) for n in chunk], ignore_conflicts=True
                )
        if errors:
            more = counts["bad"] - len(errors)
            if more:
                errors.append(f"… and {more:,} more.")
            raise ValidationError(
                [
                    f"The TPS file {path.name} has lines that are not phone numbers; "
                    "the list in force is unchanged."
                ]
                + errors
            )
        if pg:
            # Only now, every line good, is the list in force changed: the numbers gone from
            # it are deleted and the new ones added. A new edition differs from the last by a
            # few per cent, so this writes little, and readers see the old list until commit.
            # (The application's database role may not TRUNCATE.)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE tps_stage")
                cursor.execute(
                    "DELETE FROM members_tpsnumber t "
                    "WHERE NOT EXISTS (SELECT 1 FROM tps_stage s WHERE s.number = t.number)"
                )
                cursor.execute(
                    "INSERT INTO members_tpsnumber (number) "
                    "SELECT DISTINCT number FROM tps_stage ON CONFLICT DO NOTHING"
                )
                cursor.execute("SELECT count(*) FROM members_tpsnumber")
                total = cursor.fetchone()[0]
        else:
            total = TpsNumber.objects.count()
        tps = TpsList.objects.create(
            file_date=when,
            source=str(path)[:300],
            numbers=total,
            imported_by=actor if getattr(actor, "is_authenticated", False) else None,
            file_size=stat.st_size,
            file_modified_at=datetime.datetime.fromtimestamp(stat.st_mtime, tz=datetime.UTC),
        )
        audit_record(
            actor=actor,
            action="tps_list.import",
            target=tps,
            request=request,
            details={"file": str(path), "file_date": when.isoformat(), "numbers": total},
        )
    bulk.analyse("members_tpsnumber")
    return tps


def tps_list_unchanged(path) -> bool:
    """True when the file at `path` is the one the list in force was read from (same size and
    time of last change), so reading it again would change nothing."""
    latest = TpsList.objects.order_by("-imported_at", "-pk").first()
    if latest is None or latest.file_size is None:
        return False
    try:
        stat = os.stat(path)
    except OSError:
        return False  # the import says what is wrong with the path
    modified = datetime.datetime.fromtimestamp(stat.st_mtime, tz=datetime.UTC)
    return (
        latest.source == str(path)[:300]
        and latest.file_size == stat.st_size
        and latest.file_modified_at == modified
    )


# --- Phone lists ----------------------------------------------------------------------------

PHONE_LIST_MAX_ROWS = 20_000
_BARE_ELECTOR_NUMBER = re.compile(r"\d+(/\d+)?")
# Column names as organisers write them, lower case, spaces for _ and -.
_ELECTOR_COLUMNS = {
    "elector number",
    "elector no",
    "elector",
    "pd/eno",
    "pd eno",
    "pdeno",
    "pd/en",
    "electoral number",
    "elector id",
    "full elector number",
    "voter number",
}
_PD_COLUMNS = {"pd", "polling district", "district", "pd code", "polling district code"}
_ENO_COLUMNS = {"eno", "number", "elector no.", "en", "roll number"}
_SUFFIX_COLUMNS = {"suffix", "eno suffix", "elector suffix"}
_PERSON_COLUMNS = {"person id", "person", "id", "personid", "person number"}
_PHONE_COLUMNS = {
    "phone",
    "phone number",
    "telephone",
    "telephone number",
    "tel",
    "mobile",
    "mobile number",
    "mobile phone",
    "landline",
    "home phone",
    "number to call",
}
_CONSENT_COLUMNS = {"consent", "phone consent", "consent to call", "may call", "call consent"}
_TPS_COLUMNS = {"tps", "on tps", "tps registered", "tps registered?", "on the tps"}

CONSENT_WORDS = {
    **dict.fromkeys(
        ("yes", "y", "true", "1", "granted", "given", "opted in", "opt in"),
        ConsentState.GRANTED,
    ),
    **dict.fromkeys(
        ("no", "n", "false", "0", "refused", "opted out", "opt out"), ConsentState.REFUSED
    ),
    "withdrawn": ConsentState.WITHDRAWN,
    **dict.fromkeys(("", "unknown", "not asked", "?"), ""),
}
TPS_WORDS = {
    **dict.fromkeys(("yes", "y", "true", "1", "tps", "registered"), True),
    **dict.fromkeys(("no", "n", "false", "0", "not registered"), False),
    "": None,
}


class PhoneListProblem(FileProblem):
    """The phone list has bad rows. `rows` holds (row, column, problem) for each of them."""

    def __init__(self, rows: list[tuple[int, str, str]]):
        self.rows = rows
        super().__init__([f"Row {r}, {column}: {problem}" for r, column, problem in rows])


def _column_key(name: str) -> str:
    return " ".join(name.lower().replace("_", " ").replace("-", " ").split())


def _phone_list_columns(header: list[str]) -> dict:
    columns: dict = {"phones": []}
    names = [
        ("elector", _ELECTOR_COLUMNS),
        ("pd", _PD_COLUMNS),
        ("eno", _ENO_COLUMNS),
        ("suffix", _SUFFIX_COLUMNS),
        ("person", _PERSON_COLUMNS),
        ("consent", _CONSENT_COLUMNS),
        ("tps", _TPS_COLUMNS),
    ]
    for index, name in enumerate(header):
        key = _column_key(name)
        if key in _PHONE_COLUMNS:
            columns["phones"].append(index)
            continue
        for field, synonyms in names:
            if key in synonyms and field not in columns:
                columns[field] = index
                break
    problems = []
    if not columns["phones"]:
        problems.append("The file has no phone column (call it “Phone”, “Mobile” or “Telephone”).")
    has_elector = "elector" in columns or ("pd" in columns and "eno" in columns)
    if not has_elector and "person" not in columns:
        problems.append(
            "The file has no column saying whose number it is: add “Elector number” (PD/ENO, "
            "e.g. AB-123/1) or “Person id”."
        )
    if problems:
        raise FileProblem(problems)
    return columns


def _label(header: list[str], index: int) -> str:
    return f"column {index + 1} ({header[index]})"


def phone_list_import(*, actor, constituencies, data: bytes, filename: str, request=None) -> dict:
    """Add the numbers of an organiser's phone list to the people it names, by elector number
    (PD/ENO) or person id, in `constituencies` only. Optional consent and TPS columns set those
    for each number. All or nothing: any bad row raises PhoneListProblem naming every bad row
    and column. Importing the same file again changes nothing."""
    table = read_table(data, filename=filename)
    if len(table.rows) > PHONE_LIST_MAX_ROWS:
        raise FileProblem(
            f"The file has {len(table.rows):,} rows; split it into files of at most "
            f"{PHONE_LIST_MAX_ROWS:,} rows."
        )
    header = table.header
    columns = _phone_list_columns(header)
    constituency_ids = [getattr(c, "pk", c) for c in constituencies]

    def cell(cells, index):
        return clean_cell(cells[index]) if index is not None and index < len(cells) else ""

    problems: list[tuple[int, str, str]] = []
    parsed = []  # (row, elector key or None, person id or None, [(number, label)], consent, tps)
    wanted_districts: set[str] = set()
    for row, cells in table.rows:
        elector_key = person_id = None
        if "elector" in columns and cell(cells, columns["elector"]):
            value = cell(cells, columns["elector"])
            if "pd" in columns and _BARE_ELECTOR_NUMBER.fullmatch(value):
                value = f"{cell(cells, columns['pd'])}-{value}"  # "PD" and "Elector No" apart
            number = parse_elector_number(value)
            if number is None:
                problems.append(
                    (
                        row,
                        _label(header, columns["elector"]),
                        f"“{value}” is not an elector number (write it as PD-ENO, e.g. AB-123/1).",
                    )
                )
                continue
            elector_key = (number[0], number[1], number[2] or 0)
        elif "pd" in columns and "eno" in columns and cell(cells, columns["pd"]):
            pd_code, eno = cell(cells, columns["pd"]), cell(cells, columns["eno"])
            suffix = cell(cells, columns.get("suffix")) or "0"
            if not eno.isdecimal() or not suffix.isdecimal():
                problems.append(
                    (
                        row,
                        _label(header, columns["eno"]),
                        f"“{eno}/{suffix}” is not an elector number.",
                    )
                )
                continue
            elector_key = (pd_code.upper(), int(eno), int(suffix))
        elif "person" in columns and cell(cells, columns["person"]):
            value = cell(cells, columns["person"])
            if not value.isdecimal():
                problems.append(
                    (row, _label(header, columns["person"]), f"“{value}” is not a person id.")
                )
                continue
            person_id = int(value)
        else:
            where = columns.get("elector", columns.get("pd", columns.get("person")))
            problems.append(
                (row, _label(header, where), "Whose number is this? The elector number is empty.")
            )
            continue
        numbers, bad = [], False
        for index in columns["phones"]:
            raw = cell(cells, index)
            if not raw:
                continue
            try:
                numbers.append((phone_normalise(raw), _label(header, index)))
            except PhoneNumberRefused as refused:
                problems.append((row, _label(header, index), str(refused)))
                bad = True
        consent_raw = cell(cells, columns.get("consent"))
        consent = CONSENT_WORDS.get(consent_raw.lower())
        if consent is None:
            problems.append(
                (
                    row,
                    _label(header, columns["consent"]),
                    f"“{consent_raw}” is not a consent answer: write yes, no, withdrawn or "
                    "leave it empty.",
                )
            )
            bad = True
        tps_raw = cell(cells, columns.get("tps"))
        tps = TPS_WORDS.get(tps_raw.lower(), "bad")
        if tps == "bad":
            problems.append((row, _label(header, columns["tps"]), f"“{tps_raw}” is not yes or no."))
            bad = True
        if bad or not numbers:
            continue  # a row with no number adds nothing; it is counted below
        if elector_key:
            wanted_districts.add(elector_key[0])
        parsed.append((row, elector_key, person_id, numbers, consent, tps))

    # Whose numbers: electors on the register now, and people, in the organiser's areas.
    electors = {}
    if wanted_districts:
        for code, number, suffix, pid in (
            Elector.objects.filter(
                constituency__in=constituency_ids,
                on_register=True,
                polling_district__code__in=wanted_districts,
            )
            .order_by("pk")
            .values_list("polling_district__code", "number", "suffix", "person_id")
        ):
            electors[(code.upper(), number, suffix)] = pid
    wanted_people = sorted({p for _r, _e, p, _n, _c, _t in parsed if p is not None})
    people = set()
    for start in range(0, len(wanted_people), 2_000):
        chunk = wanted_people[start : start + 2_000]
        people |= set(
            Person.objects.current()
            .filter(constituency__in=constituency_ids, pk__in=chunk)
            .values_list("pk", flat=True)
        )

    wanted: dict[tuple[int, str], dict] = {}
    for row, elector_key, person_id, numbers, consent, tps in parsed:
        if elector_key:
            person_id = electors.get(elector_key)
            if person_id is None:
                code, number, suffix = elector_key
                shown = f"{code}-{number}" + (f"/{suffix}" if suffix else "")
                index = columns.get("elector", columns.get("pd"))
                problems.append(
                    (
                        row,
                        _label(header, index),
                        f"No elector {shown} on the register in your area.",
                    )
                )
                continue
        elif person_id not in people:
            problems.append(
                (row, _label(header, columns["person"]), f"No person {person_id} in your area.")
            )
            continue
        for number, label in numbers:
            earlier = wanted.get((person_id, number))
            if earlier and (earlier["consent"], earlier["tps"]) != (consent, tps):
                problems.append(
                    (
                        row,
                        label,
                        f"{number} is on row {earlier['row']} for the same person with a "
                        "different consent or TPS answer.",
                    )
                )
                continue
            wanted[(person_id, number)] = {"row": row, "consent": consent, "tps": tps}
    if problems:
        problems.sort(key=lambda p: p[0])
        raise PhoneListProblem(problems)

    report = {"rows": len(table.rows), "added": 0, "updated": 0, "unchanged": 0}
    report["rows_without_number"] = len(table.rows) - len(parsed)
    source = f"phone list {filename}"[:100]
    now = timezone.now()
    recorder = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        person_ids = sorted({p for p, _n in wanted})
        existing = {}
        for start in range(0, len(person_ids), 2_000):
            for phone in ContactPhone.objects.filter(
                person_id__in=person_ids[start : start + 2_000]
            ):
                existing[(phone.person_id, phone.number)] = phone
        new = []
        for (person_id, number), answer in wanted.items():
            phone = existing.get((person_id, number))
            if phone is None:
                phone = ContactPhone(
                    person_id=person_id, number=number, kind=phone_kind(number), source=source
                )
                new.append(phone)
            changed = []
            if answer["consent"] and phone.consent != answer["consent"]:
                phone.consent = answer["consent"]
                phone.consent_recorded_at = now
                phone.consent_source = source
                phone.consent_recorded_by = recorder
                changed += [
                    "consent",
                    "consent_recorded_at",
                    "consent_source",
                    "consent_recorded_by",
                ]
            if answer["tps"] is not None and phone.tps_registered != answer["tps"]:
                phone.tps_registered = answer["tps"]
                changed.append("tps_registered")
            if phone.pk is None:
                continue
            if changed:
                phone.save(update_fields=[*changed, "updated_at"])
                report["updated"] += 1
            else:
                report["unchanged"] += 1
        ContactPhone.objects.bulk_create(new, batch_size=1_000)
        report["added"] = len(new)
        audit_record(
            actor=actor,
            action="members.phone_list_import",
            request=request,
            details={"filename": filename, **report},
        )
    return report
