"""Forms for phone banking: setting a campaign up, its script, joining, and a call's result."""

import datetime
import json
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError

from clp.access import constituencies_for_user, polling_districts_for_user
from clp.roles import ORGANISING_ROLES
from members.models import (
    PHONE_OUTCOMES,
    Intention,
    Membership,
    Outcome,
    PollingDistrict,
    Question,
    Segment,
    Tag,
    Ward,
)
from phonebank.models import CallCampaign, outcome_words
from phonebank.script import format_branches, parse_branches
from phonebank.services.campaigns import RELATED, SETTINGS

UK = ZoneInfo("Europe/London")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class CampaignForm(forms.Form):
    name = forms.CharField(max_length=150)
    constituency = forms.ModelChoiceField(queryset=None, empty_label=None)
    purpose = forms.CharField(
        max_length=150, required=False, help_text="e.g. Welcome calls, renewals, persuasion."
    )
    mode = forms.ChoiceField(
        choices=CallCampaign.Mode.choices, widget=forms.RadioSelect, label="Whom to call"
    )
    segment = forms.ModelChoiceField(
        queryset=None, required=False, help_text="For “Voters in a segment”."
    )
    wards = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For “Everyone reachable in an area”; narrows the other kinds when ticked.",
    )
    polling_districts = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    member_statuses = forms.MultipleChoiceField(
        choices=Membership.Status.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Membership statuses",
        help_text="For “Members and volunteers”: e.g. Lapsed, for renewal calls.",
    )
    tags = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For “Members and volunteers”: only people with one of these tags.",
    )
    introduction = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, label="What to say first"
    )
    outcomes = forms.MultipleChoiceField(
        choices=[(c, outcome_words(c)) for c in PHONE_OUTCOMES],
        widget=forms.CheckboxSelectMultiple,
        label="Outcomes offered",
    )
    intentions = forms.MultipleChoiceField(
        choices=Intention.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Voting intentions offered",
        help_text="Leave all unticked for calls that do not ask (e.g. welcome calls).",
    )
    weekday_start = forms.TimeField(widget=TIME, label="Weekdays from")
    weekday_end = forms.TimeField(widget=TIME, label="Weekdays until")
    weekend_start = forms.TimeField(widget=TIME, label="Weekends from")
    weekend_end = forms.TimeField(widget=TIME, label="Weekends until")
    recent_days = forms.IntegerField(
        min_value=0, max_value=90, label="Skip anyone contacted in the last … days"
    )
    lease_minutes = forms.IntegerField(
        min_value=5, max_value=60, label="Minutes a caller may hold a contact"
    )
    retry_hours = forms.IntegerField(min_value=1, max_value=72, label="Try again after … hours")
    max_attempts = forms.IntegerField(min_value=1, max_value=6, label="Tries at most")
    caller_ward = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Callers from",
        empty_label="Callers for the whole CLP",
        help_text="Holders of the caller role in this ward (anyone can join with the code).",
    )

    def __init__(self, *args, user, campaign=None, **kwargs):
        if campaign is not None:
            kwargs.setdefault("initial", campaign_initial(campaign))
        else:
            defaults = {f.name: f.get_default() for f in CallCampaign._meta.concrete_fields}
            kwargs.setdefault("initial", {k: v for k, v in defaults.items() if v is not None})
        super().__init__(*args, **kwargs)
        constituencies = constituencies_for_user(user, *ORGANISING_ROLES)
        districts = polling_districts_for_user(user, *ORGANISING_ROLES)
        self.fields["constituency"].queryset = constituencies
        self.fields["segment"].queryset = Segment.objects.filter(constituency__in=constituencies)
        self.fields["wards"].queryset = Ward.objects.filter(
            pk__in=districts.values("ward_id")
        ).order_by("name")
        self.fields["polling_districts"].queryset = PollingDistrict.objects.filter(
            pk__in=districts.values("pk")
        ).order_by("code")
        self.fields["caller_ward"].queryset = self.fields["wards"].queryset
        self.fields["tags"].queryset = Tag.objects.order_by("name")
        if campaign is not None:
            del self.fields["constituency"]

    def settings(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("constituency", None)
        return data


def campaign_initial(campaign) -> dict:
    initial = {field: getattr(campaign, field) for field in SETTINGS}
    for name in RELATED:
        initial[name] = list(getattr(campaign, name).all())
    return initial


class ScriptStepForm(forms.Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="What to say"
    )
    question = forms.ModelChoiceField(
        queryset=None, required=False, label="Question from the bank", empty_label="No question"
    )
    branches = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Branches",
        help_text="One per line, “answer -> step number” or “answer -> end”, e.g. “no -> 4”. "
        "Other answers go on to the next step.",
    )

    def __init__(self, *args, campaign, step=None, **kwargs):
        if step is not None:
            kwargs.setdefault(
                "initial",
                {
                    "text": step.text,
                    "question": step.question,
                    "branches": format_branches(step.branches),
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["question"].queryset = Question.objects.filter(
            constituency=campaign.constituency_id
        )

    def clean_branches(self):
        try:
            return parse_branches(self.cleaned_data["branches"])
        except ValueError as problem:
            raise ValidationError(str(problem)) from problem


class JoinForm(forms.Form):
    code = forms.CharField(
        max_length=20,
        label="Join code",
        help_text="The code your organiser gave you.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class JoinCodeForm(forms.Form):
    days = forms.IntegerField(min_value=1, max_value=60, initial=14, label="Lasts for (days)")


def _question_field(question: Question) -> forms.Field:
    label = question.text
    if question.kind == Question.Kind.TEXT:
        return forms.CharField(
            label=label, required=False, widget=forms.Textarea(attrs={"rows": 2})
        )
    choices = [
        (v, v.capitalize() if question.kind == Question.Kind.YES_NO else v)
        for v in question.answer_values()
    ]
    if question.kind == Question.Kind.MULTIPLE:
        return forms.MultipleChoiceField(
            label=label, required=False, choices=choices, widget=forms.CheckboxSelectMultiple
        )
    return forms.ChoiceField(label=label, required=False, choices=choices, widget=forms.RadioSelect)


class CallResultForm(forms.Form):
    lease = forms.UUIDField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(widget=forms.RadioSelect, label="What happened?")
    intention = forms.ChoiceField(
        widget=forms.RadioSelect, required=False, label="How will they vote?"
    )
    strength = forms.TypedChoiceField(
        choices=[("", "Not said")] + [(n, str(n)) for n in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
        label="How sure (1 barely, 5 certain)",
    )
    call_back_at = forms.DateTimeField(
        required=False,
        label="Call back at (UK time)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Note (optional)"
    )

    def __init__(self, *args, campaign, steps, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = campaign.outcome_choices()
        if campaign.intentions:
            self.fields["intention"].choices = campaign.intention_choices()
        else:
            del self.fields["intention"]
            del self.fields["strength"]
        if Outcome.CALL_BACK not in campaign.outcomes:
            del self.fields["call_back_at"]
        self.steps = steps
        for step in steps:
            if step.question_id:
                self.fields[f"q{step.question_id}"] = _question_field(step.question)

    def clean_call_back_at(self):
        value = self.cleaned_data.get("call_back_at")
        if value is None:
            return None
        # The caller typed a UK wall-clock time.
        return value.replace(tzinfo=None).replace(tzinfo=UK).astimezone(datetime.UTC)

    def answers(self) -> dict[int, str]:
        answers = {}
        for step in self.steps:
            if not step.question_id:
                continue
            value = self.cleaned_data.get(f"q{step.question_id}")
            if isinstance(value, list):
                value = "\n".join(value)
            if value:
                answers[step.question_id] = value
        return answers

    def question_fields(self):
        """(step, bound field or None, branches as JSON) in script order, for the template."""
        return [
            (
                step,
                self[f"q{step.question_id}"] if step.question_id else None,
                json.dumps(step.branches or {}),
            )
            for step in self.steps
        ]
