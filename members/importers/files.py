"""Open an uploaded file whatever it really is: CSV/TSV in any of the encodings councils use,
or an XLSX workbook; refuse zips, old .xls files and empty files with a plain message."""

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass, field

from members.importers import FileProblem


@dataclass
class Table:
    header: list[str]
    # (row number as a spreadsheet would show it, cells). The cells are a tuple, not a list: a
    # tuple of strings drops out of the garbage collector's sight after its first pass, while
    # 100,000 lists would be walked again on every full collection (once half of read_table).
    rows: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ","
    file_type: str = "csv"
    skipped_repeated_headers: int = 0
    # True when no cell holds a non-breaking space or a double space, so that str.strip()
    # cleans any cell as clean_cell() would. Checked once on the whole text: a parser can then
    # skip checking each of 100,000 rows.
    strip_is_enough: bool = False


def clean_cell(value: str) -> str:
    value = value.replace("\xa0", " ").strip()
    if "  " in value:
        value = " ".join(value.split())
    return value


def decode(data: bytes) -> tuple[str, str]:
    """Bytes → text, trying BOM → UTF-16LE detection → UTF-8 → windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le", errors="replace"), "utf-16-le (BOM)"
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be", errors="replace"), "utf-16-be (BOM)"
    sample = data[:400]
    if len(sample) >= 4:
        odd_zeros = sample[1::2].count(0)
        even_zeros = sample[0::2].count(0)
        if odd_zeros > len(sample) // 4 and even_zeros < odd_zeros // 4:
            return data[: len(data) // 2 * 2].decode("utf-16-le", errors="replace"), "utf-16-le"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "windows-1252"


def sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in ("\t", ",", ";", "|")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _xlsx_rows(data: bytes) -> list[tuple[str, ...]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise FileProblem(f"This spreadsheet could not be opened ({exc}).") from exc
    sheet = workbook.worksheets[0]
    rows = []
    for values in sheet.iter_rows(values_only=True):
        cells = []
        for value in values:
            if value is None:
                cells.append("")
            elif isinstance(value, float) and value.is_integer():
                cells.append(str(int(value)))
            elif isinstance(value, datetime.datetime):
                cells.append(value.date().isoformat())
            elif isinstance(value, datetime.date):
                cells.append(value.isoformat())
            else:
                cells.append(str(value))
        rows.append(tuple(cells))
    workbook.close()
    return rows


def read_table(data: bytes, *, filename: str = "") -> Table:
    """Parse `data` into a header and rows, or raise FileProblem saying what is wrong."""
    if not data.strip(b"\xef\xbb\xbf\xff\xfe\x00 \r\n\t"):
        raise FileProblem("The file is empty. Nothing was imported.")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(
            "This is an old Excel (.xls) file. Open it in Excel or LibreOffice and save it as "
            ".xlsx or .csv, then upload that."
        )
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            names = []
        if "xl/workbook.xml" not in names:
            raise FileProblem(
                f"{filename or 'This file'} is a zip archive, not a CSV or spreadsheet (it was "
                "probably renamed). Unzip it and upload the file inside."
            )
        raw_rows = _xlsx_rows(data)
        table = Table(header=[], encoding="xlsx", delimiter="", file_type="xlsx")
    else:
        text, encoding = decode(data)
        if "\x00" in text:
            raise FileProblem("The file contains binary data; it is not a CSV or spreadsheet.")
        first_line = text.split("\n", 1)[0]
        delimiter = sniff_delimiter(first_line)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        raw_rows = map(tuple, reader)  # see Table.rows
        table = Table(
            header=[],
            encoding=encoding,
            delimiter=delimiter,
            strip_is_enough=_strip_is_enough(text),
        )
    return _fill(table, raw_rows)


def _strip_is_enough(text: str) -> bool:
    """Whether no cell read from `text` can hold a non-breaking space or a double space.

    A cell is its text with some quotes taken out, and taking quotes out of `x " y` makes
    `x  y`: that needs a space before a quote and one after.
    """
    return "\xa0" not in text and "  " not in text and not (' "' in text and '" ' in text)


def _fill(table: Table, raw_rows) -> Table:
    pending_short = None
    title_lines: list[int] = []
    errors = []
    numbered = enumerate(raw_rows, start=1)
    try:
        for _index, raw in numbered:
            # Title lines ("Monthly Additions …", "Ref: …") before the header hold one cell.
            if sum(1 for c in raw if c.strip()) < 2:
                continue
            header = [clean_cell(c) for c in raw]
            # A trailing delimiter on every line (header included) is harmless.
            padded_width = len(header)
            while header and not header[-1]:
                header.pop()
            header_key = [h.lower() for h in header]
            table.header = header
            width = len(header)
            break
        else:
            raise FileProblem("The file is empty. Nothing was imported.")
        first_key = header_key[0]
        append = table.rows.append
        for index, raw in numbered:
            # Nearly every row is as wide as the header and starts with a value that is not
            # the header's: keep it without the checks below (a register has 100,000 rows).
            if len(raw) == width:
                first = raw[0].strip()
                if first and first.lower() != first_key:
                    append((index, raw))
                    continue
            if not raw or not "".join(raw).strip():
                continue
            if len(raw) == 1 and width > 2:
                title_lines.append(index)  # a title line inside the body, unless it is last
                continue
            if len(raw) != width:
                if width < len(raw) <= padded_width and not any(c.strip() for c in raw[width:]):
                    raw = raw[:width]
                elif len(raw) < width:
                    # Only an error once we know it is not the last row (reported below).
                    if pending_short is not None:
                        errors.append(_short_row_message(*pending_short, width, last=False))
                    pending_short = (index, len(raw))
                    continue
                else:
                    errors.append(
                        f"Row {index} has {len(raw)} columns but the header has {width}. "
                        "Check for an unquoted comma or a different delimiter."
                    )
                    continue
            if (
                raw[0].strip().lower() == first_key
                and [clean_cell(c).lower() for c in raw[:3]] == header_key[:3]
            ):
                table.skipped_repeated_headers += 1
                continue
            append((index, raw))
    except csv.Error as exc:
        raise FileProblem(f"The file could not be read as CSV: {exc}.") from exc
    last_row = table.rows[-1][0] if table.rows else 0
    if title_lines and title_lines[-1] > last_row and pending_short is None:
        pending_short = (title_lines[-1], 1)  # a one-cell last row: the file was cut short
    if pending_short is not None:
        last = pending_short[0] >= last_row
        errors.append(_short_row_message(*pending_short, width, last=last))
    if errors:
        raise FileProblem(errors)
    if not table.rows:
        raise FileProblem("The file has a header but no rows. Nothing was imported.")
    return table


def _short_row_message(row: int, got: int, width: int, *, last: bool) -> str:
    if last:
        return (
            f"Row {row} (the last row) has only {got} of the {width} columns: the file looks "
            "cut short, perhaps by an interrupted download. Nothing was imported; get the "
            "complete file and try again."
        )
    return f"Row {row} has {got} columns but the header has {width}."
