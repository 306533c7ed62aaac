import builtins
import uuid

from django.db import models
from django.db.models import ExpressionWrapper, Q, Value
from django.db.models.functions import Concat
from django.utils import timezone

from clp.models import TimeStampedModel
from members.querysets import ElectorQuerySet, PersonQuerySet

# Links an import writes 100,000 times to rows the application never deletes: reference
# tables set up once (constituency, polling district, register edition, street), addresses
# (property) and people (erasure anonymises a person; a merge marks it merged). Django still
# enforces on_delete (PROTECT refuses, SET_NULL clears) for every ORM delete; the database
# does not check them too, as it would run one check per row per link at commit (measured:
# about half of a 100,000-row import's time before these links were left to Django; see
# members/README.md). Links other apps make to people and electors stay checked by the
# database.
LINK_CHECKED_BY_DJANGO = {"db_constraint": False}


class Constituency(TimeStampedModel):
    """The top of the geography tree: one CLP. A deployment may host several."""

    PERSONAL_DATA = False

    name = models.CharField(max_length=120, unique=True)
    code = models.CharField(max_length=12, blank=True, help_text="ONS code, e.g. E14001234.")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "constituencies"

    def __str__(self):
        return self.name


class GeographyQuerySet(models.QuerySet):
    def in_use(self):
        """Not retired: what pickers and new work offer."""
        return self.filter(retired_on__isnull=True)


# Wards, branches, districts and stations are retired, never deleted: electors, history and
# grants point at them. A retired one keeps its records and stops appearing in pickers.
RETIRED_HELP = "The day it stopped being used; it then leaves every picker. Never deleted."


class Ward(TimeStampedModel):
    PERSONAL_DATA = False

    constituency = models.ForeignKey(Constituency, on_delete=models.PROTECT, related_name="wards")
    name = models.CharField(max_length=120)
    code = models.CharField(max_length=12, blank=True)
    retired_on = models.DateField(null=True, blank=True, help_text=RETIRED_HELP)

    objects = GeographyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["constituency", "name"], name="ward_name_unique")
        ]

    def __str__(self):
        return self.name


class Branch(TimeStampedModel):
    """A local party branch, covering one or more wards."""

    PERSONAL_DATA = False

    constituency = models.ForeignKey(
        Constituency, on_delete=models.PROTECT, related_name="branches"
    )
    name = models.CharField(max_length=120)
    wards = models.ManyToManyField(Ward, related_name="branches", blank=True)
    retired_on = models.DateField(null=True, blank=True, help_text=RETIRED_HELP)

    objects = GeographyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "branches"
        constraints = [
            models.UniqueConstraint(fields=["constituency", "name"], name="branch_name_unique")
        ]

    def __str__(self):
        return self.name


class PollingDistrict(TimeStampedModel):
    """A polling district, known by its code (e.g. "AB"), inside one ward.

    The ward may be left empty when a district is created from a council file and set later:
    until then only CLP-wide grants cover the district."""

    PERSONAL_DATA = False

    constituency = models.ForeignKey(
        Constituency, on_delete=models.PROTECT, related_name="polling_districts"
    )
    ward = models.ForeignKey(
        Ward,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="polling_districts",
    )
    code = models.CharField(max_length=10)
    name = models.CharField(max_length=120, blank=True)
    polling_station = models.ForeignKey(
        "PollingStation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="polling_districts",
    )
    retired_on = models.DateField(null=True, blank=True, help_text=RETIRED_HELP)

    objects = GeographyQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["constituency", "code"], name="pd_code_unique")
        ]

    def __str__(self):
        return f"{self.code} {self.name}".strip()


class PollingStation(TimeStampedModel):
    """Where the electors of one or more polling districts vote."""

    PERSONAL_DATA = False

    constituency = models.ForeignKey(
        Constituency, on_delete=models.PROTECT, related_name="polling_stations"
    )
    code = models.CharField(max_length=30, blank=True, help_text="The council's station id.")
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    uprn = models.CharField(max_length=12, blank=True, db_index=True)
    retired_on = models.DateField(null=True, blank=True, help_text=RETIRED_HELP)

    objects = GeographyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Street(TimeStampedModel):
    PERSONAL_DATA = False

    constituency = models.ForeignKey(Constituency, on_delete=models.PROTECT, related_name="streets")
    name = models.CharField(max_length=200)
    town = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["name", "town"]
        constraints = [
            models.UniqueConstraint(fields=["constituency", "name", "town"], name="street_unique")
        ]

    def __str__(self):
        return f"{self.name}, {self.town}" if self.town else self.name


class Property(TimeStampedModel):
    """An address: the people living at one property make a household.

    `address_key` (normalised address lines + postcode) identifies the property on re-import
    when the council gives no UPRN. `house_number`, `house_suffix` and `flat` order walk lists.
    """

    PERSONAL_DATA = False

    # Indexed by the unique (constituency, address_key) constraint below. Links to the
    # reference tables (constituency, district, street) are kept by Django, not the database:
    # see LINK_CHECKED_BY_DJANGO above.
    constituency = models.ForeignKey(
        Constituency,
        on_delete=models.PROTECT,
        related_name="properties",
        db_index=False,
        **LINK_CHECKED_BY_DJANGO,
    )
    polling_district = models.ForeignKey(
        PollingDistrict,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="properties",
        **LINK_CHECKED_BY_DJANGO,
    )
    street = models.ForeignKey(
        Street,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="properties",
        db_index=False,  # walk lists reach streets from addresses, never the other way
        **LINK_CHECKED_BY_DJANGO,
    )
    address_key = models.CharField(max_length=255)
    address_lines = models.JSONField(default=list, help_text="Address lines without the postcode.")
    postcode = models.CharField(max_length=10, blank=True)
    uprn = models.CharField(max_length=12, blank=True, help_text="No leading zeros.")
    house_number = models.PositiveIntegerField(null=True, blank=True)
    house_suffix = models.CharField(max_length=10, blank=True)
    flat = models.CharField(max_length=50, blank=True)

    class Meta:
        verbose_name_plural = "properties"
        constraints = [
            models.UniqueConstraint(
                fields=["constituency", "address_key"], name="property_key_unique"
            )
        ]
        # Plain b-tree indexes for exact matches (a field's db_index would add a second,
        # LIKE-pattern index on Postgres that no query uses and every import pays for).
        indexes = [
            models.Index(fields=["postcode"], name="property_postcode"),
            # Registers carry no UPRN: only the council's address exports fill it in.
            models.Index(fields=["uprn"], name="property_uprn", condition=~Q(uprn="")),
        ]

    def __str__(self):
        return ", ".join([*self.address_lines, self.postcode]).strip(", ")


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


class SavedLayout(TimeStampedModel):
    """A column mapping an organiser made for a file layout we did not recognise, reused when a
    file with the same header arrives again."""

    PERSONAL_DATA = False

    constituency = models.ForeignKey(
        Constituency, on_delete=models.CASCADE, related_name="saved_layouts"
    )
    kind = models.CharField(max_length=20)
    name = models.CharField(max_length=120)
    header_signature = models.CharField(max_length=64, help_text="Hash of the normalised header.")
    mapping = models.JSONField(default=dict, help_text="Our field name → the file's column header.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["constituency", "kind", "header_signature"], name="saved_layout_unique"
            )
        ]

    def __str__(self):
        return self.name


class ImportBatch(TimeStampedModel):
    """One uploaded file and what became of it. The file is kept only until it is imported."""

    PERSONAL_DATA = True

    class Kind(models.TextChoices):
        REGISTER = "register", "Full electoral register"
        UPDATE = "update", "Monthly register update"
        ADDRESSES = "addresses", "Council address export"
        MEMBERS = "members", "Party membership list"

    class Status(models.TextChoices):
        NEEDS_MAPPING = "mapping", "Needs a column mapping"
        READY = "ready", "Ready to import"
        RUNNING = "running", "Importing"
        # Stopped before writing: the file would mark many electors as having left, or names
        # polling districts that are not set up yet.
        NEEDS_CONFIRMING = "confirm", "Waiting for you to confirm"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    constituency = models.ForeignKey(Constituency, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.READY)
    filename = models.CharField(max_length=255)
    content = models.BinaryField(blank=True, default=b"")
    layout = models.CharField(max_length=120, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    published_on = models.DateField(null=True, blank=True)
    job = models.ForeignKey(
        "clp.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    report = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        "clp.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the kept file was deleted unimported (UPLOAD_RETENTION_DAYS after its last change).
    upload_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "import batches"

    def __str__(self):
        return f"{self.get_kind_display()}: {self.filename}"


class MemberMatch(TimeStampedModel):
    """An uncertain match between a member and a register entry, waiting for an organiser."""

    PERSONAL_DATA = True

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        ACCEPTED = "accepted", "Same person"
        REJECTED = "rejected", "Not the same person"

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="matches")
    elector = models.ForeignKey(Elector, on_delete=models.CASCADE, related_name="member_matches")
    score = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        "clp.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["membership", "elector"], name="member_match_unique")
        ]


class Suppression(TimeStampedModel):
    """Hashed identifiers of someone whose record was erased, so no import re-adds them.

    Only one-way hashes are kept (name+postcode, email, phone); they identify nobody on their own
    but recognise the same person if a later file brings them back.
    """

    PERSONAL_DATA = True

    constituency = models.ForeignKey(Constituency, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64)
    kind = models.CharField(max_length=20)  # name_postcode | email | phone

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["constituency", "digest"], name="suppression_unique")
        ]


# --- Contacts and answers: every interaction with a person, whatever tool recorded it ---------


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
