"""Forms for setting polling day up: an election, a station, a committee room, a shift."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from members.models import Election, PollingDistrict, Ward
from members.models.elections import POLLS_CLOSE, POLLS_OPEN
from pollingday.access_setup import clp_wide_constituencies, volunteers_for
from pollingday.models import Shift
from pollingday.services.setup import ELECTION_SETTINGS

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
STRENGTHS = [(n, str(n)) for n in range(1, 6)]


class SeenMixin:
    """A hidden note of when the record was last saved, so a save over someone else's newer
    change is refused (services.setup._fresh)."""

    def add_seen(self, obj):
        self.fields["seen"] = forms.CharField(widget=forms.HiddenInput, required=False)
        if obj is not None and obj.pk:
            self.initial["seen"] = obj.updated_at.isoformat()

    def seen(self):
        value = self.cleaned_data.get("seen")
        try:
            return datetime.datetime.fromisoformat(value) if value else None
        except ValueError:
            return None


class DistrictChoicesMixin:
    """Polling-district checkboxes shown in groups by ward (see election_districts_field.html)."""

    def district_groups(self, with_wards=False) -> list[dict]:
        field = self["polling_districts"]
        districts = {d.pk: d for d in field.field.queryset}
        groups: dict = {}
        for widget in field:
            district = districts[int(str(widget.data["value"]))]
            ward = district.ward
            key = (ward.name if ward else "~", ward.pk if ward else 0)
            group = groups.setdefault(key, {"ward": ward, "whole": None, "districts": []})
            group["districts"].append(widget)
        if with_wards and "wards" in self.fields:
            for widget in self["wards"]:
                pk = int(str(widget.data["value"]))
                for key, group in groups.items():
                    if key[1] == pk:
                        group["whole"] = widget
        return [groups[key] for key in sorted(groups)]

    @property
    def district_groups_with_wards(self):
        return self.district_groups(with_wards=True)

    @property
    def district_groups_plain(self):
        return self.district_groups()


class ElectionForm(SeenMixin, DistrictChoicesMixin, forms.Form):
    name = forms.CharField(max_length=120, help_text="e.g. General election 2029.")
    kind = forms.ChoiceField(choices=Election.Kind.choices, label="Kind of election")
    constituency = forms.ModelChoiceField(queryset=None, empty_label=None)
    polls_on = forms.DateField(widget=DATE, label="Polling day")
    wards = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    polling_districts = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Polling districts that vote",
    )
    opens_at = forms.TimeField(widget=TIME, label="Polls open")
    closes_at = forms.TimeField(widget=TIME, label="Polls close")
    compare_with = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Compare turnout with",
        empty_label="No earlier election",
        help_text="An earlier election of this constituency, best one whose marked register "
        "you imported: the turnout board shows this one against it.",
    )
    promise_min_strength = forms.TypedChoiceField(
        choices=STRENGTHS,
        coerce=int,
        label="Promises: Labour at strength at least",
        help_text="Who is knocked up on the day: electors whose latest answer is Labour this "
        "strongly (5 is the strongest).",
    )
    undecided_min_strength = forms.TypedChoiceField(
        choices=[("", "Not knocked up"), *STRENGTHS],
        coerce=int,
        empty_value=None,
        required=False,
        label="Also undecided, leaning our way, at strength at least",
        help_text="Leave as “Not knocked up” to knock up Labour promises only.",
    )

    def __init__(self, *args, user, election=None, **kwargs):
        if election is not None:
            initial = {f: getattr(election, f) for f in ELECTION_SETTINGS}
            initial["polling_districts"] = list(election.polling_districts.all())
            initial["constituency"] = election.constituency
            kwargs.setdefault("initial", initial)
        else:
            kwargs.setdefault(
                "initial",
                {"opens_at": POLLS_OPEN, "closes_at": POLLS_CLOSE, "promise_min_strength": 4},
            )
        super().__init__(*args, **kwargs)
        self.add_seen(election)
        constituencies = clp_wide_constituencies(user)
        if election is not None:
            constituencies = constituencies.filter(pk=election.constituency_id)
        self.fields["constituency"].queryset = constituencies
        districts = (
            PollingDistrict.objects.in_use()
            .filter(constituency__in=constituencies)
            .select_related("ward")
            .order_by("code")
        )
        self.fields["polling_districts"].queryset = districts
        self.fields["wards"].queryset = Ward.objects.filter(
            pk__in=districts.values("ward_id")
        ).order_by("name")
        earlier = Election.objects.filter(constituency__in=constituencies).order_by("-polls_on")
        if election is not None:
            earlier = earlier.exclude(pk=election.pk).filter(polls_on__lt=election.polls_on)
        self.fields["compare_with"].queryset = earlier
        self.fields["compare_with"].label_from_instance = lambda e: (
            f"{e.name} ({e.polls_on:%-d %B %Y})"
        )
        if election is not None or len(constituencies) == 1:
            self.fields["constituency"].widget = forms.HiddenInput()
            if election is None:
                self.initial["constituency"] = constituencies.first()

    def clean(self):
        data = super().clean()
        chosen = set(data.get("polling_districts") or [])
        wards = data.get("wards") or []
        if wards:
            chosen |= set(self.fields["polling_districts"].queryset.filter(ward__in=wards))
        if not chosen:
            self.add_error(
                "polling_districts", "Choose the polling districts that vote in this election."
            )
        data["districts"] = sorted(chosen, key=lambda d: d.code)
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", "The polls must close after they open.")
        return data

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in ELECTION_SETTINGS}


class StationForm(SeenMixin, DistrictChoicesMixin, forms.Form):
    name = forms.CharField(max_length=200)
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    postcode = forms.CharField(max_length=10, required=False)
    polling_districts = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Districts that vote here",
        help_text="Where a district votes holds for every election: it is the council's "
        "arrangement.",
    )

    def __init__(self, *args, choosable, station=None, **kwargs):
        if station is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": station.name,
                    "address": station.address,
                    "postcode": station.postcode,
                    "polling_districts": [
                        d for d in choosable if d.polling_station_id == station.pk
                    ],
                },
            )
        super().__init__(*args, **kwargs)
        self.add_seen(station)
        self.fields["polling_districts"].queryset = choosable


class CommitteeRoomForm(SeenMixin, DistrictChoicesMixin, forms.Form):
    name = forms.CharField(max_length=120, help_text="e.g. Castle Street committee room.")
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    phone = forms.CharField(max_length=30, required=False, label="Phone on the day")
    polling_districts = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Districts run from this room",
        help_text="Each district is run from one committee room.",
    )

    def __init__(self, *args, choosable, room=None, **kwargs):
        if room is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": room.name,
                    "address": room.address,
                    "phone": room.phone,
                    "polling_districts": list(room.polling_districts.all()),
                },
            )
        super().__init__(*args, **kwargs)
        self.add_seen(room)
        self.fields["polling_districts"].queryset = choosable


class ShiftForm(SeenMixin, forms.Form):
    kind = forms.ChoiceField(choices=Shift.Kind.choices, widget=forms.RadioSelect, label="Work")
    polling_station = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Polling station (tellers)",
        empty_label="Choose a station",
    )
    committee_room = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Committee room (knocking up, drivers, room staff)",
        empty_label="Choose a room",
    )
    starts = forms.TimeField(widget=TIME, label="From")
    ends = forms.TimeField(widget=TIME, label="Until")
    wanted = forms.IntegerField(min_value=1, max_value=50, initial=2, label="People wanted")
    notes = forms.CharField(max_length=200, required=False, help_text="e.g. Bring a rosette.")

    def __init__(self, *args, election, stations, rooms, shift=None, **kwargs):
        if shift is not None:
            kwargs.setdefault(
                "initial",
                {
                    "kind": shift.kind,
                    "polling_station": shift.polling_station,
                    "committee_room": shift.committee_room,
                    "starts": timezone.localtime(shift.starts_at).time(),
                    "ends": timezone.localtime(shift.ends_at).time(),
                    "wanted": shift.wanted,
                    "notes": shift.notes,
                },
            )
        else:
            kwargs.setdefault(
                "initial", {"starts": election.opens_at, "ends": election.closes_at, "wanted": 2}
            )
        super().__init__(*args, **kwargs)
        self.add_seen(shift)
        self.fields["polling_station"].queryset = stations
        self.fields["committee_room"].queryset = rooms

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == Shift.Kind.TELLER:
            if not data.get("polling_station"):
                self.add_error(
                    "polling_station", "Choose the polling station the tellers stand at."
                )
            data["committee_room"] = None
        elif kind:
            if not data.get("committee_room"):
                self.add_error(
                    "committee_room",
                    "Choose the committee room this shift works from (add one first if needed).",
                )
            data["polling_station"] = None
        starts, ends = data.get("starts"), data.get("ends")
        if starts and ends and ends <= starts:
            self.add_error("ends", "A shift must end after it starts.")
        return data


class VolunteerForm(forms.Form):
    volunteer = forms.ModelChoiceField(
        queryset=None, label="Put a volunteer on this shift", empty_label="Choose a volunteer"
    )

    def __init__(self, *args, election, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = volunteers_for(election)
        self.fields["volunteer"].label_from_instance = lambda u: (
            f"{u.full_name} ({u.email})" if u.full_name else u.email
        )

    def clean_volunteer(self):
        volunteer = self.cleaned_data["volunteer"]
        if volunteer is None:
            raise ValidationError("Choose a volunteer.")
        return volunteer
