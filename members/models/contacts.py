"""Contacts and answers: every interaction with a person, whatever tool recorded it; the
shared vocabulary, the question bank, and each person's contact summary."""

import uuid

from django.db import models
from django.utils import timezone

from clp.models import TimeStampedModel
from members.models.geography import Constituency
from members.models.people import Person


class Intention(models.TextChoices):
    """How someone says they will vote. Party codes are short, to be typed from paper."""

    LABOUR = "LAB", "Labour"
    CONSERVATIVE = "CON", "Conservative"
    LIB_DEM = "LD", "Liberal Democrat"
    GREEN = "GRN", "Green"
    REFORM = "REF", "Reform UK"
    SNP = "SNP", "SNP"
    PLAID = "PC", "Plaid Cymru"
    OTHER = "OTH", "Other"
    UNDECIDED = "UND", "Undecided"
    WONT_SAY = "WS", "Won't say"
    WONT_VOTE = "WNV", "Won't vote"


class Outcome(models.TextChoices):
    """What happened when we tried to reach someone, on any channel."""

    SPOKE = "S", "Spoke to them"
    NOT_IN = "NI", "Not in"  # on the phone: no answer
    REFUSED = "R", "Refused"
    MOVED = "MV", "Moved away"
    DECEASED = "D", "Deceased"
    WRONG_ADDRESS = "WA", "Wrong address"
    WRONG_NUMBER = "WN", "Wrong number"
    LANGUAGE = "LB", "Language barrier"
    DO_NOT_RETURN = "DNR", "Do not return this election"
    DO_NOT_CONTACT = "DNC", "Do not contact again"
    # On the phone only.
    VOICEMAIL = "VM", "Voicemail"
    BUSY = "BSY", "Busy"
    CALL_BACK = "CB", "Call back"
    DO_NOT_PHONE = "DNP", "Do not call again"
    # On polling day only.
    ALREADY_VOTED = "AV", "Says they have voted"
    WANTS_LIFT = "LFT", "Wants a lift to vote"


# The outcomes each kind of contact can have (a campaign offers some of them).
DOOR_OUTCOMES = [
    Outcome.SPOKE,
    Outcome.NOT_IN,
    Outcome.REFUSED,
    Outcome.MOVED,
    Outcome.DECEASED,
    Outcome.WRONG_ADDRESS,
    Outcome.WRONG_NUMBER,
    Outcome.LANGUAGE,
    Outcome.DO_NOT_RETURN,
    Outcome.DO_NOT_CONTACT,
]
PHONE_OUTCOMES = [
    Outcome.SPOKE,
    Outcome.NOT_IN,
    Outcome.VOICEMAIL,
    Outcome.BUSY,
    Outcome.WRONG_NUMBER,
    Outcome.CALL_BACK,
    Outcome.REFUSED,
    Outcome.DO_NOT_PHONE,
    Outcome.MOVED,
    Outcome.DECEASED,
    Outcome.LANGUAGE,
    Outcome.DO_NOT_CONTACT,
]
# Outcomes where we spoke to the person (the summary's "last successful contact").
SPOKE_OUTCOMES = frozenset({Outcome.SPOKE, Outcome.ALREADY_VOTED, Outcome.WANTS_LIFT})

# Knocking up promises on polling day: "Spoke to them" is a reminder given.
KNOCK_UP_OUTCOMES = [
    Outcome.SPOKE,
    Outcome.NOT_IN,
    Outcome.ALREADY_VOTED,
    Outcome.WANTS_LIFT,
    Outcome.REFUSED,
    Outcome.MOVED,
    Outcome.DECEASED,
    Outcome.DO_NOT_CONTACT,
]


class Channel(models.TextChoices):
    DOORSTEP = "doorstep", "Doorstep"
    PAPER = "paper", "Paper walk sheet"
    PHONE = "phone", "Phone"
    KNOCK_UP = "knockup", "Polling-day knock-up"
    SURVEY = "survey", "Member survey"
    EVENT = "event", "Event"
    EMAIL = "email", "Email"
    IMPORT = "import", "Import"


class Review(models.TextChoices):
    """Only accepted contacts and answers count, in every tool."""

    ACCEPTED = "accepted", "Accepted"
    PENDING = "pending", "Waiting for review"
    REJECTED = "rejected", "Rejected"


STRENGTHS = range(1, 6)  # how sure the intention is: 1 barely, 5 certain


class Question(TimeStampedModel):
    """A survey question in the constituency's one question bank, used by any campaign,
    phone bank or member survey. `key` is stable: answers and filters keep meaning what they
    meant when the wording is polished."""

    PERSONAL_DATA = False

    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"
        SCALE = "scale", "Scale (1 to 5)"
        YES_NO = "yesno", "Yes or no"
        TEXT = "text", "Free text"

    constituency = models.ForeignKey(
        Constituency, on_delete=models.PROTECT, related_name="questions"
    )
    key = models.SlugField(max_length=60)
    text = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    choices = models.JSONField(default=list, blank=True, help_text="Choices, for choice questions.")

    class Meta:
        ordering = ["text"]
        constraints = [
            models.UniqueConstraint(fields=["constituency", "key"], name="question_key_unique")
        ]

    def __str__(self):
        return self.text

    def answer_values(self) -> list[str]:
        """The values an answer may take, or [] for free text."""
        if self.kind == self.Kind.YES_NO:
            return ["yes", "no"]
        if self.kind == self.Kind.SCALE:
            return [str(n) for n in STRENGTHS]
        if self.kind == self.Kind.TEXT:
            return []
        return list(self.choices)


class Contact(models.Model):
    """One interaction with a person on any channel: written by the tool that had it (a
    doorstep result, a call, a knock-up), in the same transaction as that tool's own record,
    which `source` and `source_id` name. Append-only like the records it mirrors: a correction
    is a new contact."""

    PERSONAL_DATA = True

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contacts")
    contacted_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    outcome = models.CharField(max_length=4, choices=Outcome.choices, blank=True)
    intention = models.CharField(max_length=4, choices=Intention.choices, blank=True)
    strength = models.PositiveSmallIntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        "clp.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_status = models.CharField(max_length=10, choices=Review.choices, default=Review.ACCEPTED)
    # The originating record, e.g. ("canvassing.result", "<uuid>"), and where it happened in
    # words ("Spring canvass — Castle 3"), for the timeline.
    source = models.CharField(max_length=40)
    source_id = models.CharField(max_length=64)
    context = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-contacted_at", "-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="contact_source_once"),
        ]
        indexes = [
            models.Index(fields=["person", "contacted_at"], name="contact_person_when"),
            # "Who was contacted in the last N days", CLP-wide.
            models.Index(fields=["contacted_at"], name="contact_when"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()}: {self.get_outcome_display()}"


class Answer(models.Model):
    """A person's answer to a bank question, at one time, on one channel. A multiple-choice
    answer is one row whose `value` lists the choices, one per line."""

    PERSONAL_DATA = True

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="answers"
    )
    answered_at = models.DateTimeField()
    channel = models.CharField(max_length=10, choices=Channel.choices)
    value = models.TextField()
    recorded_by = models.ForeignKey(
        "clp.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The contact's, kept beside it so counting answers needs no join.
    review_status = models.CharField(max_length=10, choices=Review.choices, default=Review.ACCEPTED)
    source = models.CharField(max_length=40)
    source_id = models.CharField(max_length=64)

    class Meta:
        ordering = ["-answered_at"]
        indexes = [
            models.Index(fields=["question", "person"], name="answer_question_person"),
            models.Index(fields=["person", "answered_at"], name="answer_person_when"),
        ]

    def __str__(self):
        return f"{self.question_id}: {self.value[:40]}"

    @property
    def values(self) -> list[str]:
        """The choices of a multiple-choice answer; any other answer whole (free text may
        span lines). Reads the question: select it with the answer."""
        if self.question.kind == Question.Kind.MULTIPLE:
            return self.value.split("\n")
        return [self.value]


class ContactSummary(models.Model):
    """What every tool asks of a person's contacts, one row per contacted person, rewritten
    from their accepted contacts in the transaction that changes them (members.services
    .contacts). Its own table, so that no save of a Person can overwrite it with stale values."""

    PERSONAL_DATA = True

    person = models.OneToOneField(
        Person, primary_key=True, on_delete=models.CASCADE, related_name="contact_summary"
    )
    intention = models.CharField(max_length=4, choices=Intention.choices, blank=True)
    strength = models.PositiveSmallIntegerField(null=True, blank=True)
    intention_at = models.DateTimeField(null=True, blank=True)
    intention_channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    contacted_at = models.DateTimeField(help_text="Last contact, successful or not.")
    contact_channel = models.CharField(max_length=10, choices=Channel.choices)
    spoke_at = models.DateTimeField(null=True, blank=True, help_text="Last successful contact.")
    spoke_channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)

    class Meta:
        verbose_name_plural = "contact summaries"
        indexes = [
            models.Index(fields=["intention", "strength"], name="summary_intention"),
            models.Index(fields=["spoke_at"], name="summary_spoke_at"),
        ]

    def __str__(self):
        return f"Contacts of person {self.person_id}"
