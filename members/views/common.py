"""What several pages share: the page size, asking why before a download, CSV streaming."""

import csv

from django.http import StreamingHttpResponse
from django.shortcuts import render

from clp.exports import BOM
from members.forms.people import ExportReasonForm

PAGE_SIZE = 50


class _Echo:
    def write(self, value):
        return value


def _export_reason(request, *, title: str, what: str, back):
    """The reason for a download, asked before it starts (kept in the audit entry's `why`):
    (form, None) while there is none, (None, why) once given."""
    form = ExportReasonForm(request.GET if "why" in request.GET else None)
    if form.is_valid():
        return None, form.cleaned_data["why"]
    keep = [(k, v) for k, values in request.GET.lists() if k != "why" for v in values]
    page = render(
        request,
        "members/export_reason.html",
        {"form": form, "title": title, "what": what, "keep": keep, "back": back},
        status=400 if form.errors else 200,
    )
    return page, None


def _csv_response(header: list[str], rows, filename: str) -> StreamingHttpResponse:
    """A CSV download that opens correctly in Excel: UTF-8 with a byte-order mark. Callers
    pass every text cell through formula_safe."""
    writer = csv.writer(_Echo())

    def lines():
        yield BOM + writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
