"""Writes for doorstep results: phone sync, paper re-entry, review, flagging new canvassers."""

import datetime
import re
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from canvassing.contacts import results_record_contacts, results_review_contacts
from canvassing.models import (
    CanvasserProfile,
    CanvassResult,
    Outcome,
    SurveyQuestion,
    WalkList,
    WalkListAssignment,
    WalkListEntry,
)
from clp.audit import audit_record
from members.models import Question
from members.services.contacts import AnswerRefused, answer_value

MAX_SYNC_BATCH = 500
# Phones' clocks drift: accept a result stamped a little in the future.
CLOCK_SKEW = datetime.timedelta(minutes=10)


# --- results -----------------------------------------------------------------------------------

# Ids sent by a phone must fit the database's 64-bit keys.
MAX_ID = 2**63 - 1
LATE_TAKEN_BACK = "Sent after the list was taken back from the canvasser."
LATE_LEASE_ENDED = "Sent after the canvasser's lease on the list ended."


@dataclass
class SyncOutcome:
    accepted: list[str]
    duplicates: list[str]
    rejected: list[dict]
    held_for_review: list[dict]

    def as_dict(self) -> dict:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "held_for_review": self.held_for_review,
        }


class _Reject(Exception):
    pass


def _as_id(value) -> int | None:
    """A database id as a phone sends it: a whole number, or its digits, that fits a key."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    return None


def _storable(text: str) -> str:
    """Text the database can store: no NUL characters, no lone surrogates."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _short(text: str) -> str:
    return text if len(text) <= 20 else text[:20] + "…"


def _text(event: dict, key: str, limit: int) -> str:
    value = event.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Reject(f"“{key}” must be text.")
    return _storable(value)[:limit]


def _event_id(event) -> str:
    value = event.get("id") if isinstance(event, dict) else None
    return value[:64] if isinstance(value, str) else ""


def _recorded_at(value) -> datetime.datetime:
    try:
        recorded_at = parse_datetime(value[:40]) if isinstance(value, str) else None
    except ValueError:  # well formed but impossible, e.g. 30 February
        recorded_at = None
    if recorded_at is None:
        raise _Reject("The result has no valid time.")
    try:
        if timezone.is_naive(recorded_at):
            recorded_at = timezone.make_aware(recorded_at, datetime.UTC)
        return recorded_at.astimezone(datetime.UTC)
    except (OverflowError, ValueError) as exc:
        raise _Reject("The result has no valid time.") from exc


def _lease_end(assignment) -> datetime.datetime:
    return min(assignment.expires_at, assignment.ended_at or assignment.expires_at)


def _late_reason(recorded_at, assignments: list, now) -> str:
    """Whether the list was `actor`'s when the result says it was recorded, and how it counts.

    Returns "" when the canvasser holds the list now (the result counts as usual), or the
    reason it waits for review when the list has since been taken back or its lease ended:
    the phone's clock cannot be trusted, so an organiser decides. Raises _Reject when the list
    was not theirs at the time the result gives.
    """
    live = [a for a in assignments if a.ended_at is None and a.expires_at > now]
    ended = [a for a in assignments if a not in live]
    matching = [a for a in live if a.started_at - CLOCK_SKEW <= recorded_at] + [
        a for a in ended if a.started_at - CLOCK_SKEW <= recorded_at <= _lease_end(a) + CLOCK_SKEW
    ]
    if not matching:
        if ended and not live and recorded_at > max(_lease_end(a) for a in ended):
            raise _Reject("Recorded after the list was taken back from you or your lease ended.")
        raise _Reject("This walk list was not assigned to you when the result was recorded.")
    if live:
        return ""
    last = max(matching, key=_lease_end)
    taken_back = last.ended_at is not None and last.ended_at < last.expires_at
    return LATE_TAKEN_BACK if taken_back else LATE_LEASE_ENDED


def _clean_answers(raw, questions: dict) -> dict:
    """The answers as the campaign's questions allow them (contacts.answer_value in members):
    a multiple-choice answer as a list in the question's order, others as text."""
    if not raw:
        return {}
    if not isinstance(raw, dict):
        raise _Reject("Survey answers must be a set of question → answer.")
    answers = {}
    for key, value in raw.items():
        asked = questions.get(key)
        if asked is None:
            raise _Reject(f"Question {_short(key)} is not in this campaign.")
        try:
            value = answer_value(asked.question, value)
        except AnswerRefused as exc:
            raise _Reject(str(exc)) from exc
        if value:
            answers[key] = value.split("\n") if asked.kind == Question.Kind.MULTIPLE else value
    return answers


def _build_result(event: dict, *, actor, lists, assignments, entries, questions, review, now):
    try:
        result_id = uuid.UUID(event["id"]) if isinstance(event.get("id"), str) else None
    except ValueError:
        result_id = None
    if result_id is None:
        raise _Reject("The result has no valid id.")
    list_id, elector_id = _as_id(event.get("walk_list")), _as_id(event.get("elector"))
    if list_id is None or elector_id is None:
        raise _Reject("The result does not say which list and elector it is for.")
    walk_list = lists.get(list_id)
    if walk_list is None:
        raise _Reject("That walk list does not exist.")
    recorded_at = _recorded_at(event.get("recorded_at"))
    if recorded_at > now + CLOCK_SKEW:
        raise _Reject("The result is dated in the future; check the phone's clock.")
    late = _late_reason(recorded_at, assignments.get(list_id, []), now)
    person_id = entries.get((list_id, elector_id))
    if person_id is None:
        raise _Reject("That elector is not on this walk list.")
    campaign = walk_list.campaign
    outcome = _text(event, "outcome", 100)
    if outcome not in campaign.outcomes:
        raise _Reject(f"{_short(outcome)!r} is not an outcome in this campaign.")
    intention = _text(event, "intention", 100)
    if intention and intention not in campaign.intentions:
        raise _Reject(f"{_short(intention)!r} is not a voting intention in this campaign.")
    if intention and outcome != Outcome.SPOKE:
        raise _Reject("A voting intention needs the outcome “Spoke to them”.")
    strength = event.get("strength")
    if strength in ("", None):
        strength = None
    elif _as_id(strength) is None or not 1 <= _as_id(strength) <= 5:
        raise _Reject("Support strength must be 1 to 5.")
    else:
        strength = _as_id(strength)
    poster = _text(event, "poster", 100)
    if poster not in CanvassResult.Poster.values:
        raise _Reject("Poster must be a window poster or a garden board.")
    return CanvassResult(
        id=result_id,
        campaign_id=campaign.pk,
        walk_list_id=list_id,
        elector_id=elector_id,
        person_id=person_id,
        recorded_by=actor,
        recorded_at=recorded_at,
        received_at=now,
        source=CanvassResult.Source.DOORSTEP,
        outcome=outcome,
        intention=intention,
        strength=strength,
        answers=_clean_answers(event.get("answers"), questions.get(campaign.pk, {})),
        issues=_text(event, "issues", 300),
        wants_postal_vote=event.get("wants_postal_vote") is True,
        wants_to_volunteer=event.get("wants_to_volunteer") is True,
        poster=poster,
        note=_text(event, "note", 2000),
        review_status=CanvassResult.Review.PENDING if late else review,
        review_reason=late,
    )


def needs_review(user) -> bool:
    return CanvasserProfile.objects.filter(user=user, is_new=True).exists()


def results_sync(*, actor, events: list, request=None) -> SyncOutcome:
    """Store a batch of doorstep results from a phone, each at most once.

    The results are independent observations: each is checked on its own (the list was
    assigned to `actor` when it was recorded, the elector is on the list, the codes are the
    campaign's, every field has the right type) and each bad one is refused with its own reason
    while the good ones are kept. Results sent after the list was taken back from `actor` (or
    their lease ended) are stored but wait for an organiser's review, whatever time they carry.
    Valid results are inserted in one transaction with their client ids as primary keys,
    ignoring ids already stored, so the same batch sent twice, or by two phones, yields one set.
    """
    if not isinstance(events, list):
        raise ValidationError("Send a list of results.")
    if len(events) > MAX_SYNC_BATCH:
        raise ValidationError(f"Send at most {MAX_SYNC_BATCH} results at a time.")
    now = timezone.now()
    fields = [e for e in events if isinstance(e, dict)]
    list_ids = {i for e in fields if (i := _as_id(e.get("walk_list")))}
    elector_ids = {i for e in fields if (i := _as_id(e.get("elector")))}
    lists = {w.pk: w for w in WalkList.objects.filter(pk__in=list_ids).select_related("campaign")}
    assignments: dict[int, list] = {}
    for a in WalkListAssignment.objects.filter(walk_list__in=list_ids, user=actor):
        assignments.setdefault(a.walk_list_id, []).append(a)
    entries = {
        (row["walk_list_id"], row["elector_id"]): row["elector__person_id"]
        for row in WalkListEntry.objects.filter(
            walk_list__in=list_ids, elector__in=elector_ids
        ).values("walk_list_id", "elector_id", "elector__person_id")
    }
    questions: dict[int, dict] = {}
    for question in SurveyQuestion.objects.filter(
        campaign__in={w.campaign_id for w in lists.values()}
    ):
        questions.setdefault(question.campaign_id, {})[str(question.pk)] = question
    review = CanvassResult.Review.PENDING if needs_review(actor) else CanvassResult.Review.ACCEPTED

    built, rejected = [], []
    for event in events:
        if not isinstance(event, dict):
            rejected.append({"id": "", "error": "A result must be a set of fields."})
            continue
        try:
            built.append(
                _build_result(
                    event,
                    actor=actor,
                    lists=lists,
                    assignments=assignments,
                    entries=entries,
                    questions=questions,
                    review=review,
                    now=now,
                )
            )
        except _Reject as exc:
            rejected.append({"id": _event_id(event), "error": str(exc)})
    # One result per id even inside a batch.
    unique = {result.id: result for result in built}
    with transaction.atomic():
        stored = set(CanvassResult.objects.filter(pk__in=unique).values_list("pk", flat=True))
        fresh = [r for pk, r in unique.items() if pk not in stored]
        CanvassResult.objects.bulk_create(fresh, ignore_conflicts=True)
        results_record_contacts(fresh, actor=actor, request=request)
        held = [{"id": str(r.id), "reason": r.review_reason} for r in fresh if r.review_reason]
        if fresh or rejected:
            audit_record(
                actor=actor,
                action="canvass.results.sync",
                request=request,
                details={
                    "stored": len(fresh),
                    "held_for_review": len(held),
                    "refused": rejected[:50],
                    "walk_lists": sorted({r.walk_list_id for r in fresh}),
                },
            )
    return SyncOutcome(
        accepted=[str(r.id) for r in fresh],
        duplicates=[str(pk) for pk in unique if pk in stored],
        rejected=rejected,
        held_for_review=held,
    )


# --- paper re-entry ----------------------------------------------------------------------------

# "PV" on the sheet has only ever meant "wants a postal vote"; "POSTAL" is the same and cannot be
# confused with the register's postal-voter marker, which the sheet prints as "Postal voter".
_FLAGS = {"PV": "wants_postal_vote", "POSTAL": "wants_postal_vote", "VOL": "wants_to_volunteer"}
_POSTERS = {"POSTER": CanvassResult.Poster.POSTER, "BOARD": CanvassResult.Poster.BOARD}
_ENO_RE = re.compile(r"^(?:[A-Z]{1,4}-)?(\d+)(?:/(\d+))?$")


@dataclass
class PaperEntryOutcome:
    stored: int
    already_saved: bool  # the same sheet (form) was sent before: nothing stored twice


def _paper_lines(walk_list: WalkList, text: str) -> tuple[list[tuple[int, tuple, dict]], list]:
    """Read typed paper lines: ([(line number, (elector id, person id), fields)], errors).

    Every problem on every line is reported, so the typist fixes the sheet in one go.
    """
    campaign = walk_list.campaign
    entries = {
        (row["elector__number"], row["elector__suffix"]): (
            row["elector_id"],
            row["elector__person_id"],
        )
        for row in WalkListEntry.objects.filter(walk_list=walk_list).values(
            "elector_id", "elector__number", "elector__suffix", "elector__person_id"
        )
    }
    errors, rows = [], []
    for line_no, line in enumerate(text.splitlines(), start=1):
        tokens = line.upper().replace(",", " ").split()
        if not tokens:
            continue
        match = _ENO_RE.match(tokens[0])
        problems = []
        found = None
        if not match:
            problems.append("start with the elector number, e.g. 123 or 123/1.")
        else:
            number, suffix = int(match.group(1)), int(match.group(2) or 0)
            found = entries.get((number, suffix))
            if found is None:
                problems.append(f"elector {tokens[0]} is not on this walk list.")
        fields = {"outcome": "", "intention": "", "strength": None, "poster": ""}
        for token in tokens[1:]:
            if token in campaign.outcomes:
                fields["outcome"] = token
            elif token in campaign.intentions:
                fields["intention"] = token
            elif token.isdigit() and 1 <= int(token) <= 5:
                fields["strength"] = int(token)
            elif token in _FLAGS:
                fields[_FLAGS[token]] = True
            elif token in _POSTERS:
                fields["poster"] = _POSTERS[token]
            else:
                problems.append(f"{token!r} is not a code on the sheet.")
        if fields["intention"] and not fields["outcome"]:
            fields["outcome"] = Outcome.SPOKE
        if not fields["outcome"]:
            problems.append("give an outcome code, e.g. S or NI.")
        elif fields["intention"] and fields["outcome"] != Outcome.SPOKE:
            problems.append("a voting intention needs the outcome S.")
        if problems:
            errors.extend(f"Line {line_no}: {problem}" for problem in problems)
        else:
            rows.append((line_no, found, fields))
    if not rows and not errors:
        errors.append("Type at least one line.")
    return rows, errors


def paper_lines_check(*, walk_list: WalkList, text: str) -> list[str]:
    """The problems with typed paper lines, without saving anything."""
    return _paper_lines(walk_list, text)[1]


def paper_results_enter(
    *,
    actor,
    walk_list: WalkList,
    text: str,
    batch: uuid.UUID,
    on: datetime.date,
    canvassed_by=None,
    request=None,
) -> PaperEntryOutcome:
    """Type paper walk-sheet results back in: one line per elector, e.g. "123/1 S LAB 4 PV".

    The results are the canvasser's (`canvassed_by`: they count in their tallies and history);
    the typist is kept as `entered_by`. All lines are stored or none: every bad line is
    reported with its line number. Ids are derived from the form's batch id and the line, so
    submitting the same form twice stores the lines once, and says so.
    """
    campaign = walk_list.campaign
    rows, errors = _paper_lines(walk_list, text)
    if errors:
        raise ValidationError(errors)
    recorded_at = timezone.make_aware(datetime.datetime.combine(on, datetime.time(12, 0)))
    canvasser = canvassed_by or actor
    results = [
        CanvassResult(
            id=uuid.uuid5(batch, str(line_no)),
            campaign=campaign,
            walk_list=walk_list,
            elector_id=found[0],
            person_id=found[1],
            recorded_by=canvasser,
            entered_by=actor,
            recorded_at=recorded_at,
            source=CanvassResult.Source.PAPER,
            **fields,
        )
        for line_no, found, fields in rows
    ]
    with transaction.atomic():
        stored = set(
            CanvassResult.objects.filter(pk__in=[r.id for r in results]).values_list(
                "pk", flat=True
            )
        )
        fresh = [r for r in results if r.id not in stored]
        if not fresh:
            return PaperEntryOutcome(stored=0, already_saved=True)
        CanvassResult.objects.bulk_create(fresh, ignore_conflicts=True)
        results_record_contacts(fresh, actor=actor, request=request)
        audit_record(
            actor=actor,
            action="canvass.results.paper_entry",
            target=walk_list,
            request=request,
            details={
                "stored": len(fresh),
                "canvassed_by": canvasser.pk if canvasser else None,
                "on": on.isoformat(),
            },
        )
    return PaperEntryOutcome(stored=len(fresh), already_saved=bool(stored))


# --- review ------------------------------------------------------------------------------------


def results_review(*, actor, results, accept: bool, request=None) -> int:
    """Accept (they count) or reject (they never count) results waiting for review."""
    status = CanvassResult.Review.ACCEPTED if accept else CanvassResult.Review.REJECTED
    with transaction.atomic():
        ids = list(
            results.filter(review_status=CanvassResult.Review.PENDING).values_list("pk", flat=True)
        )
        changed = CanvassResult.objects.filter(pk__in=ids).update(
            review_status=status, reviewed_by=actor, reviewed_at=timezone.now()
        )
        # Their contacts count (or never will) from now, and what they say about the person
        # (deceased, moved away) applies once accepted.
        results_review_contacts(ids, actor=actor, accept=accept, request=request)
        audit_record(
            actor=actor,
            action=f"canvass.results.{'accept' if accept else 'reject'}",
            request=request,
            details={"count": changed, "ids": [str(i) for i in ids[:100]]},
        )
    return changed


def canvasser_flag(*, actor, user, is_new: bool, request=None) -> CanvasserProfile:
    """Mark a volunteer as new (their results wait for review) or trusted."""
    with transaction.atomic():
        profile, _ = CanvasserProfile.objects.get_or_create(user=user)
        profile.is_new = is_new
        profile.save(update_fields=["is_new", "updated_at"])
        audit_record(
            actor=actor,
            action="canvass.canvasser.flag",
            target=user,
            request=request,
            details={"is_new": is_new},
        )
    return profile
