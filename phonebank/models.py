"""Call campaigns, their scripts and callers, the call queue and the calls made.

The queue holds one entry per person a campaign means to call. An entry is handed to one caller
at a time under a lease (services.queue): `available_at` is when it may next be handed out (the
lease's expiry while leased, the time asked for a call-back), so one indexed range answers
"what can be called now". A person is held by at most one lease in the whole database (a
partial unique index), whichever campaign holds them.
"""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from clp.models import TimeStampedModel
from members.models import PHONE_OUTCOMES, Intention, Outcome

# The law (PECR) and the party's code of practice: no calls before 09:00 or after 21:00.
EARLIEST_CALL = datetime.time(9, 0)
LATEST_CALL = datetime.time(21, 0)
DEFAULT_OUTCOMES = list(PHONE_OUTCOMES)
# The shared vocabulary's words, as a caller would say them on the phone.
PHONE_WORDS = {Outcome.NOT_IN: "No answer", Outcome.SPOKE: "Spoke to them"}


# Outcomes where nobody was reached: tried again later, and watched for on the board.
NOT_REACHED = frozenset({Outcome.NOT_IN, Outcome.VOICEMAIL, Outcome.BUSY})


def outcome_words(code: str) -> str:
    return PHONE_WORDS.get(code) or Outcome(code).label


def call_seconds(handed_at, dialled_at, ended_at) -> int:
    """How long a call took: from dialling (or from being handed the contact) to the result
    being saved."""
    return int((ended_at - (dialled_at or handed_at)).total_seconds())


DEFAULT_INTENTIONS = [c for c in Intention.values if c not in (Intention.SNP, Intention.PLAID)]


# Times of day as callables: Django's checks take a fixed time default to be a mistaken "now"
# in the ten seconds around it each day (`check --deploy` failed at 20:00:00 once).
def weekday_start_default():
    return datetime.time(9, 0)


def weekday_end_default():
    return datetime.time(20, 0)


def weekend_start_default():
    return datetime.time(10, 0)


def weekend_end_default():
    return datetime.time(18, 0)


def default_outcomes():
    return list(DEFAULT_OUTCOMES)


def default_intentions():
    return list(DEFAULT_INTENTIONS)


class CallCampaign(TimeStampedModel):
    """A phone bank: whom to call, what to say and ask, when, and who may call."""

    PERSONAL_DATA = False

    class Mode(models.TextChoices):
        SEGMENT = "segment", "Voters in a segment"
        AREA = "area", "Everyone reachable in an area"
        MEMBERS = "members", "Members and volunteers"

    class Status(models.TextChoices):
        DRAFT = "draft", "Being set up"
        ACTIVE = "active", "Calling"
        PAUSED = "paused", "Paused"
        CLOSED = "closed", "Closed"

    constituency = models.ForeignKey(
        "members.Constituency", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=150)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.SEGMENT)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    purpose = models.CharField(
        max_length=150, blank=True, help_text="e.g. Welcome calls, renewals, persuasion."
    )
    # Whom to call: the segment (mode "segment"), the wards and districts (mode "area"; also
    # narrows the other modes when set), membership statuses and tags (mode "members").
    segment = models.ForeignKey(
        "members.Segment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    wards = models.ManyToManyField("members.Ward", blank=True, related_name="+")
    polling_districts = models.ManyToManyField(
        "members.PollingDistrict", blank=True, related_name="+"
    )
    member_statuses = models.JSONField(default=list, blank=True)
    tags = models.ManyToManyField("members.Tag", blank=True, related_name="+")
    # What to say first; the questions follow as ScriptSteps.
    introduction = models.TextField(blank=True)
    outcomes = models.JSONField(default=default_outcomes)
    intentions = models.JSONField(default=default_intentions, blank=True)
    # Calling window, UK local time.
    weekday_start = models.TimeField(default=weekday_start_default)
    weekday_end = models.TimeField(default=weekday_end_default)
    weekend_start = models.TimeField(default=weekend_start_default)
    weekend_end = models.TimeField(default=weekend_end_default)
    recent_days = models.PositiveSmallIntegerField(
        default=7, help_text="Skip people contacted by any channel in this many days."
    )
    lease_minutes = models.PositiveSmallIntegerField(default=15)
    retry_hours = models.PositiveSmallIntegerField(
        default=4, help_text="Try again after no answer, voicemail or busy, this much later."
    )
    max_attempts = models.PositiveSmallIntegerField(default=3)
    # Callers: holders of the caller role whose area covers `caller_ward` (the whole CLP when
    # empty), and whoever joins with the code while it lasts.
    caller_ward = models.ForeignKey(
        "members.Ward", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    join_code = models.CharField(max_length=12, null=True, blank=True, unique=True)
    join_code_expires_at = models.DateTimeField(null=True, blank=True)
    queue_built_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["constituency", "name"], name="call_campaign_name_unique"
            )
        ]

    def __str__(self):
        return self.name

    def outcome_choices(self) -> list[tuple[str, str]]:
        return [(c, outcome_words(c)) for c in PHONE_OUTCOMES if c in self.outcomes]

    def intention_choices(self) -> list[tuple[str, str]]:
        return [(c, Intention(c).label) for c in Intention.values if c in self.intentions]


class ScriptStep(TimeStampedModel):
    """One step of a campaign's script: words to say, and a question from the bank. After it
    comes the next step, unless `branches` sends a given answer elsewhere:
    {"no": 5, "Labour": 0} (0 ends the script)."""

    PERSONAL_DATA = False

    campaign = models.ForeignKey(CallCampaign, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    text = models.TextField(blank=True, help_text="What to say, or a note for the caller.")
    question = models.ForeignKey(
        "members.Question", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    branches = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "position"], name="script_step_position_unique"
            )
        ]

    def __str__(self):
        return f"Step {self.position}"


class CampaignCaller(TimeStampedModel):
    """Someone calling for a campaign: by their caller role, or by the campaign's join code
    (which makes them a caller for this campaign only, until `expires_at`)."""

    PERSONAL_DATA = True

    campaign = models.ForeignKey(CallCampaign, on_delete=models.CASCADE, related_name="callers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_by_code = models.BooleanField(default=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    # Opt-in recognition: their running totals beside the team's, and their name on the
    # campaign's thank-you list.
    shows_totals = models.BooleanField(default=False)
    # For a bridged call (telephony.py): the caller's own number, never shown to the voter.
    bridge_number = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="campaign_caller_once")
        ]

    def __str__(self):
        return f"{self.user} on {self.campaign}"


class QueueEntryQuerySet(models.QuerySet):
    def release(self, now) -> int:
        """Put these entries back in line from `now`, held by nobody (a lease handed back,
        run out, or taken from a paused or removed caller)."""
        return self.update(
            state=QueueEntry.State.WAITING,
            available_at=now,
            leased_by=None,
            lease_id=None,
            leased_at=None,
        )


class QueueEntry(models.Model):
    """One person a campaign means to call, and where their call stands."""

    PERSONAL_DATA = True

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting"
        LEASED = "leased", "With a caller"
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped"

    campaign = models.ForeignKey(
        CallCampaign, on_delete=models.CASCADE, related_name="queue", db_index=False
    )
    person = models.ForeignKey("members.Person", on_delete=models.CASCADE, related_name="+")
    phone = models.ForeignKey(
        "members.ContactPhone", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.WAITING)
    available_at = models.DateTimeField()
    leased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    lease_id = models.UUIDField(null=True, blank=True)
    leased_at = models.DateTimeField(null=True, blank=True)
    dialled_at = models.DateTimeField(null=True, blank=True)
    # A call-back: handed first to the caller who arranged it, until `reserved_until`.
    reserved_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    reserved_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_called_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=4, blank=True)
    skip_reason = models.CharField(max_length=100, blank=True)

    objects = QueueEntryQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="queue_person_once"),
            # Never the same person to two callers, across every campaign.
            models.UniqueConstraint(
                fields=["person"], condition=Q(state="leased"), name="queue_one_lease_per_person"
            ),
        ]
        indexes = [
            models.Index(
                fields=["campaign", "available_at", "id"],
                condition=Q(state__in=["waiting", "leased"]),
                name="queue_next_to_call",
            ),
            models.Index(
                fields=["reserved_for", "campaign", "available_at"],
                condition=Q(reserved_for__isnull=False),
                name="queue_call_backs",
            ),
            models.Index(
                fields=["leased_by", "campaign"],
                condition=Q(state="leased"),
                name="queue_held_by",
            ),
            # A result or a hand-back names its lease.
            models.Index(
                fields=["lease_id"], condition=Q(lease_id__isnull=False), name="queue_lease"
            ),
        ]

    def __str__(self):
        return f"{self.campaign_id}: person {self.person_id} ({self.state})"


class Call(models.Model):
    """One call a caller made (or tried), written with its contact in members, whose id it
    shares; its id is the lease's, so a result posted twice is stored once."""

    PERSONAL_DATA = True

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(CallCampaign, on_delete=models.CASCADE, related_name="calls")
    person = models.ForeignKey("members.Person", on_delete=models.CASCADE, related_name="+")
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    number = models.CharField(max_length=20, blank=True)
    handed_at = models.DateTimeField()
    dialled_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField()
    outcome = models.CharField(max_length=4, choices=Outcome.choices)
    intention = models.CharField(max_length=4, choices=Intention.choices, blank=True)
    strength = models.PositiveSmallIntegerField(null=True, blank=True)
    call_back_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-ended_at"]
        indexes = [
            models.Index(fields=["campaign", "ended_at"], name="call_campaign_when"),
            models.Index(fields=["caller", "campaign"], name="call_caller"),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} at {self.ended_at:%d %b %H:%M}"

    @property
    def seconds(self) -> int:
        return call_seconds(self.handed_at, self.dialled_at, self.ended_at)
