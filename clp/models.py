import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clp.roles import RoleCode


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Someone who logs in: a volunteer, organiser, member or the IT manager."""

    PERSONAL_DATA = True

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May open the Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)
    invited_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return (self.full_name.split() or [self.email])[0]


class Role(models.Model):
    """A named role (rows made by data migration; see docs/roles.md)."""

    PERSONAL_DATA = False

    code = models.CharField(max_length=20, unique=True, choices=RoleCode.choices)
    name = models.CharField(max_length=60)
    description = models.TextField()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class RoleGrantQuerySet(models.QuerySet):
    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on), starts_on__lte=on)


class RoleGrant(TimeStampedModel):
    """A role held by a user over one area: the whole CLP, a ward, a branch or a polling district.

    An expired grant gives nothing; access code only ever reads `RoleGrant.objects.active()`.
    """

    PERSONAL_DATA = True

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.ForeignKey(Role, to_field="code", on_delete=models.PROTECT)
    constituency = models.ForeignKey(
        "members.Constituency", null=True, blank=True, on_delete=models.CASCADE
    )
    ward = models.ForeignKey("members.Ward", null=True, blank=True, on_delete=models.CASCADE)
    branch = models.ForeignKey("members.Branch", null=True, blank=True, on_delete=models.CASCADE)
    polling_district = models.ForeignKey(
        "members.PollingDistrict", null=True, blank=True, on_delete=models.CASCADE
    )
    starts_on = models.DateField(default=timezone.localdate)
    expires_on = models.DateField(null=True, blank=True)
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RoleGrantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="role_grant_has_exactly_one_area",
                condition=(
                    Q(
                        constituency__isnull=False,
                        ward__isnull=True,
                        branch__isnull=True,
                        polling_district__isnull=True,
                    )
                    | Q(
                        constituency__isnull=True,
                        ward__isnull=False,
                        branch__isnull=True,
                        polling_district__isnull=True,
                    )
                    | Q(
                        constituency__isnull=True,
                        ward__isnull=True,
                        branch__isnull=False,
                        polling_district__isnull=True,
                    )
                    | Q(
                        constituency__isnull=True,
                        ward__isnull=True,
                        branch__isnull=True,
                        polling_district__isnull=False,
                    )
                ),
            )
        ]

    @property
    def area(self):
        return self.constituency or self.ward or self.branch or self.polling_district

    def clean(self):
        areas = [self.constituency_id, self.ward_id, self.branch_id, self.polling_district_id]
        if sum(a is not None for a in areas) != 1:
            raise ValidationError(
                "Choose exactly one area: the CLP, a ward, a branch or a district."
            )

    def __str__(self):
        until = f" until {self.expires_on:%d %b %Y}" if self.expires_on else ""
        return f"{self.role_id} for {self.area}{until}"


class AuditEntry(models.Model):
    """One line of the append-only audit log: who did what to which record, when, from where.

    Services write entries in the same transaction as the change they describe. Rows are never
    updated or deleted by the application (and on Postgres a trigger refuses it).
    """

    PERSONAL_DATA = True

    class Kind(models.TextChoices):
        CHANGE = "change", "Change"
        BULK_READ = "bulk_read", "Bulk read of personal data"
        SECURITY = "security", "Security event"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_entries"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CHANGE)
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=80, blank=True, db_index=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    why = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Audit entries cannot be deleted.")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label or 'system'} {self.action}"


class Job(TimeStampedModel):
    """A piece of background work with its state and progress, so a page can show a bar."""

    PERSONAL_DATA = False

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Failed"
        # Stopped to ask its user something (an import with many leavers): not a failure;
        # answering starts a new job.
        WAITING = "waiting", "Waiting for you"

    kind = models.CharField(max_length=50, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # What to send again when the job has to be started again (a Celery task name).
    task_name = models.CharField(max_length=200, blank=True)
    # When a message was last sent for it: a job still waiting long after has lost its message.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # Touched every few seconds while a worker runs it: an old one means the worker died.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Times it was started again after its worker stopped or its message was lost, and why.
    restarts = models.PositiveIntegerField(default=0)
    notice = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def is_finished(self):
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED, self.Status.WAITING)

    @property
    def is_stalled(self):
        """Running, but no sign of life from its worker for longer than JOB_STALL_SECONDS."""
        if self.status != self.Status.RUNNING:
            return False
        last_sign = self.heartbeat_at or self.started_at or self.updated_at
        return last_sign is not None and last_sign < timezone.now() - datetime.timedelta(
            seconds=settings.JOB_STALL_SECONDS
        )

    @property
    def is_stuck_waiting(self):
        """Waiting for longer than JOB_QUEUED_RESEND_SECONDS since its message was sent."""
        if self.status != self.Status.QUEUED:
            return False
        sent = self.enqueued_at or self.created_at
        return sent is not None and sent < timezone.now() - datetime.timedelta(
            seconds=settings.JOB_QUEUED_RESEND_SECONDS
        )

    @property
    def percent(self):
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.get_status_display()})"
