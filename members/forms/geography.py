"""The geography page's forms: wards, branches, polling districts, polling stations."""

from django import forms

from members.models import (
    PollingStation,
    Ward,
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
