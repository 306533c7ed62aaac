"""What imports keep: saved column layouts, uploaded batches, member matches waiting for a
decision, and suppressions (erased people not to re-add)."""

from django.db import models

from clp.models import TimeStampedModel
from members.models.geography import Constituency
from members.models.people import Elector, Membership


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
