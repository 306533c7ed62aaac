"""Forms for the council's files: upload, match columns, and the file carried from the preview
to "apply" (the preview page holds it, compressed, so nothing is kept on the server)."""

import base64
import binascii
import json
import zlib

from django import forms
from django.utils import timezone

from pollingday.services.imports import FIELDS, LIST_BOTH, LIST_POSTAL, LIST_PROXY

MAX_UPLOAD = 50 * 1024 * 1024

LIST_KINDS = [
    (LIST_BOTH, "Postal and proxy voters (a column says which, or proxies have a proxy's name)"),
    (LIST_POSTAL, "Postal voters only"),
    (LIST_PROXY, "Proxy voters only"),
]


def _file_field():
    return forms.FileField(
        label="The council's file",
        help_text="CSV, TSV or XLSX, as the council sent it.",
        error_messages={"required": "Choose the file to upload."},
    )


def _received_on_field():
    return forms.DateField(
        label="Date received, for rows without one",
        initial=timezone.localdate,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="If the file has a date-received column, each row's own date is used.",
    )


class _Upload(forms.Form):
    file = _file_field()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("The file is larger than 50 MB.")
        return upload

    def options(self) -> dict:
        return {}


class AbsentVotersUploadForm(_Upload):
    list_kind = forms.ChoiceField(
        label="What does the file list?",
        choices=LIST_KINDS,
        initial=LIST_BOTH,
        widget=forms.RadioSelect,
        help_text="The file replaces the earlier list of what it covers: import a postal list and "
        "a proxy list as two files, each with its own choice.",
    )

    def options(self) -> dict:
        return {"list_kind": self.cleaned_data["list_kind"]}


class PostalReturnsUploadForm(_Upload):
    received_on = _received_on_field()

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("The date received cannot be in the future.")
        return day

    def options(self) -> dict:
        return {"received_on": self.cleaned_data["received_on"].isoformat()}


class MarkedRegisterUploadForm(_Upload):
    pass


def pack(data: bytes) -> str:
    return base64.b64encode(zlib.compress(data, 6)).decode("ascii")


class CarriedFileForm(forms.Form):
    """The file, its name, the column mapping and the options, as the preview page holds them."""

    content = forms.CharField(widget=forms.HiddenInput)
    filename = forms.CharField(widget=forms.HiddenInput, max_length=255)
    mapping = forms.CharField(widget=forms.HiddenInput, required=False)
    options = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_content(self):
        try:
            return zlib.decompress(base64.b64decode(self.cleaned_data["content"], validate=True))
        except (binascii.Error, zlib.error, ValueError) as exc:
            raise forms.ValidationError("The file was lost on the way: upload it again.") from exc

    def _json(self, name) -> dict:
        value = self.cleaned_data.get(name) or "{}"
        try:
            loaded = json.loads(value)
        except ValueError as exc:
            raise forms.ValidationError("The file was lost on the way: upload it again.") from exc
        if not isinstance(loaded, dict):
            raise forms.ValidationError("The file was lost on the way: upload it again.")
        return {str(k): str(v) for k, v in loaded.items()}

    def clean_mapping(self):
        return self._json("mapping")

    def clean_options(self):
        return self._json("options")


def carried(*, data: bytes, filename: str, mapping: dict | None, options: dict) -> CarriedFileForm:
    return CarriedFileForm(
        initial={
            "content": pack(data),
            "filename": filename,
            "mapping": json.dumps(mapping or {}),
            "options": json.dumps(options),
        }
    )


class ColumnMappingForm(forms.Form):
    """One choice per field: which of the file's columns holds it (starting at our guess)."""

    def __init__(self, *args, kind: str, header: list[str], guesses: dict, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— not in this file —")] + [(h, h) for h in header if h]
        for name, label in FIELDS[kind].items():
            self.fields[f"map_{name}"] = forms.ChoiceField(
                label=label, choices=choices, required=False, initial=guesses.get(name, "")
            )

    def mapping(self) -> dict:
        return {name[4:]: value for name, value in self.cleaned_data.items() if value and name[4:]}
