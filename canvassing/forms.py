"""Forms clean and validate only; services do the work."""

import uuid

from django import forms
from django.db.models import Q
from django.utils import timezone

from canvassing.models import DOOR_OUTCOMES, Intention, Outcome
from canvassing.targeting import street_groups
from clp.access import constituencies_for_user, polling_districts_for_user
from clp.models import RoleGrant, User
from clp.roles import ORGANISING_ROLES, RoleCode
from members.forms.segments import COUNT_AS_CONTACT, AnswerFilterForm, BankQuestionForm
from members.models import Channel, Question, Segment, Street, Ward
from members.services.contacts import RECENT_DAYS

DOOR_OUTCOME_CHOICES = [(c, Outcome(c).label) for c in DOOR_OUTCOMES]
YES_NO_ANY = [("", "Either"), ("yes", "Yes"), ("no", "No")]
STRENGTHS = [("", "Any")] + [(str(i), str(i)) for i in range(1, 6)]


def canvassers_for_district(polling_district):
    """Users who hold the canvasser role over `polling_district` today."""
    covering = Q(polling_district=polling_district) | Q(
        constituency=polling_district.constituency_id
    )
    if polling_district.ward_id:  # a district created from a file may not have a ward yet
        covering |= Q(ward=polling_district.ward_id) | Q(branch__wards=polling_district.ward_id)
    grants = RoleGrant.objects.active().filter(covering, role_id=RoleCode.CANVASSER)
    return User.objects.filter(is_active=True, pk__in=grants.values("user_id")).order_by(
        "full_name", "email"
    )


class CampaignForm(forms.Form):
    constituency = forms.ModelChoiceField(queryset=None, label="Constituency")
    name = forms.CharField(max_length=150, help_text="e.g. Spring 2027 locals — Castle ward")
    script = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    intentions = forms.MultipleChoiceField(
        choices=Intention.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Voting intentions offered",
        help_text="Tick SNP or Plaid Cymru only where they stand.",
    )
    outcomes = forms.MultipleChoiceField(
        choices=DOOR_OUTCOME_CHOICES, widget=forms.CheckboxSelectMultiple, label="Outcomes offered"
    )

    def __init__(self, *args, user, **kwargs):
        from canvassing.models import DEFAULT_INTENTIONS, DEFAULT_OUTCOMES

        kwargs.setdefault(
            "initial", {"intentions": DEFAULT_INTENTIONS, "outcomes": DEFAULT_OUTCOMES}
        )
        super().__init__(*args, **kwargs)
        self.fields["constituency"].queryset = constituencies_for_user(user, *ORGANISING_ROLES)
        if self.fields["constituency"].queryset.count() == 1:
            self.fields["constituency"].initial = self.fields["constituency"].queryset.first()


class CampaignEditForm(forms.Form):
    name = forms.CharField(max_length=150)
    script = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), required=False, label="Script (what to say)"
    )
    intentions = forms.MultipleChoiceField(
        choices=Intention.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Voting intentions offered",
    )
    outcomes = forms.MultipleChoiceField(
        choices=DOOR_OUTCOME_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        label="Outcomes offered",
        help_text="“Spoke to them” is needed to record intentions.",
    )


class QuestionForm(BankQuestionForm):
    """A question for a campaign: one from the constituency's question bank, or a new one
    (the bank's own fields), which joins the bank."""

    existing = forms.ModelChoiceField(
        queryset=Question.objects.none(),
        required=False,
        label="Use a question from the question bank",
        help_text="Answers to the same bank question add up across campaigns and phone banks.",
    )
    field_order = ["existing", "text", "kind", "choices"]

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = "Or write a new question"
        self.fields["text"].required = self.fields["kind"].required = False
        self.fields["kind"].choices = [("", "Choose…"), *Question.Kind.choices]
        self.fields["existing"].queryset = Question.objects.filter(
            constituency=campaign.constituency_id
        ).exclude(pk__in=campaign.questions.values("question_id"))

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("existing") and not cleaned.get("text"):
            raise forms.ValidationError("Pick a question from the bank or write a new one.")
        if cleaned.get("text") and not cleaned.get("kind"):
            self.add_error("kind", "Say what kind of answer the question takes.")
        return cleaned


class TargetForm(AnswerFilterForm):
    name = forms.CharField(max_length=150, label="Name of this target")
    segment = forms.ModelChoiceField(queryset=None, required=False, label="Start from a segment")
    wards = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    polling_districts = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    not_contacted_since = forms.DateField(
        required=False,
        label="Not spoken to since",
        help_text="By anyone, in any campaign, on the doorstep, the phone or otherwise.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    contact_channels = forms.MultipleChoiceField(
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="On these channels",
        help_text="For “Not spoken to since”; none ticked means any channel.",
    )
    contact_outcome = forms.ChoiceField(
        choices=COUNT_AS_CONTACT, required=False, initial="reached", label="Count as contact"
    )
    never_canvassed = forms.BooleanField(required=False, label="Never canvassed")
    intentions = forms.MultipleChoiceField(
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Latest intention",
        help_text="What they last told anyone: on the doorstep, the phone or a survey.",
    )
    min_strength = forms.ChoiceField(choices=STRENGTHS, required=False, label="Support at least")
    max_strength = forms.ChoiceField(choices=STRENGTHS, required=False, label="Support at most")
    postal_voter = forms.ChoiceField(choices=YES_NO_ANY, required=False, label="Postal voter")
    member = forms.ChoiceField(choices=YES_NO_ANY, required=False, label="Party member")

    field_order = [
        "name",
        "segment",
        "wards",
        "polling_districts",
        "not_contacted_since",
        "contact_channels",
        "contact_outcome",
        "never_canvassed",
        "intentions",
        "min_strength",
        "max_strength",
        "answer_question",
        "answer_value",
    ]

    def __init__(self, *args, user, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        districts = polling_districts_for_user(user, *ORGANISING_ROLES).filter(
            constituency=campaign.constituency
        )
        self.fields["polling_districts"].queryset = districts.order_by("code")
        self.fields["wards"].queryset = Ward.objects.filter(
            polling_districts__in=districts
        ).distinct()
        self.fields["segment"].queryset = Segment.objects.filter(constituency=campaign.constituency)
        self.fields["intentions"].choices = campaign.intention_choices()
        self.fields["answer_question"].queryset = Question.objects.filter(
            constituency=campaign.constituency_id
        ).order_by("text")

    def clean(self):
        cleaned = super().clean()
        self._clean_answer_filter(cleaned)
        return cleaned

    def filters(self) -> dict:
        data = self.cleaned_data
        since = data.get("not_contacted_since")
        return {
            key: value
            for key, value in {
                "wards": [w.pk for w in data.get("wards") or []],
                "polling_districts": [p.pk for p in data.get("polling_districts") or []],
                "not_contacted_since": since.isoformat() if since else "",
                "contact_channels": list(data.get("contact_channels") or []),
                # "reached" is what the contact filters assume when the key is absent.
                "contact_outcome": "any" if data.get("contact_outcome") == "any" else "",
                "never_canvassed": bool(data.get("never_canvassed")),
                "intentions": list(data.get("intentions") or []),
                "min_strength": data.get("min_strength") or "",
                "max_strength": data.get("max_strength") or "",
                "answers": self.answer_filters(),
                "postal_voter": data.get("postal_voter") or "",
                "member": data.get("member") or "",
            }.items()
            if value
        }


class CutForm(forms.Form):
    polling_district = forms.ModelChoiceField(queryset=None, label="Polling district")
    streets = forms.MultipleChoiceField(
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Only these streets (leave empty for the whole district)",
    )
    size = forms.IntegerField(
        min_value=5, max_value=500, initial=100, label="Electors per walk list (at most)"
    )
    skip_recent = forms.BooleanField(
        required=False,
        label=f"Leave out doors anyone contacted in the last {RECENT_DAYS} days",
    )

    def __init__(self, *args, user, target, **kwargs):
        super().__init__(*args, **kwargs)
        districts = polling_districts_for_user(user, *ORGANISING_ROLES).filter(
            constituency=target.campaign.constituency
        )
        if pds := target.filters.get("polling_districts"):
            districts = districts.filter(pk__in=pds)
        self.fields["polling_district"].queryset = districts.order_by("code")
        # Only the streets of the chosen district, near-identical names offered once.
        chosen = (
            self.data.get(self.add_prefix("polling_district"))
            if self.is_bound
            else self.initial.get("polling_district")
        )
        district = None
        if str(chosen or "").isdigit():
            district = districts.filter(pk=chosen).first()
        elif not self.is_bound and len(districts[:2]) == 1:
            district = districts.first()
            self.initial["polling_district"] = district.pk
        self.district = district
        streets = (
            Street.objects.filter(properties__polling_district=district).distinct()
            if district
            else Street.objects.none()
        )
        self.street_groups = {key: ids for key, _label, ids in street_groups(streets)}
        self.fields["streets"].choices = [
            (key, label) for key, label, _ids in street_groups(streets)
        ]
        if not district:
            self.fields["streets"].help_text = "Choose a polling district to see its streets."

    def clean_streets(self):
        ids = [pk for key in self.cleaned_data["streets"] for pk in self.street_groups[key]]
        return list(Street.objects.filter(pk__in=ids))


class AssignForm(forms.Form):
    canvasser = forms.ModelChoiceField(
        queryset=None, label="Canvasser (or the team's board runner)"
    )
    team = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Team members (optional)",
    )
    hours = forms.IntegerField(min_value=1, max_value=24 * 14, initial=48, label="Lease (hours)")

    def __init__(self, *args, walk_list, **kwargs):
        super().__init__(*args, **kwargs)
        people = canvassers_for_district(walk_list.polling_district)
        self.fields["canvasser"].queryset = people
        self.fields["team"].queryset = people


class JoinForm(forms.Form):
    code = forms.CharField(max_length=12, label="Code on the walk sheet")


class PaperEntryForm(forms.Form):
    batch = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    # ISO format: a date input shows nothing for a value in any other format.
    on = forms.DateField(
        label="Date canvassed",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    canvassed_by = forms.ModelChoiceField(
        queryset=None,
        label="Canvassed by",
        empty_label="Choose who knocked these doors",
        help_text="The results count as theirs; you are recorded as the one who typed them in.",
    )
    lines = forms.CharField(
        label="Results, one line per elector",
        help_text=(
            "Elector number, outcome, then intention and support if given: 123 S LAB 4 PV "
            "(PV: wants a postal vote)"
        ),
        widget=forms.Textarea(attrs={"rows": 12, "autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, walk_list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate
        # Who may have canvassed it: the district's canvassers and whoever held the list.
        held = walk_list.assignments.values("user_id")
        self.fields["canvassed_by"].queryset = (
            (canvassers_for_district(walk_list.polling_district) | User.objects.filter(pk__in=held))
            .distinct()
            .order_by("full_name", "email")
        )
        if walk_list.checked_out_to_id:
            self.fields["canvassed_by"].initial = walk_list.checked_out_to_id


class FlagForm(forms.Form):
    user = forms.ModelChoiceField(queryset=None, label="Volunteer")
    is_new = forms.BooleanField(required=False, label="New: review their results first")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        districts = polling_districts_for_user(user, *ORGANISING_ROLES)
        grants = RoleGrant.objects.active().filter(
            Q(polling_district__in=districts)
            | Q(ward__polling_districts__in=districts)
            | Q(branch__wards__polling_districts__in=districts)
            | Q(constituency__polling_districts__in=districts),
            role_id=RoleCode.CANVASSER,
        )
        self.fields["user"].queryset = User.objects.filter(
            is_active=True, pk__in=grants.values("user_id")
        ).order_by("email")
