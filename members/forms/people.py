"""Finding and editing people: list filters, person, contact and membership forms, and the
reason asked before a download."""

import datetime

from django import forms
from django.utils import timezone

from clp.access import polling_districts_for_user
from members.models import (
    Branch,
    ContactEmail,
    ContactPhone,
    Membership,
    Person,
    Tag,
)
from members.phones import PhoneNumberRefused, phone_kind, phone_normalise
from members.selectors import READERS


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


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, help_text="Name or address.")
    membership = forms.ChoiceField(
        label="Membership",
        required=False,
        choices=[("", "Everyone"), ("any", "Members (any status)"), *Membership.Status.choices],
    )


DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class _Versioned(forms.Form):
    """Carries the person's version the page was opened at (the edit is refused if stale)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class PersonForm(_Versioned, forms.ModelForm):
    tags = forms.ModelMultipleChoiceField(
        label="Tags",
        queryset=Tag.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    date_of_birth = forms.DateField(
        label="Date of birth", required=False, input_formats=DATE_FORMATS, help_text="dd/mm/yyyy"
    )

    class Meta:
        model = Person
        fields = [
            "title",
            "first_name",
            "last_name",
            "date_of_birth",
            "do_not_contact",
            "do_not_email",
            "do_not_phone",
            "do_not_text",
            "do_not_post",
            "do_not_canvass",
            "deceased",
            "tags",
            "notes",
        ]
        labels = {
            "do_not_contact": "Do not contact by any means",
            "do_not_email": "Do not email",
            "do_not_phone": "Do not phone",
            "do_not_text": "Do not text",
            "do_not_post": "Do not send post",
            "do_not_canvass": "Do not knock on their door",
            "deceased": "Has died",
        }
        help_texts = {"do_not_contact": "They objected to all contact from us."}
        widgets = {"notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = self.instance.version

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


CONSENT_HELP = "Copy the words they were shown, e.g. the tick-box text on the form they signed."


class _ContactForm(_Versioned, forms.ModelForm):
    """An email address or phone number of `person`, with its consent."""

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        if not self.is_bound:
            self.initial["version"] = person.version

    def _not_theirs_already(self, field: str, value: str) -> str:
        known = type(self.instance).objects.filter(person=self.person, **{field: value})
        if known.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("They already have this one.")
        return value

    consent_recorded_at = forms.DateField(
        label="Date consent was given or refused",
        required=False,
        input_formats=DATE_FORMATS,
        help_text="dd/mm/yyyy; leave empty for today.",
    )

    def details(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version")
        day = data.pop("consent_recorded_at")
        if day and day != timezone.localdate():
            data["consent_recorded_at"] = timezone.make_aware(
                datetime.datetime.combine(day, datetime.time(12))
            )
        return data


CONTACT_LABELS = {
    "consent": "Consent",
    "consent_source": "How consent was given",
    "consent_wording": "Wording they agreed to",
    "source": "Where this number or address came from",
    "is_primary": "Main contact",
    "tps_registered": "On the Telephone Preference Service",
}


class EmailForm(_ContactForm):
    class Meta:
        model = ContactEmail
        fields = ["address", "consent", "consent_source", "consent_wording", "source", "is_primary"]
        labels = {"address": "Email address", **CONTACT_LABELS}
        help_texts = {
            "consent_source": "e.g. Petition on the High Street, 3 May.",
            "consent_wording": CONSENT_HELP,
        }
        widgets = {"consent_wording": forms.Textarea(attrs={"rows": 3})}

    def clean_address(self):
        return self._not_theirs_already("address", self.cleaned_data["address"].strip().lower())


class PhoneForm(_ContactForm):
    class Meta:
        model = ContactPhone
        fields = [
            "number",
            "kind",
            "consent",
            "consent_source",
            "consent_wording",
            "tps_registered",
            "source",
            "is_primary",
        ]
        labels = {"number": "Phone number", "kind": "Kind of phone", **CONTACT_LABELS}
        help_texts = {
            "consent_source": "e.g. Said yes on the doorstep.",
            "consent_wording": CONSENT_HELP,
        }
        widgets = {"consent_wording": forms.Textarea(attrs={"rows": 3})}

    def clean_number(self):
        # E.164, as every import stores it: the TPS list and duplicates are found by equality.
        try:
            number = phone_normalise(self.cleaned_data["number"])
        except PhoneNumberRefused as refused:
            raise forms.ValidationError(str(refused)) from None
        return self._not_theirs_already("number", number)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("number") and cleaned.get("kind") == ContactPhone.Kind.UNKNOWN:
            cleaned["kind"] = phone_kind(cleaned["number"])
        return cleaned


class MembershipForm(_Versioned, forms.ModelForm):
    joined_on = forms.DateField(
        label="Joined", required=False, input_formats=DATE_FORMATS, help_text="dd/mm/yyyy"
    )
    lapsed_on = forms.DateField(
        label="Lapsed", required=False, input_formats=DATE_FORMATS, help_text="dd/mm/yyyy"
    )

    class Meta:
        model = Membership
        fields = [
            "number",
            "status",
            "branch",
            "in_arrears",
            "joined_on",
            "lapsed_on",
            "roles_held",
        ]
        labels = {
            "number": "Membership number",
            "in_arrears": "In arrears",
            "roles_held": "Roles held",
        }

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = person.version
        self.fields["branch"].queryset = Branch.objects.filter(constituency=person.constituency_id)

    def details(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ExportReasonForm(forms.Form):
    why = forms.CharField(
        label="Why do you need this download?",
        max_length=300,
        help_text="e.g. Letters to postal voters in Castle ward. Kept in the audit log.",
    )

    def clean_why(self):
        why = self.cleaned_data["why"].strip()
        if len(why) < 5:
            raise forms.ValidationError("Say in a few words what the download is for.")
        return why
