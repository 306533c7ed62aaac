"""Canvass campaigns, targets, walk lists with their leases, and doorstep results.

Doorstep results are append-only events: a correction is a new event, and the latest accepted
event for an elector is what counts. Each event's primary key is a UUID made on the phone, so a
batch synced twice (or from two phones) is stored once.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from clp.models import TimeStampedModel
from members import models as members_models

# The vocabulary is the shared database's: phone banking and polling day use the same codes.
Intention = members_models.Intention
Outcome = members_models.Outcome
DOOR_OUTCOMES = members_models.DOOR_OUTCOMES


# England: SNP and Plaid are not standing, so a new campaign starts without them.
DEFAULT_INTENTIONS = [c for c in Intention.values if c not in (Intention.SNP, Intention.PLAID)]
# A door has no number to get wrong.
DEFAULT_OUTCOMES = [c for c in DOOR_OUTCOMES if c != Outcome.WRONG_NUMBER]


def default_intentions():
    return list(DEFAULT_INTENTIONS)


def default_outcomes():
    return list(DEFAULT_OUTCOMES)


class CanvassCampaign(TimeStampedModel):
    """A canvass, e.g. "Spring 2027 locals — Castle", with its script, questions and codes."""

    PERSONAL_DATA = False

    constituency = models.ForeignKey(
        "members.Constituency", on_delete=models.PROTECT, related_name="canvass_campaigns"
    )
    name = models.CharField(max_length=150)
    script = models.TextField(blank=True, help_text="What to say at the door.")
    intentions = models.JSONField(
        default=default_intentions, help_text="Voting intention codes offered on the doorstep."
    )
    outcomes = models.JSONField(
        default=default_outcomes, help_text="Contact outcome codes offered on the doorstep."
    )
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["constituency", "name"], name="campaign_name_unique")
        ]

    def __str__(self):
        return self.name

    def intention_choices(self) -> list[tuple[str, str]]:
        labels = dict(Intention.choices)
        return [(code, labels.get(code, code)) for code in self.intentions]

    def outcome_choices(self) -> list[tuple[str, str]]:
        labels = dict(Outcome.choices)
        return [(code, labels.get(code, code)) for code in self.outcomes]


class SurveyQuestionManager(models.Manager):
    def get_queryset(self):
        # Every page that lists a campaign's questions shows their wording from the bank.
        return super().get_queryset().select_related("question")


class SurveyQuestion(TimeStampedModel):
    """A question from the constituency's question bank (members.Question), asked in this
    campaign at this place in the script. Doorstep answers name it by this row's id."""

    PERSONAL_DATA = False

    campaign = models.ForeignKey(
        CanvassCampaign, on_delete=models.CASCADE, related_name="questions"
    )
    question = models.ForeignKey(
        "members.Question", on_delete=models.PROTECT, related_name="canvass_uses"
    )
    order = models.PositiveIntegerField(default=0)

    objects = SurveyQuestionManager()

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "question"], name="campaign_question_once")
        ]

    def __str__(self):
        return self.text

    @property
    def text(self) -> str:
        return self.question.text

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def kind_label(self) -> str:
        return self.question.get_kind_display()

    @property
    def options(self) -> list[str]:
        """What the canvasser may pick from ([] for free text)."""
        return self.question.answer_values()


class Target(TimeStampedModel):
    """Who a campaign wants to reach: an optional segment narrowed by canvass filters.

    `filters` keys: wards, polling_districts (id lists), postal_voter / member ("yes"/"no"),
    never_canvassed (bool), and the shared record's contact filters
    (members.segments.apply_contact_filters: intentions, min_strength, max_strength,
    not_contacted_since, ...).
    """

    PERSONAL_DATA = False

    campaign = models.ForeignKey(CanvassCampaign, on_delete=models.CASCADE, related_name="targets")
    name = models.CharField(max_length=150)
    segment = models.ForeignKey(
        "members.Segment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filters = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.name


class WalkList(TimeStampedModel):
    """A set of doors in walk order, in one polling district, handed to a canvasser or a team.

    `checked_out_to` / `lease_expires_at` are the current lease: the list is not handed to
    anyone else until it is returned or the lease expires. They change only through a
    conditional UPDATE (see services.walk_list_checkout) so two requests cannot both win.
    """

    PERSONAL_DATA = False

    campaign = models.ForeignKey(
        CanvassCampaign, on_delete=models.CASCADE, related_name="walk_lists"
    )
    target = models.ForeignKey(
        Target, null=True, blank=True, on_delete=models.SET_NULL, related_name="walk_lists"
    )
    polling_district = models.ForeignKey(
        "members.PollingDistrict", on_delete=models.PROTECT, related_name="walk_lists"
    )
    name = models.CharField(max_length=200)
    join_code = models.CharField(max_length=8, unique=True)
    checked_out_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="walk_lists_held",
    )
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["polling_district__code", "pk"]  # cut order: "CA 2" before "CA 10"

    def __str__(self):
        return self.name

    @property
    def is_checked_out(self) -> bool:
        return bool(
            self.checked_out_to_id
            and self.lease_expires_at
            and self.lease_expires_at > timezone.now()
        )


class WalkListEntry(models.Model):
    """One elector on a walk list, at its place in walk order."""

    PERSONAL_DATA = True

    walk_list = models.ForeignKey(WalkList, on_delete=models.CASCADE, related_name="entries")
    elector = models.ForeignKey("members.Elector", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["walk_list", "elector"], name="walk_list_elector_once")
        ]

    def __str__(self):
        return f"{self.walk_list_id}#{self.position}"


class WalkListAssignment(TimeStampedModel):
    """Who holds (or held) a walk list and when: the lease history, and the team on it.

    A list assigned to a team has one assignment per member; the board runner's is marked.
    A canvasser may open the list only while their assignment is current.
    """

    PERSONAL_DATA = True

    walk_list = models.ForeignKey(WalkList, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="walk_list_assignments"
    )
    is_board_runner = models.BooleanField(default=False)
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When it was returned.")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self):
        return f"{self.walk_list} → {self.user}"


class CanvasserProfile(TimeStampedModel):
    """Canvassing facts about a volunteer: whether their results need an organiser's review."""

    PERSONAL_DATA = True

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="canvasser_profile"
    )
    is_new = models.BooleanField(
        default=False, help_text="New volunteers' results wait for review before they count."
    )

    def __str__(self):
        return f"{self.user} ({'new' if self.is_new else 'trusted'})"


class CanvassResultQuerySet(models.QuerySet):
    def counting(self):
        """Results that count: accepted (not waiting for review, not rejected)."""
        return self.filter(review_status=CanvassResult.Review.ACCEPTED)

    def latest_first(self):
        return self.order_by("-recorded_at", "-received_at")


class CanvassResult(models.Model):
    """One doorstep (or paper) result for one elector: an append-only event."""

    PERSONAL_DATA = True

    Review = members_models.Review

    class Source(models.TextChoices):
        DOORSTEP = "doorstep", "Doorstep app"
        PAPER = "paper", "Paper walk sheet"

    class Poster(models.TextChoices):
        NONE = "", "No"
        POSTER = "poster", "Window poster"
        BOARD = "board", "Garden board"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(CanvassCampaign, on_delete=models.CASCADE, related_name="results")
    walk_list = models.ForeignKey(
        WalkList, null=True, blank=True, on_delete=models.SET_NULL, related_name="results"
    )
    elector = models.ForeignKey(
        "members.Elector", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    person = models.ForeignKey(
        "members.Person", on_delete=models.CASCADE, related_name="canvass_results"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who typed a paper result in, when not the canvasser who recorded it.",
    )
    recorded_at = models.DateTimeField(help_text="When the canvasser recorded it (phone clock).")
    received_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.DOORSTEP)
    outcome = models.CharField(max_length=4, choices=Outcome.choices)
    intention = models.CharField(max_length=4, choices=Intention.choices, blank=True)
    strength = models.PositiveSmallIntegerField(null=True, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    issues = models.CharField(max_length=300, blank=True)
    wants_postal_vote = models.BooleanField(default=False)
    wants_to_volunteer = models.BooleanField(default=False)
    poster = models.CharField(max_length=10, choices=Poster.choices, blank=True)
    note = models.TextField(blank=True)
    review_status = models.CharField(
        max_length=10, choices=Review.choices, default=Review.ACCEPTED, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.CharField(
        max_length=200,
        blank=True,
        help_text="Why it waits for review beyond the canvasser being new, e.g. sent late.",
    )

    objects = CanvassResultQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [
            models.Index(fields=["elector", "review_status", "recorded_at"]),
            models.Index(fields=["person", "recorded_at"]),
            models.Index(fields=["walk_list", "review_status"]),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} ({self.recorded_at:%d %b %Y})"
