"""Elections and what the council says of each elector in them: who votes by post or proxy (the
absent voters list, and which postal ballots came back), and afterwards who voted (the marked
register). Shared: segments filter on vote history and targeting builds on segments, while
polling day (pollingday) runs the day itself on these elections."""

import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone

from clp.models import TimeStampedModel
from members.models.geography import Constituency, PollingDistrict
from members.models.people import Elector, Person

POLLS_OPEN = datetime.time(7, 0)
POLLS_CLOSE = datetime.time(22, 0)


# Callables: Django's checks take a fixed time default to be a mistaken "now" in the ten
# seconds around it each day.
def polls_open_default():
    return POLLS_OPEN


def polls_close_default():
    return POLLS_CLOSE


class Election(TimeStampedModel):
    """One poll: its day, kind and the polling districts that vote in it."""

    PERSONAL_DATA = False

    class Kind(models.TextChoices):
        PARLIAMENTARY = "parliamentary", "UK Parliament (general election)"
        LOCAL = "local", "Local council"
        MAYORAL = "mayoral", "Mayoral"
        PCC = "pcc", "Police and crime commissioner"
        BY_ELECTION = "by", "By-election"

    constituency = models.ForeignKey(
        Constituency, on_delete=models.PROTECT, related_name="elections"
    )
    name = models.CharField(max_length=120, help_text="e.g. General election 2029.")
    kind = models.CharField(max_length=15, choices=Kind.choices)
    polls_on = models.DateField("polling day")
    opens_at = models.TimeField(default=polls_open_default)
    closes_at = models.TimeField(default=polls_close_default)
    polling_districts = models.ManyToManyField(
        PollingDistrict, related_name="elections", blank=True
    )
    # Whose turnout the boards compare against: an earlier election with its marked register
    # imported.
    compare_with = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The promise list for knock-up: electors whose latest accepted intention is Labour at
    # this strength or more; and, when set, undecided electors at this strength or more
    # (leaning our way).
    promise_min_strength = models.PositiveSmallIntegerField(default=4)
    undecided_min_strength = models.PositiveSmallIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        "clp.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-polls_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["constituency", "name"], name="election_name_unique")
        ]

    def __str__(self):
        return self.name

    def on_polling_day(self, time: datetime.time) -> datetime.datetime:
        """A time of day on polling day, in the CLP's time zone."""
        return timezone.make_aware(datetime.datetime.combine(self.polls_on, time))

    @property
    def polls_open(self) -> datetime.datetime:
        return self.on_polling_day(self.opens_at)

    @property
    def polls_close(self) -> datetime.datetime:
        return self.on_polling_day(self.closes_at)


class VoteMethod(models.TextChoices):
    IN_PERSON = "person", "In person"
    POSTAL = "postal", "By post"
    PROXY = "proxy", "By proxy"


class AbsentVoter(TimeStampedModel):
    """An elector on the council's absent voters list for one election: a postal voter (with
    where the ballot goes) or one who votes by proxy (with who the proxy is). `returned_on` is
    set from the council's postal-vote returns: the day their ballot came back."""

    PERSONAL_DATA = True

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="absent_voters")
    elector = models.ForeignKey(Elector, on_delete=models.CASCADE, related_name="absent_votes")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="absent_votes")
    method = models.CharField(
        max_length=6, choices=[(VoteMethod.POSTAL, "Postal"), (VoteMethod.PROXY, "Proxy")]
    )
    ballot_address = models.TextField(blank=True, help_text="Where the postal ballot is sent.")
    proxy_name = models.CharField(max_length=200, blank=True)
    proxy_address = models.TextField(blank=True)
    returned_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "elector"], name="absent_voter_once")
        ]
        indexes = [
            # "Has this elector's ballot come back?", asked for each promise on the boards.
            models.Index(
                fields=["election", "elector"],
                name="absent_voter_returned",
                condition=Q(returned_on__isnull=False),
            )
        ]

    def __str__(self):
        return f"{self.get_method_display()} voter {self.elector_id} in {self.election_id}"


class VoteRecord(models.Model):
    """Vote history: whether a person voted in an election, and how. Written from the marked
    register after the day (never from tellers' numbers, which are incomplete). A postal voter
    whose ballot did not come back is kept with `voted` false."""

    PERSONAL_DATA = True

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="vote_records")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="vote_records")
    elector = models.ForeignKey(
        Elector, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    polling_district = models.ForeignKey(
        PollingDistrict, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    method = models.CharField(max_length=6, choices=VoteMethod.choices)
    voted = models.BooleanField(default=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "person"], name="vote_record_once")
        ]
        indexes = [models.Index(fields=["person", "election"], name="vote_record_person")]

    def __str__(self):
        return f"{self.person_id} {'voted' if self.voted else 'did not vote'} in {self.election_id}"
