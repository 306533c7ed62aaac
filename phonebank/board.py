"""The live board of one phone bank: how calling is going, what people are saying, how much of
the list is left, and each caller's figures with what an organiser may want to look at.

Read in a fixed handful of queries however many calls and callers there are: the totals are
grouped in the database, and the per-caller figures (a median, the flags) come from one read of
the campaign's calls and one of its answers, worked out here.
"""

import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from members.models import Answer, Outcome, Question, Review
from phonebank.models import (
    NOT_REACHED,
    Call,
    CallCampaign,
    CampaignCaller,
    QueueEntry,
    call_seconds,
    outcome_words,
)

# Someone is calling now if they hold a contact, or finished a call this recently.
ACTIVE_WITHIN = datetime.timedelta(minutes=10)
RECENT_CALLS = datetime.timedelta(hours=1)
# The flags: patterns worth an organiser's look, never a verdict.
SHORT_CALL_SECONDS = 20
MIN_CALLS_TO_FLAG = 10
MIN_ANSWERED_CALLS_TO_FLAG = 5
FLAG_SHORT_CALLS = "Many calls under 20 seconds"
FLAG_NO_ANSWER_ONLY = "Nothing but no answer"
FLAG_SAME_ANSWERS = "Same answers every call"


class CallerStatus:
    CALLING = "calling"
    PAUSED = "paused"
    REMOVED = "removed"
    LABELS = {CALLING: "Calling", PAUSED: "Paused", REMOVED: "Removed"}


@dataclass
class CallerRow:
    user_id: int | None
    name: str
    caller_pk: int | None  # the CampaignCaller, for pause/resume/remove
    status: str
    active: bool
    calls: int = 0
    conversations: int = 0
    median_seconds: int | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return CallerStatus.LABELS.get(self.status, "Not on the caller list")


@dataclass
class QuestionTally:
    question: Question
    answered: int
    counts: list[tuple[str, int]]  # (value, how many), most first


@dataclass
class ListLeft:
    to_call: int  # waiting + with a caller
    with_callers: int
    done: int
    skipped: int
    skip_reasons: list[tuple[str, int]]
    call_backs_due: int
    call_backs_later: int

    @property
    def total(self) -> int:
        return self.to_call + self.done + self.skipped


@dataclass
class Board:
    now: datetime.datetime
    active_callers: int
    calls: int
    calls_last_hour: int
    conversations: int
    outcomes: list[tuple[str, int]]  # (label, count), in the campaign's order
    questions: list[QuestionTally]
    left: ListLeft
    callers: list[CallerRow]

    @property
    def contact_rate(self) -> int | None:
        """Conversations as a percentage of calls, or None before the first call."""
        return round(100 * self.conversations / self.calls) if self.calls else None


def campaign_board(campaign: CallCampaign, *, now=None) -> Board:
    """Everything the live board shows for `campaign` at `now`."""
    now = now or timezone.now()
    calls = list(
        Call.objects.filter(campaign=campaign)
        .order_by()
        .values_list("id", "caller_id", "outcome", "handed_at", "dialled_at", "ended_at")
    )
    answers = list(
        Answer.objects.filter(
            contact_id__in=Call.objects.filter(campaign=campaign).values("id"),
            review_status=Review.ACCEPTED,
        )
        .order_by()
        .values_list("contact_id", "question_id", "value")
    )
    lease_holders = set(
        QueueEntry.objects.filter(
            campaign=campaign, state=QueueEntry.State.LEASED, available_at__gt=now
        )
        .order_by()
        .values_list("leased_by_id", flat=True)
        .distinct()
    )
    callers = _caller_rows(campaign, calls, answers, lease_holders, now)
    outcome_counts = Counter(outcome for _, _, outcome, *_ in calls)
    return Board(
        now=now,
        active_callers=sum(1 for c in callers if c.active),
        calls=len(calls),
        calls_last_hour=sum(1 for *_, ended_at in calls if ended_at > now - RECENT_CALLS),
        conversations=outcome_counts[Outcome.SPOKE],
        outcomes=_outcomes(campaign, outcome_counts),
        questions=_question_tallies(campaign, answers),
        left=list_left(campaign, now=now),
        callers=callers,
    )


def _outcomes(campaign, counts: Counter) -> list[tuple[str, int]]:
    offered = [code for code, _ in campaign.outcome_choices()]
    # Outcomes the campaign no longer offers still show if calls recorded them.
    codes = offered + sorted(code for code in counts if code not in offered)
    return [(outcome_words(code), counts[code]) for code in codes]


def _question_tallies(campaign, answers) -> list[QuestionTally]:
    questions = [
        step.question
        for step in campaign.steps.filter(question__isnull=False).select_related("question")
    ]
    by_question: dict[int, Counter] = defaultdict(Counter)
    answered: Counter = Counter()
    kinds = {q.pk: q.kind for q in questions}
    for _, question_id, value in answers:
        answered[question_id] += 1
        # A multiple-choice answer lists its choices one per line: each choice counts.
        values = value.split("\n") if kinds.get(question_id) == Question.Kind.MULTIPLE else [value]
        by_question[question_id].update(values)
    tallies, seen = [], set()
    for question in questions:
        if question.pk in seen:
            continue
        seen.add(question.pk)
        counts = by_question[question.pk]
        order = {v: i for i, v in enumerate(question.answer_values())}
        ranked = sorted(
            counts.items(), key=lambda vc: (-vc[1], order.get(vc[0], len(order)), vc[0])
        )
        tallies.append(
            QuestionTally(question=question, answered=answered[question.pk], counts=ranked)
        )
    return tallies


def list_left(campaign: CallCampaign, *, now=None) -> ListLeft:
    """How much of the campaign's list is left to call, done, or skipped (and why)."""
    now = now or timezone.now()
    State = QueueEntry.State
    queue = QueueEntry.objects.filter(campaign=campaign).order_by()
    call_back = Q(state=State.WAITING, reserved_for__isnull=False)
    figures = queue.aggregate(
        to_call=Count("pk", filter=Q(state__in=[State.WAITING, State.LEASED])),
        with_callers=Count("pk", filter=Q(state=State.LEASED, available_at__gt=now)),
        done=Count("pk", filter=Q(state=State.DONE)),
        skipped=Count("pk", filter=Q(state=State.SKIPPED)),
        call_backs_due=Count("pk", filter=call_back & Q(available_at__lte=now)),
        call_backs_later=Count("pk", filter=call_back & Q(available_at__gt=now)),
    )
    reasons = (
        queue.filter(state=State.SKIPPED)
        .values_list("skip_reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "skip_reason")
    )
    return ListLeft(
        skip_reasons=[(reason or "No reason given", n) for reason, n in reasons], **figures
    )


def _caller_rows(campaign, calls, answers, lease_holders, now) -> list[CallerRow]:
    members = list(CampaignCaller.objects.filter(campaign=campaign).select_related("user"))
    rows: dict[int, CallerRow] = {}
    for member in members:
        status = (
            CallerStatus.REMOVED
            if member.removed_at
            else CallerStatus.PAUSED
            if member.paused_at
            else CallerStatus.CALLING
        )
        rows[member.user_id] = CallerRow(
            user_id=member.user_id,
            name=str(member.user),
            caller_pk=member.pk,
            status=status,
            active=member.user_id in lease_holders,
        )
    # Anyone with calls who is not (or no longer) a CampaignCaller still has their figures.
    others = {caller_id for _, caller_id, *_ in calls if caller_id not in rows}
    if others:
        names = get_user_model().objects.filter(pk__in=others - {None})
        for user in names:
            rows[user.pk] = CallerRow(user.pk, str(user), None, "", active=False)
        if None in others:
            rows[None] = CallerRow(None, "A deleted account", None, "", active=False)

    seconds, outcomes, caller_of = defaultdict(list), defaultdict(list), {}
    for call_id, caller_id, outcome, handed_at, dialled_at, ended_at in calls:
        caller_of[call_id] = caller_id
        seconds[caller_id].append(call_seconds(handed_at, dialled_at, ended_at))
        outcomes[caller_id].append(outcome)
        if ended_at > now - ACTIVE_WITHIN:
            rows[caller_id].active = True
    answer_sets = defaultdict(set)
    for call_id, question_id, value in answers:
        answer_sets[call_id].add((question_id, value))
    signatures = defaultdict(list)
    for call_id, answered in answer_sets.items():
        signatures[caller_of.get(call_id)].append(frozenset(answered))

    for caller_id, row in rows.items():
        lengths, said = seconds[caller_id], outcomes[caller_id]
        row.calls = len(said)
        row.conversations = said.count(Outcome.SPOKE)
        row.median_seconds = int(statistics.median(lengths)) if lengths else None
        row.flags = _flags(lengths, said, signatures[caller_id])
    return sorted(rows.values(), key=lambda r: (-r.calls, r.name.lower()))


def _flags(lengths: list[int], outcomes: list[str], signatures: list[frozenset]) -> list[str]:
    flags = []
    if len(lengths) >= MIN_CALLS_TO_FLAG:
        if 2 * sum(1 for s in lengths if s < SHORT_CALL_SECONDS) > len(lengths):
            flags.append(FLAG_SHORT_CALLS)
        if all(outcome in NOT_REACHED for outcome in outcomes):
            flags.append(FLAG_NO_ANSWER_ONLY)
    if len(signatures) >= MIN_ANSWERED_CALLS_TO_FLAG and len(set(signatures)) == 1:
        flags.append(FLAG_SAME_ANSWERS)
    return flags


# --- opt-in recognition ----------------------------------------------------------------------


@dataclass
class Totals:
    calls: int
    conversations: int


@dataclass
class ThankedCaller:
    name: str
    calls: int
    conversations: int


@dataclass
class TeamTotals:
    calls: int
    conversations: int
    thanked: list[ThankedCaller]  # callers who chose to be named, most calls first


def _totals(calls) -> dict:
    return calls.aggregate(
        calls=Count("pk"), conversations=Count("pk", filter=Q(outcome=Outcome.SPOKE))
    )


def team_totals(campaign: CallCampaign) -> TeamTotals:
    """The whole team's calls and conversations, and the callers who chose to be thanked by
    name (shows_totals) with theirs."""
    calls = Call.objects.filter(campaign=campaign).order_by()
    opted_in = {
        c.user_id: c.user
        for c in CampaignCaller.objects.filter(
            campaign=campaign, shows_totals=True, removed_at__isnull=True
        ).select_related("user")
    }
    per_caller = {
        row["caller_id"]: row
        for row in calls.filter(caller_id__in=opted_in)
        .values("caller_id")
        .annotate(calls=Count("pk"), conversations=Count("pk", filter=Q(outcome=Outcome.SPOKE)))
    }
    thanked = [
        ThankedCaller(
            name=str(user),
            calls=per_caller.get(user_id, {}).get("calls", 0),
            conversations=per_caller.get(user_id, {}).get("conversations", 0),
        )
        for user_id, user in opted_in.items()
    ]
    thanked.sort(key=lambda t: (-t.calls, t.name.lower()))
    return TeamTotals(**_totals(calls), thanked=thanked)


def caller_totals(campaign: CallCampaign, user, *, since) -> dict[str, Totals]:
    """One caller's own calls and conversations in the campaign: "today" since `since` (the
    start of their sitting) and in "all", in one query."""
    spoke, recent = Q(outcome=Outcome.SPOKE), Q(ended_at__gte=since)
    counts = (
        Call.objects.filter(campaign=campaign, caller=user)
        .order_by()
        .aggregate(
            calls=Count("pk"),
            conversations=Count("pk", filter=spoke),
            calls_today=Count("pk", filter=recent),
            conversations_today=Count("pk", filter=spoke & recent),
        )
    )
    return {
        "today": Totals(counts["calls_today"], counts["conversations_today"]),
        "all": Totals(counts["calls"], counts["conversations"]),
    }
