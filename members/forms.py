import datetime

from django import forms
from django.utils import timezone

from clp.access import constituencies_for_user, polling_districts_for_user
from members.importers.layouts import FIELDS, guess_mapping, required_fields
from members.models import (
    STRENGTHS,
    Branch,
    Channel,
    ContactEmail,
    ContactPhone,
    ImportBatch,
    Intention,
    Membership,
    Person,
    PollingStation,
    Question,
    Segment,
    Tag,
    Ward,
)
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


DO_NOT_CHOICES = [
    ("all", "Any means"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("text", "Text message"),
    ("post", "Post"),
    ("door", "Door (canvassing)"),
]


YES_NO_EITHER = [("", "Either"), ("yes", "Yes"), ("no", "No")]
STRENGTH_CHOICES = [("", "Any")] + [(str(n), str(n)) for n in STRENGTHS]
COUNT_AS_CONTACT = [
    ("reached", "Only when we reached them"),
    ("any", "Any attempt, even with no answer"),
]
ISO_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _since_field(label: str, help_text: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=ISO_DATE,
        help_text=help_text,
    )


class AnswerFilterForm(forms.Form):
    """ "Answered question Q with value V", shared by the segment builder and canvass targets.
    Subclasses set the question field's queryset to a question bank."""

    answer_question = forms.ModelChoiceField(
        label="Answered question",
        queryset=Question.objects.none(),
        required=False,
        empty_label="Any question (no answer filter)",
        help_text="Their latest answer to a question from the question bank.",
        error_messages={"invalid_choice": "That question is not in your question bank."},
    )
    answer_value = forms.CharField(
        label="with the answer",
        required=False,
        max_length=300,
        help_text="One of the question's choices, e.g. yes, or 4 on a scale of 1 to 5.",
    )

    def _clean_answer_filter(self, cleaned: dict) -> None:
        question, value = cleaned.get("answer_question"), cleaned.get("answer_value", "").strip()
        if question is None:
            if value and "answer_question" not in self.errors:
                self.add_error("answer_question", "Choose the question this answer is to.")
            return
        if not value:
            self.add_error("answer_value", f"Say which answer to “{question.text}” to look for.")
            return
        allowed = question.answer_values()
        if allowed:
            # "Yes", "YES" and "yes" all mean the choice "yes".
            same = [a for a in allowed if a.casefold() == value.casefold()]
            if not same:
                self.add_error(
                    "answer_value",
                    f"“{value}” is not an answer to “{question.text}”. Answers it can take: "
                    + ", ".join(allowed)
                    + ".",
                )
                return
            value = same[0]
        cleaned["answer_value"] = value

    def answer_filters(self) -> list[dict]:
        question = self.cleaned_data.get("answer_question")
        if question is None:
            return []
        return [{"question": question.pk, "value": self.cleaned_data["answer_value"]}]


def _initial_from_filters(filters: dict) -> dict:
    """A saved filters dict as the form's initial values: the answers list becomes the two
    answer fields (the builder edits one answer filter)."""
    initial = {k: v for k, v in filters.items() if k != "answers"}
    if answers := filters.get("answers"):
        initial["answer_question"] = answers[0].get("question")
        initial["answer_value"] = answers[0].get("value", "")
    return initial


def _non_empty(filters: dict) -> dict:
    return {key: value for key, value in filters.items() if value not in ("", None, [], False)}


class SegmentForm(AnswerFilterForm):
    name = forms.CharField(label="Name", max_length=120)
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea)
    wards = forms.ModelMultipleChoiceField(label="Wards", queryset=None, required=False)
    polling_districts = forms.ModelMultipleChoiceField(
        label="Polling districts", queryset=None, required=False
    )
    tags = forms.ModelMultipleChoiceField(label="Tags", queryset=Tag.objects.all(), required=False)
    has_email = forms.BooleanField(label="Has an email address", required=False)
    has_phone = forms.BooleanField(label="Has a phone number", required=False)
    consent = forms.ChoiceField(
        label="Consent to contact by",
        required=False,
        choices=[("", "Any"), ("email", "Email"), ("sms", "Text message"), ("phone", "Phone")],
    )
    do_not = forms.MultipleChoiceField(
        label="Marked do not contact by",
        required=False,
        choices=DO_NOT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only people marked not to be contacted this way.",
    )
    # What they told us
    intentions = forms.MultipleChoiceField(
        label="Latest voting intention",
        required=False,
        choices=Intention.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="What they last told anyone: on the doorstep, the phone or a survey.",
    )
    min_strength = forms.ChoiceField(
        label="Support at least",
        required=False,
        choices=STRENGTH_CHOICES,
        help_text="1 barely, 5 certain.",
    )
    max_strength = forms.ChoiceField(
        label="Support at most", required=False, choices=STRENGTH_CHOICES
    )
    # When we last reached them
    contacted_since = _since_field("Spoken to since", "By anyone, in any campaign or tool.")
    not_contacted_since = _since_field(
        "Not spoken to since", "Leaves out everyone contacted on or after this day."
    )
    contact_channels = forms.MultipleChoiceField(
        label="On these channels",
        required=False,
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="For the dates above and “never contacted”; none ticked means any channel.",
    )
    contact_outcome = forms.ChoiceField(
        label="Count as contact", required=False, choices=COUNT_AS_CONTACT, initial="reached"
    )
    never_contacted = forms.BooleanField(
        label="Never contacted",
        required=False,
        help_text="Nobody has a contact with them on record (on the channels ticked above).",
    )
    # Register and membership
    on_register = forms.BooleanField(label="On the register now", required=False)
    markers = forms.CharField(
        label="Register markers",
        required=False,
        max_length=10,
        help_text="e.g. A for postal voters.",
    )
    postal_voter = forms.ChoiceField(label="Postal voter", required=False, choices=YES_NO_EITHER)
    member = forms.ChoiceField(
        label="Party member",
        required=False,
        choices=YES_NO_EITHER,
        help_text="Members in arrears count as members.",
    )
    membership = forms.MultipleChoiceField(
        label="Membership status", choices=Membership.Status.choices, required=False
    )

    field_order = ["name", "description"]
    # The long form in parts, each a fieldset with its legend (the rest come first, ungrouped).
    FIELDSETS = {
        "What they told us": [
            "intentions",
            "min_strength",
            "max_strength",
            "answer_question",
            "answer_value",
        ],
        "When we last reached them": [
            "contacted_since",
            "not_contacted_since",
            "contact_channels",
            "contact_outcome",
            "never_contacted",
        ],
        "Register and membership": [
            "on_register",
            "markers",
            "postal_voter",
            "member",
            "membership",
        ],
    }

    def __init__(self, *args, user, segment=None, **kwargs):
        if segment is not None:  # shown when the form is not bound
            kwargs["initial"] = {
                "name": segment.name,
                "description": segment.description,
                **_initial_from_filters(segment.filters),
            }
        super().__init__(*args, **kwargs)
        self.user, self.segment = user, segment
        districts = polling_districts_for_user(user, *READERS)
        self.fields["polling_districts"].queryset = districts
        self.fields["wards"].queryset = Ward.objects.filter(
            polling_districts__in=districts
        ).distinct()
        self.fields["answer_question"].queryset = Question.objects.filter(
            constituency__in=constituencies_for_user(user, *READERS)
        ).order_by("text")

    def ungrouped_fields(self) -> list:
        grouped = {name for names in self.FIELDSETS.values() for name in names}
        return [self[name] for name in self.fields if name not in grouped]

    def fieldsets(self) -> list[tuple[str, list]]:
        return [(legend, [self[n] for n in names]) for legend, names in self.FIELDSETS.items()]

    def clean_markers(self):
        return "".join(ch for ch in self.cleaned_data["markers"].upper() if ch.isalpha())

    def clean_name(self):
        """A name already taken would otherwise replace that segment's filters unseen."""
        name = self.cleaned_data["name"].strip()
        taken = Segment.objects.filter(
            constituency__in=constituencies_for_user(self.user, *READERS), name=name
        )
        if self.segment is not None:
            taken = taken.exclude(pk=self.segment.pk)
        if taken.exists():
            raise forms.ValidationError(
                f"There is already a segment called “{name}”: choose another name, or edit that "
                "one from its page."
            )
        return name

    def clean(self):
        cleaned = super().clean()
        least, most = cleaned.get("min_strength"), cleaned.get("max_strength")
        if least and most and int(least) > int(most):
            self.add_error("max_strength", "“At most” must not be less than “at least”.")
        self._clean_answer_filter(cleaned)
        return cleaned

    def filters(self) -> dict:
        """The filters as members.segments reads them, only those given."""
        data = self.cleaned_data
        answers = self.answer_filters()
        if self.segment is not None:  # answer filters the builder does not show are kept
            answers += (self.segment.filters.get("answers") or [])[1:]
        return _non_empty(
            {
                "wards": [w.pk for w in data["wards"]],
                "polling_districts": [p.pk for p in data["polling_districts"]],
                "membership": list(data["membership"]),
                "tags": [t.pk for t in data["tags"]],
                "on_register": data["on_register"],
                "markers": data["markers"],
                "has_email": data["has_email"],
                "has_phone": data["has_phone"],
                "consent": data["consent"],
                "do_not": list(data["do_not"]),
                "intentions": list(data["intentions"]),
                "min_strength": data["min_strength"],
                "max_strength": data["max_strength"],
                "contacted_since": _iso(data["contacted_since"]),
                "not_contacted_since": _iso(data["not_contacted_since"]),
                "contact_channels": list(data["contact_channels"]),
                # "reached" is what members.segments assumes when the key is absent.
                "contact_outcome": "any" if data["contact_outcome"] == "any" else "",
                "never_contacted": data["never_contacted"],
                "answers": answers,
                "postal_voter": data["postal_voter"],
                "member": data["member"],
            }
        )


def _iso(day) -> str:
    return day.isoformat() if day else ""


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
        number = "".join(ch for ch in self.cleaned_data["number"] if ch.isdigit() or ch == "+")
        if len(number.lstrip("+")) < 6:
            raise forms.ValidationError("Enter the whole phone number.")
        return self._not_theirs_already("number", number)


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


class BankQuestionForm(forms.Form):
    """A question of the constituency's bank: its wording, kind of answer and choices."""

    text = forms.CharField(label="Question", max_length=300)
    kind = forms.ChoiceField(label="Kind of answer", choices=Question.Kind.choices)
    choices = forms.CharField(
        label="Choices, one per line",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For single and multiple choice questions only.",
    )

    def __init__(self, *args, question=None, **kwargs):
        if question is not None:
            kwargs.setdefault(
                "initial",
                {
                    "text": question.text,
                    "kind": question.kind,
                    "choices": "\n".join(question.choices),
                },
            )
        super().__init__(*args, **kwargs)

    def clean_text(self):
        return self.cleaned_data["text"].strip()

    def clean_choices(self):
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]
