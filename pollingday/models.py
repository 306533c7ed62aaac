"""Polling day: committee rooms, volunteers' shifts, tellers' numbers and knock-up lists.

Elections, absent voters and vote history are shared records (members.models.elections); this
app runs the day on them. Its loop: tellers mark who has voted (Telling) → the promises who
have not are cut into knock-up lists by street (KnockUpList) → runners knock them up (Knock,
each also a contact in the shared record) → the boards count it all.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from clp.models import TimeStampedModel
from members.models import (
    KNOCK_UP_OUTCOMES,
    Election,
    Elector,
    Person,
    PollingDistrict,
    PollingStation,
    Street,
)


class CommitteeRoom(TimeStampedModel):
    """Where the day is run from for some polling districts: runners set out from here."""

    PERSONAL_DATA = False

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="committee_rooms")
    name = models.CharField(max_length=120)
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    polling_districts = models.ManyToManyField(PollingDistrict, related_name="+", blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["election", "name"], name="committee_room_name_unique")
        ]

    def __str__(self):
        return self.name


class Shift(TimeStampedModel):
    """A slot volunteers sign up for: telling at a station, knocking up, driving, or staffing a
    committee room, with how many people it needs."""

    PERSONAL_DATA = False

    class Kind(models.TextChoices):
        TELLER = "teller", "Teller"
        KNOCKER = "knocker", "Knocking up"
        DRIVER = "driver", "Driver"
        ROOM = "room", "Committee room"

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="shifts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    polling_station = models.ForeignKey(
        PollingStation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    committee_room = models.ForeignKey(
        CommitteeRoom, null=True, blank=True, on_delete=models.CASCADE, related_name="shifts"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    wanted = models.PositiveSmallIntegerField(default=1, help_text="How many people it needs.")
    notes = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_it_starts"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class ShiftSignup(models.Model):
    """A volunteer down for a shift."""

    PERSONAL_DATA = True

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="signups")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    signed_up_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shift", "user"], name="shift_signup_once")]

    def __str__(self):
        return f"{self.user_id} on shift {self.shift_id}"


class Telling(models.Model):
    """A teller's number: this elector has voted, as seen at this station. `id` is the id the
    teller's phone gave the entry, so a replayed sync stores nothing twice; at most one
    standing (not undone) entry per elector and election, so a repeat is ignored."""

    PERSONAL_DATA = True

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="+")
    polling_station = models.ForeignKey(
        PollingStation, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    polling_district = models.ForeignKey(
        PollingDistrict, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    elector = models.ForeignKey(Elector, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    told_at = models.DateTimeField(help_text="When the teller took the number.")
    received_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["election", "elector"],
                condition=Q(undone_at__isnull=True),
                name="telling_once_per_elector",
            )
        ]
        indexes = [
            # Turnout over the day and each station's last entry.
            models.Index(
                fields=["election", "polling_station", "told_at"], name="telling_station_when"
            ),
            models.Index(fields=["person"], name="telling_person"),
        ]

    def __str__(self):
        return f"{self.elector_id} voted at {self.polling_station_id}"


class KnockUpList(TimeStampedModel):
    """One round of knocking up some streets of a district: the promises there who had not
    voted when it was cut. The runner's phone hides whoever votes since."""

    PERSONAL_DATA = False

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="knock_up_lists")
    polling_district = models.ForeignKey(
        PollingDistrict, on_delete=models.PROTECT, related_name="+"
    )
    committee_room = models.ForeignKey(
        CommitteeRoom, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=120)
    round = models.PositiveSmallIntegerField(default=1)
    streets = models.ManyToManyField(Street, related_name="+", blank=True)
    # The electors as cut, in walk order; the page leaves out those who voted since.
    electors = models.ManyToManyField(Elector, through="KnockUpEntry", related_name="+")
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handed_out_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.name


class KnockUpEntry(models.Model):
    PERSONAL_DATA = False

    knock_up_list = models.ForeignKey(KnockUpList, on_delete=models.CASCADE, related_name="entries")
    elector = models.ForeignKey(Elector, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["knock_up_list", "elector"], name="knock_up_entry_once")
        ]

    def __str__(self):
        return f"{self.position}: elector {self.elector_id}"


class Knock(models.Model):
    """A runner's knock on a promise's door; also a contact (channel knock-up) in the shared
    record, written in the same transaction. `id` is the phone's id for it."""

    PERSONAL_DATA = True

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    knock_up_list = models.ForeignKey(KnockUpList, on_delete=models.CASCADE, related_name="knocks")
    elector = models.ForeignKey(Elector, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(
        max_length=4, choices=[(o.value, o.label) for o in KNOCK_UP_OUTCOMES]
    )
    knocked_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-knocked_at"]
        indexes = [models.Index(fields=["person"], name="knock_person")]

    def __str__(self):
        return f"{self.get_outcome_display()} at {self.knocked_at:%H:%M}"
