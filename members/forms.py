from django import forms

from clp.access import polling_districts_for_user
from members.importers.layouts import FIELDS, guess_mapping, required_fields
from members.models import ImportBatch, Membership, PollingStation, Tag, Ward
from members.selectors import READERS


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


class ElectorFilterForm(forms.Form):
    q = forms.CharField(
        label="Search", required=False, help_text="Name, address or number such as CA-12."
    )
    polling_district = forms.ModelChoiceField(
        label="Polling district",
        queryset=None,
        required=False,
        empty_label="All my districts",
        error_messages={"invalid_choice": "That polling district is not one of yours."},
    )
    show = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[("on", "On the register"), ("off", "Left the register"), ("all", "Everyone")],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["polling_district"].queryset = polling_districts_for_user(user, *READERS)


class SegmentForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea)
    wards = forms.ModelMultipleChoiceField(label="Wards", queryset=None, required=False)
    polling_districts = forms.ModelMultipleChoiceField(
        label="Polling districts", queryset=None, required=False
    )
    membership = forms.MultipleChoiceField(
        label="Membership status", choices=Membership.Status.choices, required=False
    )
    tags = forms.ModelMultipleChoiceField(label="Tags", queryset=Tag.objects.all(), required=False)
    on_register = forms.BooleanField(label="On the register now", required=False)
    markers = forms.CharField(
        label="Register markers",
        required=False,
        max_length=10,
        help_text="e.g. A for postal voters.",
    )
    has_email = forms.BooleanField(label="Has an email address", required=False)
    has_phone = forms.BooleanField(label="Has a phone number", required=False)
    consent = forms.ChoiceField(
        label="Consent to contact by",
        required=False,
        choices=[("", "Any"), ("email", "Email"), ("sms", "Text message"), ("phone", "Phone")],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        districts = polling_districts_for_user(user, *READERS)
        self.fields["polling_districts"].queryset = districts
        self.fields["wards"].queryset = Ward.objects.filter(
            polling_districts__in=districts
        ).distinct()

    def clean_markers(self):
        return "".join(ch for ch in self.cleaned_data["markers"].upper() if ch.isalpha())

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "wards": [w.pk for w in data["wards"]],
            "polling_districts": [p.pk for p in data["polling_districts"]],
            "membership": list(data["membership"]),
            "tags": [t.pk for t in data["tags"]],
            "on_register": data["on_register"],
            "markers": data["markers"],
            "has_email": data["has_email"],
            "has_phone": data["has_phone"],
            "consent": data["consent"],
        }


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, help_text="Name or address.")
    membership = forms.ChoiceField(
        label="Membership",
        required=False,
        choices=[("", "Everyone"), ("any", "Members (any status)"), *Membership.Status.choices],
    )


# The geography page (wards, branches, polling districts, polling stations)


class _InConstituency(forms.Form):
    """A geography form whose pickers offer only what is in use in one constituency."""

    def __init__(self, *args, constituency, **kwargs):
        super().__init__(*args, **kwargs)
        pickers = {
            "ward": Ward,
            "wards": Ward,
            "station": PollingStation,
        }
        for name, model in pickers.items():
            if name in self.fields:
                self.fields[name].queryset = model.objects.in_use().filter(
                    constituency=constituency
                )


class GeographyNameForm(_InConstituency):
    name = forms.CharField(label="New name", max_length=200)


class WardAddForm(_InConstituency):
    name = forms.CharField(label="Ward name", max_length=120)


class BranchAddForm(_InConstituency):
    name = forms.CharField(label="Branch name", max_length=120)
    wards = forms.ModelMultipleChoiceField(label="Wards it covers", queryset=None, required=False)


class BranchWardsForm(_InConstituency):
    wards = forms.ModelMultipleChoiceField(label="Wards it covers", queryset=None, required=False)


class DistrictAddForm(_InConstituency):
    code = forms.CharField(
        label="District code", max_length=10, help_text="As the council writes it, e.g. AB."
    )
    name = forms.CharField(label="Name (optional)", max_length=120, required=False)
    ward = forms.ModelChoiceField(
        label="Ward", queryset=None, required=False, empty_label="Set it later"
    )


class DistrictMoveForm(_InConstituency):
    ward = forms.ModelChoiceField(label="Move to ward", queryset=None)


class DistrictStationForm(_InConstituency):
    station = forms.ModelChoiceField(
        label="Votes at", queryset=None, required=False, empty_label="No station yet"
    )


class StationAddForm(_InConstituency):
    name = forms.CharField(label="Station name", max_length=200)
    code = forms.CharField(label="Council's station id (optional)", max_length=30, required=False)
    postcode = forms.CharField(label="Postcode (optional)", max_length=10, required=False)
