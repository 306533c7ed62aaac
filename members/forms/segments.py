"""The segment builder (with the contact filters every tool shares) and the question bank."""

from django import forms
from django.db.models import Exists, OuterRef

from clp.access import constituencies_for_user, polling_districts_for_user
from members.models import (
    STRENGTHS,
    Channel,
    Election,
    Intention,
    Membership,
    Question,
    Segment,
    Tag,
    VoteRecord,
    Ward,
)
from members.selectors import READERS

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


def _election_field(label: str, help_text: str) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label,
        queryset=Election.objects.none(),
        required=False,
        empty_label="Any (no vote history filter)",
        help_text=help_text,
        error_messages={"invalid_choice": "Choose one of the elections listed."},
    )


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
    # Vote history (from the council's marked registers and absent voters lists)
    voted_in = _election_field(
        "Voted in", "As the council's marked register shows (imported after the election)."
    )
    did_not_vote_in = _election_field(
        "Did not vote in",
        "On the register in the election's districts and not marked as having voted. Only "
        "elections whose marked register has been imported are listed.",
    )
    postal_not_returned = _election_field(
        "Postal voter who did not return their ballot in",
        "Postal voters of that election whose ballot has not come back (from the council's "
        "postal returns, or after the day its marked register).",
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
        "Vote history": ["voted_in", "did_not_vote_in", "postal_not_returned"],
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
        elections = Election.objects.filter(
            constituency__in=constituencies_for_user(user, *READERS)
        ).order_by("-polls_on", "name")
        self.fields["voted_in"].queryset = elections
        self.fields["postal_not_returned"].queryset = elections
        self.fields["did_not_vote_in"].queryset = elections.filter(
            Exists(VoteRecord.objects.filter(election=OuterRef("pk"), voted=True))
        )

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
                **{
                    key: data[key].pk if data[key] else None
                    for key in ("voted_in", "did_not_vote_in", "postal_not_returned")
                },
            }
        )


def _iso(day) -> str:
    return day.isoformat() if day else ""


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
