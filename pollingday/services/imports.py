"""The council's files for an election: the absent voters list (postal and proxy voters), the
postal-vote returns during the campaign, and the marked register after the day.

Each import matches every row to an elector on the register in the election's polling
districts (and in the importing organiser's own districts). Nothing half-done: if any row does
not match, nothing is written and every bad row is reported with its row number, what it says
and why. Each import can be run as a preview (`dry_run=True`) that says what it would do.
Re-importing the same file changes nothing.
"""

import datetime
import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from clp.audit import audit_record
from members.bulk import ANALYSE_AFTER_ROWS, analyse
from members.importers import FileProblem
from members.importers.files import Table, clean_cell, decode, read_table
from members.importers.layouts import norm
from members.importers.records import CellError, parse_date, parse_elector_number, parse_int
from members.models import AbsentVoter, Election, Elector, PollingDistrict, VoteMethod, VoteRecord

ABSENT, RETURNS, MARKED = "absent", "returns", "marked"

# Our fields per kind of file, with what the mapping form calls them.
_NUMBER_FIELDS = {
    "number": "Elector number (e.g. AB-123/1, or 123 with a district column)",
    "pd": "Polling district (prefix)",
    "suffix": "Elector number suffix",
}
_NAME_FIELDS = {
    "name": "Full name (one column)",
    "surname": "Surname",
    "forenames": "Forename(s)",
}
FIELDS = {
    ABSENT: {
        **_NUMBER_FIELDS,
        **_NAME_FIELDS,
        "type": "Postal or proxy (type column)",
        **{f"ballot{i}": f"Ballot (postal) address line {i}" for i in range(1, 7)},
        "proxy_name": "Proxy's name",
        **{f"proxy{i}": f"Proxy's address line {i}" for i in range(1, 7)},
    },
    RETURNS: {**_NUMBER_FIELDS, **_NAME_FIELDS, "received": "Date received"},
    MARKED: {
        **_NUMBER_FIELDS,
        **_NAME_FIELDS,
        "method": "How they voted (in person, postal, proxy, or the council's marker)",
        "voted": "Voted? (a yes/no column, if the file lists everyone)",
    },
}
REQUIRED_WORDS = {
    ABSENT: "the elector number and a name (a full name, or a surname)",
    RETURNS: "the elector number",
    MARKED: "the elector number",
}

# Headers (normalised: lower case, letters and digits only) councils use for each field.
ALIASES = {
    "number": (
        "electornumber",
        "electorno",
        "electornum",
        "eno",
        "elector",
        "number",
        "no",
        "rollno",
        "rollnumber",
        "fullelectornumber",
        "pdeno",
        "pdno",
        "electorref",
    ),
    "pd": (
        "pd",
        "pollingdistrict",
        "pollingdistrictcode",
        "prefix",
        "electornumberprefix",
        "pdcode",
        "district",
        "districtref",
    ),
    "suffix": ("suffix", "electornumbersuffix", "electorsuffix"),
    "name": ("name", "electorname", "fullname", "votername", "electorfullname"),
    "surname": ("surname", "electorsurname", "lastname", "familyname"),
    "forenames": (
        "forenames",
        "forename",
        "forenames",
        "firstname",
        "firstnames",
        "electorforename",
        "electorforenames",
        "givenname",
        "givennames",
    ),
    "type": ("type", "avtype", "absentvotertype", "votertype", "absentvote", "category"),
    "proxy_name": ("proxyname", "proxy", "nameofproxy", "proxyfullname"),
    "received": (
        "datereceived",
        "received",
        "receivedon",
        "receiveddate",
        "datereturned",
        "returned",
        "returnedon",
        "returndate",
        "date",
    ),
    "method": (
        "method",
        "votemethod",
        "howvoted",
        "votingmethod",
        "votetype",
        "type",
        "marker",
        "markers",
        "mark",
    ),
    "voted": ("voted", "marked", "hasvoted"),
}
# One column for the whole address counts as its first line.
_SINGLE_BALLOT_LINE = ("postaladdress", "ballotaddress", "despatchaddress", "dispatchaddress")
for _i in range(1, 7):
    ALIASES[f"ballot{_i}"] = (
        f"postaladdress{_i}",
        f"postaladdressline{_i}",
        f"ballotaddress{_i}",
        f"ballotaddressline{_i}",
        f"despatchaddress{_i}",
        f"dispatchaddress{_i}",
        f"pvaddress{_i}",
    ) + (_SINGLE_BALLOT_LINE if _i == 1 else ())
    ALIASES[f"proxy{_i}"] = (f"proxyaddress{_i}", f"proxyaddressline{_i}") + (
        ("proxyaddress",) if _i == 1 else ()
    )


@dataclass
class RowProblem:
    row: int
    says: str
    why: str


class RowsRefused(Exception):
    """Some rows do not match the register: nothing was written. `problems` has one entry per
    bad row, in file order."""

    def __init__(self, problems: list[RowProblem], *, rows: int, filename: str):
        self.problems = sorted(problems, key=lambda p: p.row)
        self.rows = rows
        self.filename = filename
        super().__init__(f"{len(problems)} rows do not match")


class NeedsMapping(Exception):
    """The header is not one we recognise: the organiser says which column holds what."""

    def __init__(self, *, kind: str, header: list[str], guesses: dict, first_rows: list):
        self.kind, self.header, self.guesses, self.first_rows = kind, header, guesses, first_rows
        super().__init__("The file's columns need matching.")


def _columns(kind: str, header: list[str]) -> dict[str, int]:
    """Our field → column index, from the header's names (each column used once)."""
    normalised = [norm(h) for h in header]
    found: dict[str, int] = {}
    used: set[int] = set()
    for field_name in FIELDS[kind]:
        for alias in ALIASES.get(field_name, ()):
            if alias in normalised and normalised.index(alias) not in used:
                found[field_name] = normalised.index(alias)
                used.add(found[field_name])
                break
    return found


def _enough(kind: str, columns: dict) -> bool:
    if "number" not in columns:
        return False
    if kind == ABSENT:
        return "name" in columns or "surname" in columns
    return True


def guess_mapping(kind: str, header: list[str]) -> dict[str, str]:
    return {f: header[i] for f, i in _columns(kind, header).items()}


def resolve_columns(kind: str, table: Table, mapping: dict | None) -> dict[str, int]:
    """The columns of `table`, from the organiser's mapping or recognised from the header;
    NeedsMapping when neither is enough."""
    if mapping:
        columns = {}
        for field_name, header in mapping.items():
            if not header or field_name not in FIELDS[kind]:
                continue
            if header not in table.header:
                raise FileProblem(f"This file has no column “{header}”: match the columns again.")
            columns[field_name] = table.header.index(header)
        if not _enough(kind, columns):
            raise FileProblem(f"Choose the columns for {REQUIRED_WORDS[kind]}.")
        return columns
    columns = _columns(kind, table.header)
    if not _enough(kind, columns):
        raise NeedsMapping(
            kind=kind,
            header=table.header,
            guesses=guess_mapping(kind, table.header),
            first_rows=[cells for _row, cells in table.rows[:3]],
        )
    return columns


# Names compare with case, accents, apostrophes, hyphens and spaces ignored.
_NOT_LETTERS = re.compile(r"[^0-9a-z]")


def name_key(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_LETTERS.sub("", plain)


def surname_matches(*, given: str, surname: str, one_column: bool) -> bool:
    """Whether the row's name fits the elector's surname. A surname column must be the
    surname; one name column may be "Surname, Forename", "SURNAME Forename" or "Forename
    Surname" (a title in front is fine)."""
    wanted = name_key(surname)
    if not wanted:
        return False
    if not one_column:
        return name_key(given) == wanted
    if "," in given:
        return name_key(given.split(",", 1)[0]) == wanted
    words = given.split()
    for k in range(1, len(words) + 1):
        if name_key(" ".join(words[:k])) == wanted or name_key(" ".join(words[-k:])) == wanted:
            return True
    return False


@dataclass
class _Register:
    """The electors a file may name: on the register in the election's districts."""

    by_number: dict  # (pd code, number, suffix) → elector row tuple
    election_codes: set
    allowed_codes: set  # the organiser's own districts of the election
    constituency_codes: set


# What is read of each elector (a tuple, for 20,000 rows in a request).
_ELECTOR_FIELDS = (
    "pk",
    "person_id",
    "polling_district_id",
    "polling_district__code",
    "number",
    "suffix",
    "surname",
    "forenames",
    "is_postal_voter",
    "is_proxy_voter",
)
PK, PERSON, PD, CODE, NUMBER, SUFFIX, SURNAME, FORENAMES, IS_POSTAL, IS_PROXY = range(10)


def _register(election: Election, districts) -> _Register:
    election_districts = list(election.polling_districts.values_list("pk", "code"))
    allowed = {pk for pk, _code in election_districts}
    if districts is not None:
        allowed &= set(districts.values_list("pk", flat=True))
    by_number = {}
    rows = (
        Elector.objects.filter(
            polling_district__in=[pk for pk, _code in election_districts], on_register=True
        )
        .order_by("pk")
        .values_list(*_ELECTOR_FIELDS)
    )
    for row in rows.iterator(chunk_size=5000):
        by_number[(row[CODE].upper(), row[NUMBER], row[SUFFIX])] = row
    return _Register(
        by_number=by_number,
        election_codes={code.upper() for _pk, code in election_districts},
        allowed_codes={code.upper() for pk, code in election_districts if pk in allowed},
        constituency_codes={
            c.upper()
            for c in PollingDistrict.objects.filter(
                constituency=election.constituency_id
            ).values_list("code", flat=True)
        },
    )


def _number_text(pd: str, number: int, suffix: int) -> str:
    return f"{pd}-{number}" + (f"/{suffix}" if suffix else "")


class _Rows:
    """Reads each row's elector number and name and finds the elector, collecting problems."""

    def __init__(self, kind, table, columns, register, election):
        self.kind, self.table, self.columns = kind, table, columns
        self.register, self.election = register, election
        self.problems: list[RowProblem] = []

    def get(self, cells, field_name) -> str:
        index = self.columns.get(field_name)
        if index is None or index >= len(cells):
            return ""
        return clean_cell(cells[index])

    def says(self, cells) -> str:
        """The row as a volunteer would read it: its non-empty cells."""
        header = self.table.header
        # The column one_column() adds is not the council's.
        shown = [
            clean_cell(c)
            for i, c in enumerate(cells)
            if c.strip() and not (i == 1 and len(header) == 2 and header[1] == "-")
        ]
        text = " · ".join(shown)
        return text if len(text) <= 160 else text[:159] + "…"

    def refuse(self, row, cells, why):
        self.problems.append(RowProblem(row, self.says(cells), why))

    def elector(self, row, cells):
        """The row's elector (a tuple of _ELECTOR_FIELDS), or None with a problem recorded."""
        raw = self.get(cells, "number")
        pd = self.get(cells, "pd").upper()
        if not raw:
            self.refuse(row, cells, "The elector number is empty.")
            return None
        suffix = 0
        parsed = None
        if raw[0].isalpha() or "-" in raw:
            parsed = parse_elector_number(raw)
            if parsed is None:
                self.refuse(row, cells, f"“{raw}” is not an elector number (such as AB-123/1).")
                return None
            pd, number, suffix = parsed[0], parsed[1], parsed[2] or 0
        else:
            number_part, _, suffix_part = raw.partition("/")
            try:
                number = parse_int(number_part, what="elector number")
                if suffix_part:
                    suffix = parse_int(suffix_part, what="suffix")
            except CellError as exc:
                self.refuse(row, cells, f"{exc}.")
                return None
            if not pd:
                self.refuse(
                    row,
                    cells,
                    f"The number “{raw}” has no polling district: the file needs a district "
                    "column, or numbers such as AB-123.",
                )
                return None
        suffix_cell = self.get(cells, "suffix")
        if suffix_cell and not suffix:
            try:
                suffix = parse_int(suffix_cell, what="suffix")
            except CellError as exc:
                self.refuse(row, cells, f"{exc}.")
                return None
        text = _number_text(pd, number, suffix)
        register = self.register
        if pd not in register.constituency_codes:
            self.refuse(
                row, cells, f"There is no polling district {pd} in {self.election.constituency}."
            )
            return None
        if pd not in register.election_codes:
            self.refuse(
                row,
                cells,
                f"{text} is in polling district {pd}, which does not vote in {self.election}.",
            )
            return None
        if pd not in register.allowed_codes:
            self.refuse(
                row,
                cells,
                f"{text} is in polling district {pd}, which is outside your areas: only an "
                "organiser for that district (or the whole constituency) can import it.",
            )
            return None
        found = register.by_number.get((pd, number, suffix))
        if found is None:
            self.refuse(row, cells, f"There is no elector {text} on the register.")
            return None
        if not self.name_fits(row, cells, found, required=self.kind == ABSENT):
            return None
        return found

    def name_fits(self, row, cells, elector, *, required: bool) -> bool:
        text = _number_text(elector[CODE].upper(), elector[NUMBER], elector[SUFFIX])
        if "surname" in self.columns:
            given, one_column = self.get(cells, "surname"), False
        elif "name" in self.columns:
            given, one_column = self.get(cells, "name"), True
        else:
            return True
        if not given:
            if required:
                self.refuse(
                    row,
                    cells,
                    f"The name is empty (the register has {text} as {elector[SURNAME]}).",
                )
                return False
            return True
        if surname_matches(given=given, surname=elector[SURNAME], one_column=one_column):
            return True
        self.refuse(
            row,
            cells,
            f"The name “{given}” does not match the register: {text} is "
            f"{elector[FORENAMES]} {elector[SURNAME]}.".replace("  ", " "),
        )
        return False


def one_column(data: bytes) -> bytes:
    """A file of one column (a list of elector numbers, with or without a header) as a table
    read_table takes: it reads a line of one cell as a title line, not a header."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        return data
    text, _encoding = decode(data)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or any(d in lines[0] for d in ",;\t|"):
        return data
    if parse_elector_number(lines[0].strip('"')) is not None:
        lines.insert(0, "Elector Number")
    return "".join(f"{line},-\n" for line in lines).encode()


def _open(kind, *, election, data, filename, mapping, districts):
    table = read_table(one_column(data), filename=filename)
    columns = resolve_columns(kind, table, mapping)
    return table, columns, _Rows(kind, table, columns, _register(election, districts), election)


def _refuse_if_any(rows: _Rows, filename: str) -> None:
    if rows.problems:
        raise RowsRefused(rows.problems, rows=len(rows.table.rows), filename=filename)


def _one_import_at_a_time(service):
    """Two organisers applying files to one election at once take turns (the election's row
    is locked from reading what is there to writing), so neither works from a stale list.
    Previews write nothing and do not wait."""

    @functools.wraps(service)
    def run(*, election, dry_run=False, **kwargs):
        if dry_run:
            return service(election=election, dry_run=True, **kwargs)
        with transaction.atomic():
            Election.objects.select_for_update().filter(pk=election.pk).first()
            return service(election=election, dry_run=False, **kwargs)

    return run


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


# -- The absent voters list ----------------------------------------------------------------

LIST_POSTAL, LIST_PROXY, LIST_BOTH = "postal", "proxy", "both"
LIST_METHODS = {
    LIST_POSTAL: {VoteMethod.POSTAL},
    LIST_PROXY: {VoteMethod.PROXY},
    LIST_BOTH: {VoteMethod.POSTAL, VoteMethod.PROXY},
}


def _absent_type(value: str) -> str | None:
    """The council's word for a kind of absent voter → postal / proxy; None if unknown."""
    key = name_key(value)
    if not key:
        return ""
    if "proxy" in key or key in ("p", "px", "pr", "pp", "prx"):
        return VoteMethod.PROXY
    if "postal" in key or "post" in key or key in ("a", "pv", "pb", "pst"):
        return VoteMethod.POSTAL
    return None


def _lines(rows: _Rows, cells, prefix: str) -> str:
    return "\n".join(x for x in (rows.get(cells, f"{prefix}{i}") for i in range(1, 7)) if x)


@_one_import_at_a_time
def absent_voters_import(
    *,
    actor,
    election: Election,
    data: bytes,
    filename: str,
    mapping: dict | None = None,
    list_kind: str = LIST_BOTH,
    districts=None,
    dry_run: bool = False,
    request=None,
) -> dict:
    """Import the council's absent voters list for `election` (all or nothing).

    `list_kind` says which list the file is (postal, proxy or both); a type column, or a
    proxy's name, says so row by row. The file is the whole list for what it covers (its
    method(s), in the polling districts its rows are in, all inside `districts`, the
    organiser's own, when given): anyone there on the earlier list but not this one is taken
    off, unless their postal ballot has already come back (kept, and reported).
    Raises RowsRefused, NeedsMapping or FileProblem, having written nothing."""
    table, columns, rows = _open(
        ABSENT,
        election=election,
        data=data,
        filename=filename,
        mapping=mapping,
        districts=districts,
    )
    covered = LIST_METHODS[list_kind]
    wanted: dict[int, tuple] = {}  # elector id → (method, ballot, proxy name, proxy address)
    first_row: dict[int, int] = {}
    electors: dict[int, tuple] = {}
    for row, cells in table.rows:
        elector = rows.elector(row, cells)
        if elector is None:
            continue
        type_cell = rows.get(cells, "type")
        method = _absent_type(type_cell)
        if method is None:
            rows.refuse(
                row, cells, f"“{type_cell}” does not say postal or proxy (the type column)."
            )
            continue
        proxy_name = rows.get(cells, "proxy_name")
        if not method:
            if proxy_name or list_kind == LIST_PROXY:
                method = VoteMethod.PROXY
            else:
                method = VoteMethod.POSTAL
        if method not in covered:
            said = "postal" if list_kind == LIST_POSTAL else "proxy"
            rows.refuse(
                row,
                cells,
                f"This row is a {'proxy' if method == VoteMethod.PROXY else 'postal'} voter, "
                f"but you said the file lists {said} voters only.",
            )
            continue
        values = (
            method,
            _lines(rows, cells, "ballot"),
            proxy_name if method == VoteMethod.PROXY else "",
            _lines(rows, cells, "proxy") if method == VoteMethod.PROXY else "",
        )
        pk = elector[PK]
        if pk in wanted:
            if wanted[pk] != values:
                text = _number_text(elector[CODE].upper(), elector[NUMBER], elector[SUFFIX])
                rows.refuse(
                    row,
                    cells,
                    f"Row {first_row[pk]} is also for {text} but says something different: "
                    "keep one of the two rows.",
                )
            continue
        wanted[pk], first_row[pk], electors[pk] = values, row, elector
    _refuse_if_any(rows, filename)

    existing = {
        a["elector_id"]: a
        for a in AbsentVoter.objects.filter(election=election).values(
            "pk",
            "elector_id",
            "method",
            "ballot_address",
            "proxy_name",
            "proxy_address",
            "returned_on",
            "elector__polling_district__code",
            "elector__number",
            "elector__suffix",
        )
    }
    # The districts the file covers (all inside the organiser's own: rows elsewhere were
    # refused). Councils often send a file a district: one district's list takes nobody off
    # another's.
    in_file = {electors[pk][CODE].upper() for pk in wanted}
    to_create, to_update, unchanged = [], [], 0
    new = 0
    for pk, (method, ballot, proxy_name, proxy_address) in wanted.items():
        old = existing.get(pk)
        if old is None:
            new += 1
            to_create.append(
                AbsentVoter(
                    election=election,
                    elector_id=pk,
                    person_id=electors[pk][PERSON],
                    method=method,
                    ballot_address=ballot,
                    proxy_name=proxy_name,
                    proxy_address=proxy_address,
                )
            )
        elif (old["method"], old["ballot_address"], old["proxy_name"], old["proxy_address"]) != (
            method,
            ballot,
            proxy_name,
            proxy_address,
        ):
            to_update.append(
                AbsentVoter(
                    pk=old["pk"],
                    method=method,
                    ballot_address=ballot,
                    proxy_name=proxy_name,
                    proxy_address=proxy_address,
                )
            )
        else:
            unchanged += 1
    removed, kept = [], []
    for pk, old in existing.items():
        if pk in wanted or old["method"] not in covered:
            continue
        if old["elector__polling_district__code"].upper() not in in_file:
            continue
        if old["returned_on"] is not None:
            kept.append(
                _number_text(
                    old["elector__polling_district__code"].upper(),
                    old["elector__number"],
                    old["elector__suffix"],
                )
            )
        else:
            removed.append(old)
    counts = Counter(values[0] for values in wanted.values())
    report = {
        "rows": len(table.rows),
        "postal": counts[VoteMethod.POSTAL],
        "proxy": counts[VoteMethod.PROXY],
        "new": new,
        "changed": len(to_update),
        "unchanged": unchanged,
        "removed": len(removed),
        "kept_returned": sorted(kept),
        "list_kind": list_kind,
    }
    report["summary"] = absent_voters_summary(report)
    if dry_run:
        return report
    with transaction.atomic():
        AbsentVoter.objects.bulk_create(to_create, batch_size=2000)
        AbsentVoter.objects.bulk_update(
            to_update,
            ["method", "ballot_address", "proxy_name", "proxy_address", "updated_at"],
            batch_size=2000,
        )
        AbsentVoter.objects.filter(pk__in=[old["pk"] for old in removed]).delete()
        # The elector's own flags follow the latest list.
        flags: dict[tuple[bool, bool], list[int]] = {}
        for pk, values in wanted.items():
            want = (values[0] == VoteMethod.POSTAL, values[0] == VoteMethod.PROXY)
            if (electors[pk][IS_POSTAL], electors[pk][IS_PROXY]) != want:
                flags.setdefault(want, []).append(pk)
        for old in removed:
            flags.setdefault((False, False), []).append(old["elector_id"])
        for (postal, proxy), ids in flags.items():
            for start in range(0, len(ids), 5000):
                Elector.objects.filter(pk__in=ids[start : start + 5000]).update(
                    is_postal_voter=postal, is_proxy_voter=proxy
                )
        report["electors_updated"] = sum(len(ids) for ids in flags.values())
        if len(to_create) + len(to_update) + len(removed) >= ANALYSE_AFTER_ROWS:
            analyse(AbsentVoter._meta.db_table)
        audit_record(
            actor=actor,
            action="pollingday.absent_voters.import",
            target=election,
            request=request,
            details={"filename": filename, **{k: v for k, v in report.items() if k != "summary"}},
        )
    return report


def absent_voters_summary(report: dict) -> str:
    text = (
        f"{_plural(report['postal'], 'postal voter')} and "
        f"{_plural(report['proxy'], 'proxy', 'proxies')}"
        f"; {report['new']:,} new since the last list; "
        f"{report['removed']:,} on the last list but not this one"
    )
    if report["changed"]:
        text += f"; {_plural(report['changed'], 'entry', 'entries')} changed"
    if report["kept_returned"]:
        text += (
            f"; {_plural(len(report['kept_returned']), 'elector')} not on this list kept because "
            f"their postal ballot has already come back ({', '.join(report['kept_returned'][:10])}"
            f"{'…' if len(report['kept_returned']) > 10 else ''})"
        )
    return text + "."


# -- Postal-vote returns --------------------------------------------------------------------


@_one_import_at_a_time
def postal_returns_import(
    *,
    actor,
    election: Election,
    data: bytes,
    filename: str,
    received_on: datetime.date,
    mapping: dict | None = None,
    districts=None,
    dry_run: bool = False,
    request=None,
) -> dict:
    """Record which postal ballots came back: each row's date received (its own column, else
    `received_on`). An earlier date already recorded is never moved later. A row for anyone
    not a postal voter in this election refuses the file."""
    table, columns, rows = _open(
        RETURNS,
        election=election,
        data=data,
        filename=filename,
        mapping=mapping,
        districts=districts,
    )
    postal = {
        a["elector_id"]: a
        for a in AbsentVoter.objects.filter(election=election).values(
            "pk", "elector_id", "method", "returned_on"
        )
    }
    when: dict[int, datetime.date] = {}
    for row, cells in table.rows:
        elector = rows.elector(row, cells)
        if elector is None:
            continue
        text = _number_text(elector[CODE].upper(), elector[NUMBER], elector[SUFFIX])
        entry = postal.get(elector[PK])
        if entry is None:
            rows.refuse(
                row,
                cells,
                f"{text} is not on the absent voters list for {election}: import the latest "
                "absent voters list first, or check the number.",
            )
            continue
        if entry["method"] != VoteMethod.POSTAL:
            rows.refuse(row, cells, f"{text} votes by proxy in {election}, not by post.")
            continue
        day = received_on
        cell = rows.get(cells, "received")
        if cell:
            try:
                day = parse_date(cell)
            except CellError as exc:
                rows.refuse(row, cells, f"{exc}.")
                continue
        if day > timezone.localdate() + datetime.timedelta(days=1):
            rows.refuse(row, cells, f"The date received, {day:%d/%m/%Y}, is in the future.")
            continue
        pk = elector[PK]
        when[pk] = min(day, when.get(pk, day))
    _refuse_if_any(rows, filename)

    updates: dict[datetime.date, list[int]] = {}
    newly = moved_earlier = already = earlier_kept = 0
    for pk, day in when.items():
        old = postal[pk]["returned_on"]
        if old is None:
            newly += 1
        elif day < old:
            moved_earlier += 1
        elif old == day:
            already += 1
            continue
        else:
            earlier_kept += 1
            continue
        updates.setdefault(day, []).append(postal[pk]["pk"])
    returned_before = sum(1 for a in postal.values() if a["returned_on"] is not None)
    postal_count = sum(1 for a in postal.values() if a["method"] == VoteMethod.POSTAL)
    report = {
        "rows": len(table.rows),
        "ballots": len(when),
        "newly_returned": newly,
        "moved_earlier": moved_earlier,
        "already_recorded": already,
        "earlier_date_kept": earlier_kept,
        "returned_total": returned_before + newly,
        "postal_voters": postal_count,
    }
    report["summary"] = (
        f"{_plural(report['ballots'], 'postal ballot')} in the file: "
        f"{report['newly_returned']:,} newly back, {already + earlier_kept:,} already recorded"
        + (f", {moved_earlier:,} given an earlier date" if moved_earlier else "")
        + f". That makes {report['returned_total']:,} of {postal_count:,} postal voters returned."
    )
    if dry_run:
        return report
    with transaction.atomic():
        for day, ids in updates.items():
            AbsentVoter.objects.filter(pk__in=ids).update(returned_on=day)
        audit_record(
            actor=actor,
            action="pollingday.postal_returns.import",
            target=election,
            request=request,
            details={
                "filename": filename,
                "received_on": received_on.isoformat(),
                **{k: v for k, v in report.items() if k != "summary"},
            },
        )
    return report


# -- The marked register --------------------------------------------------------------------

_YES = {"y", "yes", "1", "true", "voted", "x", "v", "marked"}
_NO = {"n", "no", "0", "false", "notvoted", "didnotvote"}


def _vote_method(value: str) -> str | None:
    """A marked register's word or marker for how someone voted; "" when it says nothing
    but "voted"; None when it is not one we know."""
    key = name_key(value)
    if key in ("",) or key in _YES or key in ("i", "ip", "inperson", "person", "station", "ps"):
        return ""
    if "proxy" in key or key in ("p", "px", "pr"):
        return VoteMethod.PROXY
    if "post" in key or key in ("a", "pv", "pb"):
        return VoteMethod.POSTAL
    if "person" in key or "station" in key:
        return VoteMethod.IN_PERSON
    return None


@_one_import_at_a_time
def marked_register_import(
    *,
    actor,
    election: Election,
    data: bytes,
    filename: str,
    mapping: dict | None = None,
    districts=None,
    dry_run: bool = False,
    request=None,
) -> dict:
    """Write vote history from the council's marked register: a VoteRecord for each person
    marked as having voted (how, from the file's column or marker, else from the absent voters
    list, else in person), and for each postal voter of the election in the file's districts
    who is not marked, a record that they did not vote ("postal voter who did not return").
    All or nothing; a re-import changes nothing."""
    table, columns, rows = _open(
        MARKED,
        election=election,
        data=data,
        filename=filename,
        mapping=mapping,
        districts=districts,
    )
    absent = dict(AbsentVoter.objects.filter(election=election).values_list("elector_id", "method"))
    voted: dict[int, tuple] = {}  # person id → (method, elector id, district id)
    first_row: dict[int, int] = {}
    districts_in_file: set[int] = set()
    not_voted_rows = 0
    for row, cells in table.rows:
        elector = rows.elector(row, cells)
        if elector is None:
            continue
        districts_in_file.add(elector[PD])
        if "voted" in columns:
            said = name_key(rows.get(cells, "voted"))
            if said in _NO or not said:
                not_voted_rows += 1
                continue
            if said not in _YES:
                rows.refuse(
                    row, cells, f"“{rows.get(cells, 'voted')}” does not say whether they voted."
                )
                continue
        cell = rows.get(cells, "method")
        method = _vote_method(cell)
        if method is None:
            rows.refuse(
                row,
                cells,
                f"“{cell}” does not say how they voted (in person, postal or proxy).",
            )
            continue
        method = method or absent.get(elector[PK]) or VoteMethod.IN_PERSON
        values = (method, elector[PK], elector[PD])
        person = elector[PERSON]
        if person in voted:
            if voted[person][0] != method:
                text = _number_text(elector[CODE].upper(), elector[NUMBER], elector[SUFFIX])
                rows.refuse(
                    row,
                    cells,
                    f"Row {first_row[person]} is also for {text} but says they voted another "
                    "way: keep one of the two rows.",
                )
            continue
        voted[person], first_row[person] = values, row
    _refuse_if_any(rows, filename)

    existing = {
        r[0]: r[1:]
        for r in VoteRecord.objects.filter(election=election).values_list(
            "person_id", "method", "elector_id", "polling_district_id", "voted"
        )
    }
    # Postal voters of the election in the file's districts whose ballot is not marked. A mark
    # is evidence and a missing row is not: someone an earlier file marked as having voted
    # (a second file for the same district) stays so.
    did_not_return = {}
    for elector_id, person, pd in AbsentVoter.objects.filter(
        election=election,
        method=VoteMethod.POSTAL,
        elector__polling_district__in=list(districts_in_file),
    ).values_list("elector_id", "person_id", "elector__polling_district_id"):
        marked_before = person in existing and existing[person][3]
        if person not in voted and not marked_before:
            did_not_return[person] = (VoteMethod.POSTAL, elector_id, pd)
    writes, unchanged = [], 0
    new = 0
    for flag, people in ((True, voted), (False, did_not_return)):
        for person, (method, elector_id, pd) in people.items():
            old = existing.get(person)
            if old == (method, elector_id, pd, flag):
                unchanged += 1
                continue
            new += old is None
            writes.append(
                VoteRecord(
                    election=election,
                    person_id=person,
                    elector_id=elector_id,
                    polling_district_id=pd,
                    method=method,
                    voted=flag,
                )
            )
    counts = Counter(values[0] for values in voted.values())
    report = {
        "rows": len(table.rows),
        "voted": len(voted),
        "in_person": counts[VoteMethod.IN_PERSON],
        "postal": counts[VoteMethod.POSTAL],
        "proxy": counts[VoteMethod.PROXY],
        "postal_not_returned": len(did_not_return),
        "rows_not_voted": not_voted_rows,
        "new_records": new,
        "changed_records": len(writes) - new,
        "unchanged_records": unchanged,
        "districts": sorted(
            code
            for code, pk in election.polling_districts.values_list("code", "pk")
            if pk in districts_in_file
        ),
    }
    report["summary"] = (
        f"{_plural(report['voted'], 'elector')} marked as having voted "
        f"({report['in_person']:,} in person, {report['postal']:,} by post, "
        f"{report['proxy']:,} by proxy) in {', '.join(report['districts']) or 'no districts'}; "
        f"{_plural(len(did_not_return), 'postal voter')} who did not return their ballot. "
        f"{new:,} new records, {report['changed_records']:,} changed, {unchanged:,} already "
        "recorded."
    )
    if dry_run:
        return report
    with transaction.atomic():
        VoteRecord.objects.bulk_create(
            writes,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["election", "person"],
            update_fields=["elector", "polling_district", "method", "voted"],
        )
        if len(writes) >= ANALYSE_AFTER_ROWS:
            analyse(VoteRecord._meta.db_table)  # segments on vote history plan on it next
        audit_record(
            actor=actor,
            action="pollingday.marked_register.import",
            target=election,
            request=request,
            details={"filename": filename, **{k: v for k, v in report.items() if k != "summary"}},
        )
    return report


def marked_register_imported(election: Election) -> bool:
    return VoteRecord.objects.filter(election=election, voted=True).exists()


def election_files_status(election: Election) -> dict:
    """What the council's files have given this election so far, in figures."""
    absent = AbsentVoter.objects.filter(election=election).aggregate(
        postal=Count("pk", filter=Q(method=VoteMethod.POSTAL)),
        proxy=Count("pk", filter=Q(method=VoteMethod.PROXY)),
        returned=Count("pk", filter=Q(returned_on__isnull=False)),
    )
    votes = VoteRecord.objects.filter(election=election).aggregate(
        marked_voted=Count("pk", filter=Q(voted=True)),
        not_returned=Count("pk", filter=Q(voted=False)),
    )
    return {**absent, **votes}
