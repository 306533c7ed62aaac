"""Turning one row of a council file into clean values: numbers, dates, postcodes, names,
markers and addresses. Every failure names the row and column."""

import datetime
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

from members.importers.files import clean_cell

POSTCODE_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
PLACEHOLDER_POSTCODES = {"AA1 1AA", "A1 1AA", "XX1 1XX"}
_NUMBER_RE = re.compile(r"^\d+(?:\.0*)?$")
_ELECTOR_NUMBER_RE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9/-]*?)[- ]?(\d+)(?:/(\d+))?\s*$")
_FLAT_RE = re.compile(r"^(FLAT|APARTMENT|APT|UNIT|ROOM)\s+([A-Z0-9/-]+)[,]?\s*(.*)$")
_HOUSE_RE = re.compile(r"^(\d+)\s*([A-Z]?)\b")


class CellError(ValueError):
    pass


def max_length(*fields) -> int:
    """The most characters a value may have to fit, whole, every one of `fields`, given as
    (model, field name) pairs: the value is stored in each. Read from the models, so that
    a column's limit follows its field."""
    return min(model._meta.get_field(name).max_length for model, name in fields)


def too_long(value: str, limit: int) -> str | None:
    """The reason a value does not fit a column of `limit` characters, or None if it does.
    Imports refuse such a row rather than cut the value short."""
    if len(value) <= limit:
        return None
    shown = value[:20] + "…"
    return f"“{shown}” is {len(value):,} characters long; this column holds at most {limit}"


_CANONICAL_POSTCODE_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$")


def normalise_postcode(value: str) -> str:
    """Upper-case, letters and digits only, one space before the last three characters."""
    if _CANONICAL_POSTCODE_RE.match(value):
        return value
    compact = re.sub(r"[^A-Z0-9]", "", value.upper())
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def looks_like_postcode(value: str) -> bool:
    return bool(POSTCODE_RE.match(normalise_postcode(value.replace("†", " "))))


def parse_int(value: str, *, what: str = "number") -> int:
    """`5`, `5.000` and ` 5 ` are 5; anything else is an error."""
    value = value.strip()
    if not _NUMBER_RE.match(value):
        raise CellError(f"“{value}” is not a whole {what}")
    return int(value.split(".", 1)[0])


def parse_date(value: str) -> datetime.date | None:
    """dd/mm/yyyy, dd/mm/yy (two-digit years: 00–69 → 2000s), yyyy-mm-dd, or empty."""
    value = value.strip()
    if not value:
        return None
    try:
        if "-" in value[:5] and len(value) >= 10 and value[4] == "-":
            return datetime.date.fromisoformat(value[:10])
        parts = re.split(r"[/.\-]", value.split(" ", 1)[0])
        if len(parts) != 3:
            raise ValueError
        day, month, year = (int(p) for p in parts)
        if year < 100:
            year += 2000 if year < 70 else 1900
        return datetime.date(year, month, day)
    except (ValueError, OverflowError) as exc:
        raise CellError(f"“{value}” is not a date (use dd/mm/yyyy)") from exc


def parse_elector_number(value: str) -> tuple[str, int, int | None] | None:
    """`AB-12/1`, `AB12`, `AB1-12/1`, `KD-2/2-289/1` → (prefix, number, suffix).

    Split from the right: the polling district prefix itself may hold `-` and `/`.
    """
    value = value.strip().replace(" ", "")
    if not value:
        return None
    if "-" in value:
        prefix, rest = value.rsplit("-", 1)
        number, _, suffix = rest.partition("/")
        if prefix and number.isdecimal() and (not suffix or suffix.isdecimal()):
            return prefix.upper(), int(number), int(suffix) if suffix else None
        return None
    match = _ELECTOR_NUMBER_RE.match(value)
    if not match:
        return None
    prefix, number, suffix = match.groups()
    return prefix.upper(), int(number), int(suffix) if suffix else None


def split_name(full: str) -> tuple[str, str]:
    """`Smith, John A` or `SMITH John A` (surname first) → (surname, forenames)."""
    if "," in full:
        surname, forenames = full.split(",", 1)
        return surname.strip(), forenames.strip()
    parts = full.split(" ", 1)
    return parts[0], parts[1] if len(parts) > 1 else ""


def address_and_postcode(lines: list[str], postcode: str) -> tuple[list[str], str]:
    """Drop empty lines; find the postcode in whichever address line is last if need be."""
    lines = [line for line in lines if line]
    if lines:
        last = lines[-1].replace("†", " ")
        same = not postcode or normalise_postcode(last) == normalise_postcode(postcode)
        if same and looks_like_postcode(last):
            postcode = last
            lines.pop()
    return lines, normalise_postcode(postcode) if postcode else ""


def address_key(lines: list[str], postcode: str) -> str:
    joined = "|".join(lines)
    # Lines that already have single spaces between words and none at either end (nearly
    # all) are only upper-cased; the others are tidied line by line.
    if " ".join(joined.split()) == joined and "| " not in joined and " |" not in joined:
        key = joined.upper() + "|" + postcode
    else:
        key = "|".join(" ".join(line.upper().split()) for line in lines) + "|" + postcode
    if len(key) > 255:
        key = key[:190] + "#" + hashlib.sha256(key.encode()).hexdigest()
    return key


def home_lines(lines: list[str]) -> list[str]:
    """The address lines that say which home it is: all but the town line (the last line,
    when a street line comes before it; see street_and_town), upper-cased and tidied."""
    tidy = [" ".join(line.upper().split()) for line in lines]
    tidy = [line for line in tidy if line]
    for index, raw in enumerate(tidy[:3]):
        line = _STREET_RE.sub("", raw).strip()
        match = _NUMBER_PREFIX_RE.match(line) if line else None
        if match and line[match.end() :].strip() and not line[match.end() :].strip()[0].isdigit():
            return tidy[: index + 1] + tidy[index + 1 : -1]
    return tidy


def same_home(
    old_lines: list[str], old_postcode: str, new_lines: list[str], new_postcode: str
) -> bool:
    """Whether two addresses differ only in their town line (added, dropped or renamed) under
    the same postcode: the council re-wrote the town, the household did not move."""
    if not old_postcode or old_postcode != new_postcode:
        return False
    return home_lines(old_lines) == home_lines(new_lines)


def walk_order(lines: list[str]) -> tuple[int | None, str, str]:
    """(house number, house suffix, flat) from the address lines, for walk-list order."""
    flat = ""
    for index, raw in enumerate(lines[:3]):
        line = raw.upper()
        if index == 0:
            match = _FLAT_RE.match(line)
            if match:
                flat = match.group(2)
                line = match.group(3)
                if not line:
                    continue
        match = _HOUSE_RE.match(line)
        if match:
            return int(match.group(1)), match.group(2), flat
    return None, "", flat


_STREET_RE = re.compile(r"^(?:FLAT|APARTMENT|APT|UNIT|ROOM)\s+[A-Z0-9/-]+,?\s*", re.IGNORECASE)
_NUMBER_PREFIX_RE = re.compile(r"^\d+[A-Za-z]?(?:-\d+[A-Za-z]?)?,?\s+")


def street_and_town(lines: list[str]) -> tuple[str, str]:
    """("Mill Lane", "Northbridge") from ["Flat 2", "12 Mill Lane", "Northbridge"]."""
    for index, raw in enumerate(lines[:3]):
        line = _STREET_RE.sub("", raw).strip()
        if not line:
            continue
        match = _NUMBER_PREFIX_RE.match(line)
        if match:
            street = line[match.end() :].strip()
            if street and not street[0].isdigit():
                town = lines[-1] if len(lines) > index + 1 else ""
                return street[:200], town[:100]
    return "", ""


def uprn_clean(value: str) -> str:
    value = value.strip()
    if value.lower() in ("", "n/a", "0"):
        return ""
    return value.split(".", 1)[0].lstrip("0")


def name_digest(forenames: str, surname: str, postcode: str) -> str:
    first = forenames.upper().split(" ", 1)[0] if forenames else ""
    return hashlib.sha256(f"{first}|{surname.upper()}|{postcode}".encode()).hexdigest()


def email_digest(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


def phone_digest(e164: str) -> str:
    return hashlib.sha256(e164.encode()).hexdigest()


@dataclass(slots=True)
class RegisterRecord:
    row: int
    pd_code: str
    number: int
    suffix: int
    title: str
    surname: str
    forenames: str
    markers: str
    attainer_date: datetime.date | None
    date_of_birth: datetime.date | None
    opt_out: bool
    address_lines: list
    postcode: str
    uprn: str
    change: str = ""  # for monthly updates: N (new), M (amended), D (deleted)

    @property
    def is_postal(self) -> bool:
        return "A" in self.markers

    @property
    def is_proxy(self) -> bool:
        return "P" in self.markers

    @property
    def display_number(self) -> str:
        return f"{self.pd_code}-{self.number}" + (f"/{self.suffix}" if self.suffix else "")


def register_parser(
    columns: dict[str, int], published_on: datetime.date, *, strip_is_enough: bool = False
):
    """A function turning one register (or update) row into a RegisterRecord.

    Column positions are looked up once per file, not once per row: a register has 100,000
    rows. The function raises CellError("column N: …") for a bad value. `strip_is_enough`
    says no cell needs more cleaning than strip() (Table.strip_is_enough).
    """
    i_number_full = columns.get("elector_number")
    i_pd, i_number, i_suffix = columns.get("pd"), columns.get("number"), columns.get("suffix")
    i_name = columns.get("name") if "surname" not in columns else None
    i_surname, i_forenames = columns.get("surname"), columns.get("forenames")
    i_title, i_markers, i_dob = columns.get("title"), columns.get("markers"), columns.get("dob")
    i_postcode, i_uprn = columns.get("postcode"), columns.get("uprn")
    i_lines = [columns[f"address{i}"] for i in range(1, 10) if f"address{i}" in columns]
    address_cells = _cells_getter(i_lines)
    attainer_from_year = published_on.year - 2
    strip = str.strip
    # Each value is stored whole or the row is refused (the database would refuse it, or
    # SQLite keep it over-long); a value stored twice must fit both fields.
    from members.models import Elector, Person, Property

    max_title = max_length((Elector, "title"), (Person, "title"))
    max_surname = max_length((Elector, "surname"), (Person, "last_name"))
    max_forenames = max_length((Elector, "forenames"), (Person, "first_name"))
    max_markers = max_length((Elector, "markers"))
    max_postcode = max_length((Property, "postcode"))
    max_uprn = max_length((Property, "uprn"))
    i_name_or_surname = i_name if i_name is not None else i_surname
    # Electors share postcodes, markers and attainment dates: work each value out once per file.
    postcodes: dict[str, tuple[str, bool]] = {}
    markers_seen: dict[str, tuple[str, bool]] = {}
    dates: dict[str, datetime.date] = {}

    def fail(index: int, message: str):
        raise CellError(f"column {index + 1}: {message}")

    def parse(raw: Sequence[str], row: int) -> RegisterRecord:
        if strip_is_enough:
            cells = list(map(strip, raw))
        else:
            joined = "\x1f".join(raw)
            if "\xa0" in joined or "  " in joined:
                cells = [clean_cell(c) for c in raw]
            else:
                cells = list(map(strip, raw))
        suffix = 0
        if i_number_full is not None and cells[i_number_full]:
            parsed = parse_elector_number(cells[i_number_full])
            if parsed is None:
                fail(i_number_full, f"“{cells[i_number_full]}” is not an elector number")
            pd_code, number, parsed_suffix = parsed
            suffix = parsed_suffix or 0
        else:
            if i_pd is None or not cells[i_pd]:
                fail(i_pd or 0, "the polling district is empty")
            pd_code = cells[i_pd].upper()
            value = cells[i_number]
            if value.isdecimal():
                number = int(value)
            else:
                try:
                    number = parse_int(value, what="elector number")
                except CellError as exc:
                    fail(i_number, str(exc))
            if i_suffix is not None:
                value = cells[i_suffix]
                if value.isdecimal():
                    suffix = int(value)
                elif value:
                    try:
                        suffix = parse_int(value, what="suffix")
                    except CellError as exc:
                        fail(i_suffix, str(exc))
        if i_name is not None:
            surname, forenames = split_name(cells[i_name])
        else:
            surname = cells[i_surname] if i_surname is not None else ""
            forenames = cells[i_forenames] if i_forenames is not None else ""
        opt_out = False
        if surname[:4].lower() == "(z) ":
            surname, opt_out = surname[4:].strip(), True
        if not surname:
            fail(i_name if i_name is not None else (i_surname or 0), "the surname is empty")
        if len(surname) > max_surname:
            fail(i_name_or_surname, too_long(surname, max_surname))
        if len(forenames) > max_forenames:
            fail(i_name if i_name is not None else i_forenames, too_long(forenames, max_forenames))
        markers = cells[i_markers] if i_markers is not None else ""
        if markers:
            letters = markers_seen.get(markers)
            if letters is None:
                kept = "".join(ch for ch in markers.upper() if ch.isalpha())
                letters = markers_seen[markers] = (kept, "Z" in kept)
            markers = letters[0]
            opt_out = opt_out or letters[1]
            if len(markers) > max_markers:
                fail(i_markers, too_long(markers, max_markers))
        attainer = dob = None
        if i_dob is not None and cells[i_dob]:
            value = cells[i_dob]
            when = dates.get(value)
            if when is None:
                try:
                    when = dates[value] = parse_date(value)
                except CellError as exc:
                    fail(i_dob, str(exc))
            # The register's DOB column holds the attainment date for attainers (turning 18
            # around now); an older date is a real date of birth.
            if when.year >= attainer_from_year:
                attainer = when
            else:
                dob = when
        lines = list(filter(None, address_cells(cells)))
        postcode = cells[i_postcode] if i_postcode is not None else ""
        if postcode:
            normal = postcodes.get(postcode)
            if normal is None:
                value = normalise_postcode(postcode)
                normal = postcodes[postcode] = (value, bool(POSTCODE_RE.match(value)))
        if lines:
            last = lines[-1]
            if len(last) <= 9 and (not postcode or last == postcode or "†" in last):
                if last == postcode:
                    # The postcode again as the last address line: address_and_postcode would
                    # drop the line if it is a real postcode (see test_register_parsing).
                    postcode = normal[0]
                    if normal[1]:
                        lines.pop()
                else:
                    lines, postcode = address_and_postcode(lines, postcode)
            elif postcode:
                postcode = normal[0]
        elif postcode:
            postcode = normal[0]
        if len(postcode) > max_postcode:
            fail(
                i_postcode if i_postcode is not None else i_lines[-1],
                too_long(postcode, max_postcode),
            )
        title = cells[i_title] if i_title is not None else ""
        if len(title) > max_title:
            fail(i_title, too_long(title, max_title))
        uprn = uprn_clean(cells[i_uprn]) if i_uprn is not None else ""
        if len(uprn) > max_uprn:
            fail(i_uprn, too_long(uprn, max_uprn))
        # Positional, in the order of RegisterRecord's fields: naming 14 arguments took a fifth
        # of the time spent here.
        return RegisterRecord(
            row,
            pd_code,
            number,
            suffix,
            title,
            surname,
            forenames,
            markers,
            attainer,
            dob,
            opt_out,
            lines,
            postcode,
            uprn,
        )

    return parse


def _cells_getter(indexes: list[int]):
    """A function returning the cells at `indexes` of a row, as a tuple."""
    if len(indexes) > 1:
        return itemgetter(*indexes)
    if indexes:
        index = indexes[0]
        return lambda cells: (cells[index],)
    return lambda cells: ()
