"""People and what the register says of them: register editions, tags, people with their
emails and phones (and consent), electors, memberships, saved segments."""

import builtins

from django.db import models
from django.db.models import ExpressionWrapper, Q, Value
from django.db.models.functions import Concat

from clp.models import TimeStampedModel
from members.models.geography import (
    LINK_CHECKED_BY_DJANGO,
    Branch,
    Constituency,
    PollingDistrict,
    Property,
)
from members.querysets import ElectorQuerySet, PersonQuerySet


class RegisterEdition(TimeStampedModel):
    """One published register (or monthly update) that electors were imported from."""

    PERSONAL_DATA = False

    class Kind(models.TextChoices):
        FULL = "full", "Full register"
        UPDATE = "update", "Monthly update"

    constituency = models.ForeignKey(
        Constituency, on_delete=models.PROTECT, related_name="register_editions"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FULL)
    published_on = models.DateField()
    label = models.CharField(max_length=120, blank=True)
    source_filename = models.CharField(max_length=255, blank=True)
    # The districts imported from this edition so far. Importing it again for one of them is a
    # correction: entries are matched by number alone and no one leaves the register.
    polling_districts = models.ManyToManyField(PollingDistrict, blank=True, related_name="+")

    class Meta:
        ordering = ["-published_on", "-id"]

    def __str__(self):
        return self.label or f"{self.get_kind_display()} {self.published_on:%b %Y}"


class Tag(TimeStampedModel):
    PERSONAL_DATA = False

    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Person(TimeStampedModel):
    """One human, on the register or not. Everything recorded about them hangs here, so an
    elector who moves or leaves the register keeps their history.

    `version` increases on every edit: a save based on an older version is refused rather
    than silently overwriting a newer one.
    """

    PERSONAL_DATA = True

    # Not indexed: a CLP's database holds one constituency, so the index would select
    # everything, and every import would pay for it.
    constituency = models.ForeignKey(
        Constituency,
        on_delete=models.PROTECT,
        related_name="people",
        db_index=False,
        **LINK_CHECKED_BY_DJANGO,
    )
    title = models.CharField(max_length=20, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    property = models.ForeignKey(
        Property,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
        **LINK_CHECKED_BY_DJANGO,
    )
    date_of_birth = models.DateField(null=True, blank=True)
    # One person per login, enforced by a unique index over the few people who have a login
    # (a one-to-one field would index the 100,000 imported people without one, too).
    user = models.ForeignKey(
        "clp.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    do_not_contact = models.BooleanField(default=False, help_text="No contact by any channel.")
    do_not_email = models.BooleanField(default=False)
    do_not_phone = models.BooleanField(default=False)
    do_not_text = models.BooleanField(default=False)
    do_not_post = models.BooleanField(default=False)
    do_not_canvass = models.BooleanField(default=False, help_text="No knocking on their door.")
    # Nobody writes to, calls or canvasses someone who has died (members/consent.py).
    # db_default: the register import inserts people with SQL naming its columns.
    deceased = models.BooleanField(default=False, db_default=False)
    tags = models.ManyToManyField(Tag, blank=True, related_name="people")
    notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    # When someone last changed this person by hand (the person editing pages and services set
    # it, with `version`). A register amendment published before it does not overwrite the
    # name or address typed in: the person is flagged for review instead (`review_reason`).
    # Imports never set it.
    edited_at = models.DateTimeField(null=True, blank=True)
    # What an organiser should check about this person, e.g. a register amendment that was not
    # applied because of a newer manual edit. Listed on the review page until cleared.
    review_reason = models.CharField(max_length=300, blank=True, default="", db_default="")
    # Reported deceased (a doorstep result, once it counts): off every target, walk list, call
    # queue, mailing and audience from then on (members.consent; querysets.living()).
    deceased_on = models.DateField(null=True, blank=True)
    # Reported as moved away (a doorstep result): the next register import says whether the
    # register confirms they left, and clears it when it does.
    moved_away_reported_on = models.DateField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # indexed below, only where set: almost every row is NULL
        help_text="Set when this record was found to be the same human as another.",
    )

    # The polling district of the person's home: their register entry's, else their address's
    # (members/home_district.py, kept by every writer). An area's people are then one indexed
    # column, not a look through each person's register entries.
    polling_district = models.ForeignKey(
        PollingDistrict,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        **LINK_CHECKED_BY_DJANGO,
    )
    # Neither erased nor merged, as one boolean: without statistics (a table not yet analysed
    # after a big import) Postgres assumes `IS NULL` matches 0.5% of rows, so two of them made
    # it plan for one person out of 120,000; a boolean it assumes is true for half.
    is_current = models.GeneratedField(
        expression=ExpressionWrapper(
            Q(erased_at__isnull=True, merged_into__isnull=True), output_field=models.BooleanField()
        ),
        output_field=models.BooleanField(),
        db_persist=True,
    )

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(user__isnull=False), name="person_user_unique"
            )
        ]
        indexes = [
            models.Index(fields=["last_name", "first_name"]),
            models.Index(
                fields=["merged_into"],
                name="person_merged_into",
                condition=Q(merged_into__isnull=False),
            ),
            # Each register import looks up the few people reported as moved away.
            models.Index(
                fields=["moved_away_reported_on"],
                name="person_moved_away_reported",
                condition=Q(moved_away_reported_on__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}".strip() or f"Person #{self.pk}"


class ConsentState(models.TextChoices):
    GRANTED = "granted", "Consent given"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"
    UNKNOWN = "unknown", "Not asked"


class ContactEmail(TimeStampedModel):
    PERSONAL_DATA = True

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="emails")
    address = models.EmailField()
    consent = models.CharField(
        max_length=10, choices=ConsentState.choices, default=ConsentState.UNKNOWN
    )
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    consent_source = models.CharField(
        max_length=100, blank=True, help_text="How consent was given, e.g. a petition form."
    )
    consent_wording = models.TextField(blank=True, help_text="The words they agreed to.")
    consent_recorded_by = models.ForeignKey(
        "clp.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=100, blank=True, help_text="Where this came from.")
    is_primary = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "address"], name="person_email_unique")
        ]

    def __str__(self):
        return self.address


class ContactPhone(TimeStampedModel):
    PERSONAL_DATA = True

    class Kind(models.TextChoices):
        MOBILE = "mobile", "Mobile"
        LANDLINE = "landline", "Landline"
        UNKNOWN = "unknown", "Unknown"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(max_length=20, help_text="E.164, e.g. +447700900123.")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.UNKNOWN)
    consent = models.CharField(
        max_length=10, choices=ConsentState.choices, default=ConsentState.UNKNOWN
    )
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    consent_source = models.CharField(
        max_length=100, blank=True, help_text="How consent was given, e.g. a petition form."
    )
    consent_wording = models.TextField(blank=True, help_text="The words they agreed to.")
    consent_recorded_by = models.ForeignKey(
        "clp.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=100, blank=True)
    tps_registered = models.BooleanField(
        default=False, help_text="On the Telephone Preference Service."
    )
    # Someone answering said this is not the person's number: never dialled or texted again
    # (members/consent.py), whatever its consent.
    wrong_number_reported_at = models.DateTimeField(null=True, blank=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "number"], name="person_phone_unique")
        ]

    def __str__(self):
        return self.number


class Elector(TimeStampedModel):
    """One entry of the electoral register: polling district + elector number + suffix.

    Shown as "AB-123/1" (suffix only when non-zero). Linked to the Person it describes; the
    person outlives the entry, so nothing recorded is lost when the entry leaves the register.
    """

    PERSONAL_DATA = True

    # A copy of polling_district.constituency kept for filtering. The district and edition
    # are indexed by the unique constraint below (district first, so that it also serves
    # look-ups by PD/number).
    constituency = models.ForeignKey(
        Constituency,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        **LINK_CHECKED_BY_DJANGO,
    )
    polling_district = models.ForeignKey(
        PollingDistrict,
        on_delete=models.PROTECT,
        related_name="electors",
        db_index=False,
        **LINK_CHECKED_BY_DJANGO,
    )
    number = models.PositiveIntegerField()
    suffix = models.PositiveIntegerField(default=0)
    # The edition this entry's current details came from: a re-import rewrites only the
    # entries it changes, so an entry the next register repeats word for word keeps the
    # edition it was first (or last differently) listed in.
    edition = models.ForeignKey(
        RegisterEdition,
        on_delete=models.PROTECT,
        related_name="electors",
        db_index=False,
        **LINK_CHECKED_BY_DJANGO,
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="elector_entries", **LINK_CHECKED_BY_DJANGO
    )
    property = models.ForeignKey(
        Property,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="electors",
        **LINK_CHECKED_BY_DJANGO,
    )
    title = models.CharField(max_length=20, blank=True)
    surname = models.CharField(max_length=100)
    forenames = models.CharField(max_length=150, blank=True)
    markers = models.CharField(max_length=20, blank=True, help_text="Register markers, e.g. FZ.")
    # Both names in one column, so that name search needs one trigram index, not two: every
    # import pays for each index on 100,000 rows.
    search_name = models.GeneratedField(
        expression=Concat("surname", Value(" "), "forenames"),
        output_field=models.CharField(max_length=271),
        db_persist=True,
    )
    attainer_date = models.DateField(null=True, blank=True, help_text="Date they turn 18.")
    date_of_birth = models.DateField(null=True, blank=True)
    is_postal_voter = models.BooleanField(default=False)
    is_proxy_voter = models.BooleanField(default=False)
    open_register_opt_out = models.BooleanField(default=False)
    on_register = models.BooleanField(default=True)
    left_register_on = models.DateField(null=True, blank=True)

    objects = ElectorQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["polling_district", "number", "suffix", "edition"],
                name="elector_number_unique_per_edition",
            )
        ]
        # Name search uses the trigram indexes (migration 0004); no b-tree on names, which
        # every import would pay for and no query uses.

    @builtins.property  # the `property` field above shadows the builtin in this class body
    def elector_number(self) -> str:
        suffix = f"/{self.suffix}" if self.suffix else ""
        return f"{self.polling_district.code}-{self.number}{suffix}"

    def __str__(self):
        return f"{self.forenames} {self.surname}".strip()


class Membership(TimeStampedModel):
    PERSONAL_DATA = True

    class Status(models.TextChoices):
        MEMBER = "member", "Member"
        ARREARS = "arrears", "In arrears"
        LAPSED = "lapsed", "Lapsed"
        RESIGNED = "resigned", "Resigned"
        EXPELLED = "expelled", "Expelled"
        SUSPENDED = "suspended", "Suspended"
        DECEASED = "deceased", "Deceased"

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="membership")
    number = models.CharField(max_length=30, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.MEMBER)
    branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.SET_NULL, related_name="memberships"
    )
    joined_on = models.DateField(null=True, blank=True)
    lapsed_on = models.DateField(null=True, blank=True)
    in_arrears = models.BooleanField(default=False)
    roles_held = models.CharField(max_length=255, blank=True, help_text="e.g. Branch secretary.")

    def __str__(self):
        return f"{self.number} ({self.get_status_display()})"


class Segment(TimeStampedModel):
    """A saved, named filter over people and electors, reused by every tool."""

    PERSONAL_DATA = False

    constituency = models.ForeignKey(
        Constituency, on_delete=models.PROTECT, related_name="segments"
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    filters = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        "clp.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["constituency", "name"], name="segment_name_unique")
        ]

    def __str__(self):
        return self.name
