"""Exports people open in a spreadsheet: no cell may run as a formula (CSV injection).

A cell that begins with = + - @ or a tab or carriage return is a formula to Excel, LibreOffice
and Google Sheets, whether it arrives in CSV text or as an XLSX cell: `=HYPERLINK(…)` in a
surname sends whoever opens the export to a stranger's site, `+cmd|…` runs a program. Every
export writes such a value with a leading apostrophe, so it shows as the text it is:
the app's own CSV export (`formula_safe`) and every django-import-export format the admin
offers (`EXPORT_FORMATS` in settings lists the formats below, so every ModelAdmin with
ImportExportMixin or ExportMixin uses them).
"""

import tablib
from import_export.formats import base_formats

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel reads a CSV file as UTF-8 only when it starts with a byte-order mark; without one,
# "Zoë" and "£" come out garbled. Every CSV/TSV the app or the admin writes starts with it.
BOM = "\ufeff"
TEXT_SHEETS = ("csv", "tsv")


def formula_safe(value):
    """The value, with a leading apostrophe if a spreadsheet would run it as a formula."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


class FormulaSafe:
    """Mixed into an import-export format: its exports neutralise formula cells."""

    def export_data(self, dataset, **kwargs):
        safe = tablib.Dataset(title=dataset.title)
        if dataset.headers:
            safe.headers = [formula_safe(header) for header in dataset.headers]
        for row in dataset:
            safe.append([formula_safe(cell) for cell in row])
        data = super().export_data(safe, **kwargs)
        if self.get_extension() in TEXT_SHEETS and isinstance(data, str):
            data = BOM + data.removeprefix(BOM)
        return data


def _safe_format(fmt: type) -> type:
    return type(fmt.__name__, (FormulaSafe, fmt), {"__module__": __name__})


# Every format import-export would offer by default, each made formula-safe.
EXPORT_FORMATS = [_safe_format(fmt) for fmt in base_formats.DEFAULT_FORMATS]
