"""Forms for knock-up: cutting a district's lists and handing a list to a runner."""

from django import forms

from pollingday.services.knockup import DEFAULT_DOORS, MAX_DOORS


class CutForm(forms.Form):
    polling_district = forms.ModelChoiceField(
        queryset=None,
        label="Polling district",
        error_messages={"invalid_choice": "Choose one of your polling districts."},
    )
    doors = forms.IntegerField(
        label="Doors per list",
        min_value=1,
        max_value=MAX_DOORS,
        initial=DEFAULT_DOORS,
        help_text="About 40 doors is an hour's knocking for one runner.",
    )
    committee_room = forms.ModelChoiceField(
        queryset=None, required=False, label="Committee room (optional)"
    )

    def __init__(self, *args, districts, rooms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["polling_district"].queryset = districts
        self.fields["committee_room"].queryset = rooms

    def clean(self):
        data = super().clean()
        room, district = data.get("committee_room"), data.get("polling_district")
        if room and district and not room.polling_districts.filter(pk=district.pk).exists():
            self.add_error(
                "committee_room", f"{room.name} does not cover polling district {district.code}."
            )
        return data


class HandOutForm(forms.Form):
    runner = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Runner",
        error_messages={"invalid_choice": "Choose a volunteer from the list."},
    )
    take_back = forms.BooleanField(required=False)

    def __init__(self, *args, runners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["runner"].queryset = runners
        self.fields["runner"].label_from_instance = lambda u: (
            f"{u.full_name} ({u.email})" if u.full_name else u.email
        )

    def clean(self):
        data = super().clean()
        if not data.get("take_back") and not data.get("runner") and not self.errors:
            raise forms.ValidationError("Choose the runner to hand the list to.")
        return data
