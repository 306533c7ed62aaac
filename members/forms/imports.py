"""Forms for uploading files and mapping their columns."""

from django import forms

from members.importers.layouts import FIELDS, guess_mapping, required_fields
from members.models import (
    ImportBatch,
)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="What is this file?", choices=ImportBatch.Kind.choices)
    file = forms.FileField(
        label="File", help_text="CSV, TSV or XLSX, as the council or the party sent it."
    )
    published_on = forms.DateField(
        label="Publication date",
        required=False,
        help_text="For registers and updates: the date on the council's notice (dd/mm/yyyy).",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 200 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 200 MB.")
        return upload


class MappingForm(forms.Form):
    """One select per field we need, listing the file's columns, each starting at our best
    guess; the fields a file must have are marked (an alternative, such as a full name for
    surname and forenames, is checked when the mapping is applied)."""

    save_as = forms.CharField(
        label="Save this mapping as",
        required=False,
        max_length=120,
        help_text="Give it a name to use it automatically for files with the same columns.",
    )

    def __init__(self, *args, kind: str, header: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— not in this file —")] + [(h, h) for h in header]
        guesses = guess_mapping(kind, header)
        self.required_fields = required_fields(kind, guesses)
        for field, label in FIELDS[kind].items():
            needed = field in self.required_fields
            self.fields[f"map_{field}"] = forms.ChoiceField(
                label=f"{label} (required)" if needed else label,
                choices=choices,
                required=False,
                initial=guesses.get(field, ""),
                widget=forms.Select(attrs={"required": True, "aria-required": "true"})
                if needed
                else forms.Select,
            )
        self.order_fields([f for f in self.fields if f != "save_as"] + ["save_as"])

    def mapping(self) -> dict:
        return {
            name[4:]: value
            for name, value in self.cleaned_data.items()
            if name.startswith("map_") and value
        }


class PhoneListForm(forms.Form):
    file = forms.FileField(
        label="Phone list",
        help_text="CSV, TSV or XLSX with an elector number (PD-ENO, e.g. AB-123/1) or person id, "
        "a phone number, and if you have them “Consent” and “TPS” columns (yes or no).",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError(
                "The file is larger than 10 MB: split it into smaller files."
            )
        return upload
