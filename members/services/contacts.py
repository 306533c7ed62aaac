"""Contacts and answers: how any tool records an interaction with a person, and what follows.

A tool (canvassing, phone bank, polling day, member surveys) describes each interaction as a
ContactRecord and calls `contacts_record` inside the transaction that stores its own record:
the contact, its answers, the person's ContactSummary and what the outcome means for the person
(deceased, moved away, do not contact) are then kept or lost together with it. Recording is
idempotent on (source, source_id), so a replayed sync or a re-sent form stores nothing twice.
"""

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from clp.audit import audit_record
from members.models import (
    SPOKE_OUTCOMES,
    Answer,
    Channel,
    Contact,
    ContactSummary,
    Outcome,
    Question,
    Review,
)

# "Contacted recently": two branches or campaigns should not knock the same door, or call the
# same number, within this many days without seeing it.
RECENT_DAYS = 14
# Summaries are rewritten for this many people per query.
SUMMARY_CHUNK = 2_000
MAX_TEXT_ANSWER = 2_000


class AnswerRefused(ValueError):
    """An answer that is not one the question allows; the message says why, for a volunteer."""


def answer_value(question: Question, raw) -> str:
    """`raw` as stored for `question` ("" for no answer): a choice, "yes"/"no", "1"–"5", text,
    or for a multiple-choice question the choices one per line."""
    if raw in ("", None, []):
        return ""
    kind = question.kind
    if kind == Question.Kind.TEXT:
        if not isinstance(raw, str):
            raise AnswerRefused(f"The answer to “{question.text}” must be text.")
        return raw.replace("\x00", "").strip()[:MAX_TEXT_ANSWER]
    allowed = question.answer_values()
    if kind == Question.Kind.MULTIPLE:
        values = raw if isinstance(raw, list) else [raw]
        if any(not isinstance(v, str) or v not in allowed for v in values):
            raise AnswerRefused(f"Not all answers are choices for “{question.text}”.")
        return "\n".join(v for v in allowed if v in values)
    if isinstance(raw, bool) and kind == Question.Kind.YES_NO:
        raw = "yes" if raw else "no"
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str) or raw not in allowed:
        if kind == Question.Kind.SINGLE:
            raise AnswerRefused(f"That is not a choice for “{question.text}”.")
        raise AnswerRefused(f"That is not an answer to “{question.text}”.")
    return raw


@dataclass
class ContactRecord:
    """One interaction as a tool reports it. `answers` maps bank question ids to values already
    checked with `answer_value`. `id` lets a tool reuse its own record's UUID."""

    person_id: int
    contacted_at: datetime.datetime
    channel: str
    source: str
    source_id: str
    outcome: str = ""
    intention: str = ""
    strength: int | None = None
    recorded_by_id: int | None = None
    review_status: str = Review.ACCEPTED
    context: str = ""
    answers: dict[int, str] = field(default_factory=dict)
    id: uuid.UUID | None = None


def contacts_record(records: Iterable[ContactRecord], *, actor, request=None) -> list[Contact]:
    """Store contacts and their answers, refresh the people's summaries and apply what accepted
    outcomes say about them. Runs in the caller's transaction. Records whose (source,
    source_id) is already stored are skipped; returns the contacts stored now."""
    records = list({(r.source, r.source_id): r for r in records}.values())
    if not records:
        return []
    now = timezone.now()
    with transaction.atomic():
        stored = set()
        for source in {r.source for r in records}:
            ids = [r.source_id for r in records if r.source == source]
            stored |= {
                (source, sid)
                for sid in Contact.objects.filter(source=source, source_id__in=ids).values_list(
                    "source_id", flat=True
                )
            }
        fresh = [r for r in records if (r.source, r.source_id) not in stored]
        contacts = [
            Contact(
                id=r.id or uuid.uuid4(),
                person_id=r.person_id,
                contacted_at=r.contacted_at,
                received_at=now,
                channel=r.channel,
                outcome=r.outcome,
                intention=r.intention,
                strength=r.strength,
                recorded_by_id=r.recorded_by_id,
                review_status=r.review_status,
                source=r.source,
                source_id=r.source_id,
                context=r.context[:200],
            )
            for r in fresh
        ]
        # A concurrent transaction may have stored the same record since the check above:
        # its row wins, and only the contacts stored here get answers and effects.
        Contact.objects.bulk_create(contacts, ignore_conflicts=True)
        mine = set(
            Contact.objects.filter(pk__in=[c.pk for c in contacts]).values_list("pk", flat=True)
        )
        fresh = [r for r, c in zip(fresh, contacts, strict=True) if c.pk in mine]
        contacts = [c for c in contacts if c.pk in mine]
        Answer.objects.bulk_create(
            Answer(
                person_id=r.person_id,
                question_id=question_id,
                contact=contact,
                answered_at=r.contacted_at,
                channel=r.channel,
                value=value,
                recorded_by_id=r.recorded_by_id,
                review_status=r.review_status,
                source=r.source,
                source_id=r.source_id,
            )
            for r, contact in zip(fresh, contacts, strict=True)
            for question_id, value in r.answers.items()
            if value != ""
        )
        accepted = [c for c in contacts if c.review_status == Review.ACCEPTED]
        summaries_refresh({c.person_id for c in accepted})
        _outcomes_apply(actor=actor, contacts=accepted, request=request)
    return contacts


def contacts_review(*, actor, source: str, source_ids: Iterable[str], accept: bool, request=None):
    """Accept or reject pending contacts (and their answers) of one tool's records, as that
    tool's review decides. Returns the number of contacts changed."""
    status = Review.ACCEPTED if accept else Review.REJECTED
    source_ids = [str(i) for i in source_ids]
    with transaction.atomic():
        pending = Contact.objects.filter(
            source=source, source_id__in=source_ids, review_status=Review.PENDING
        )
        contacts = list(pending)
        changed = Contact.objects.filter(pk__in=[c.pk for c in contacts]).update(
            review_status=status
        )
        Answer.objects.filter(contact__in=[c.pk for c in contacts]).update(review_status=status)
        if accept:
            summaries_refresh({c.person_id for c in contacts})
            _outcomes_apply(actor=actor, contacts=contacts, request=request)
    return changed


def summaries_refresh(person_ids: Iterable[int]) -> None:
    """Rewrite the ContactSummary of each person from their accepted contacts."""
    person_ids = sorted(set(person_ids))
    for start in range(0, len(person_ids), SUMMARY_CHUNK):
        chunk = person_ids[start : start + SUMMARY_CHUNK]
        rows = (
            Contact.objects.filter(person__in=chunk, review_status=Review.ACCEPTED)
            .order_by("person_id", "contacted_at", "received_at")
            .values_list("person_id", "contacted_at", "channel", "outcome", "intention", "strength")
        )
        summaries: dict[int, ContactSummary] = {}
        for person_id, at, channel, outcome, intention, strength in rows.iterator(2_000):
            summary = summaries.get(person_id)
            if summary is None:
                summary = summaries[person_id] = ContactSummary(person_id=person_id)
            summary.contacted_at, summary.contact_channel = at, channel
            if outcome in SPOKE_OUTCOMES:
                summary.spoke_at, summary.spoke_channel = at, channel
            if intention:
                summary.intention, summary.strength = intention, strength
                summary.intention_at, summary.intention_channel = at, channel
        ContactSummary.objects.filter(person__in=chunk).delete()
        ContactSummary.objects.bulk_create(summaries.values())


def _outcomes_apply(*, actor, contacts: list[Contact], request=None) -> None:
    """What accepted contacts say about the person: "deceased" takes them off every list,
    "moved away" flags them for the next register, "do not contact again" and "do not call
    again" mark them so."""
    from members.services import people

    effects = {
        Outcome.DECEASED: people.people_reported_deceased,
        Outcome.MOVED: people.people_reported_moved_away,
        Outcome.DO_NOT_CONTACT: people.people_asked_not_to_be_contacted,
        Outcome.DO_NOT_PHONE: people.people_asked_not_to_be_phoned,
    }
    reports: dict[str, dict[int, datetime.date]] = {outcome: {} for outcome in effects}
    channels: dict[str, set[str]] = {outcome: set() for outcome in effects}
    for contact in contacts:
        if contact.outcome in effects:
            day = timezone.localdate(contact.contacted_at)
            seen = reports[contact.outcome]
            seen[contact.person_id] = min(day, seen.get(contact.person_id, day))
            channels[contact.outcome].add(Channel(contact.channel).label.lower())
    for outcome, apply in effects.items():
        if reports[outcome]:
            source = " or ".join(sorted(channels[outcome])) + " contact"
            apply(actor=actor, reports=reports[outcome], source=source, request=request)


def contacted_recently(people, *, days: int = RECENT_DAYS, now=None, person: str = "pk"):
    """Those of `people` (or of rows whose field `person` is a person) contacted recently:
    their summary's last contact is in the last `days` days (one joined row, no pass over
    every contact)."""
    since = (now or timezone.now()) - datetime.timedelta(days=days)
    last = ("person__" if person != "pk" else "") + "contact_summary__contacted_at"
    return people.filter(**{f"{last}__gte": since})


# --- The question bank ---------------------------------------------------------------------


def _question_choices(kind: str, choices: list[str]) -> list[str]:
    choices = list(dict.fromkeys(c.strip() for c in choices if c.strip()))
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        if len(choices) < 2:
            raise ValidationError("A choice question needs at least two choices, one per line.")
        if any("\n" in c or len(c) > 100 for c in choices):
            raise ValidationError("Keep each choice to one line of at most 100 characters.")
        return choices
    return []


def _question_key(constituency, text: str) -> str:
    base = slugify(text)[:50] or "question"
    taken = set(
        Question.objects.filter(constituency=constituency, key__startswith=base).values_list(
            "key", flat=True
        )
    )
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def question_create(
    *, actor, constituency, text: str, kind: str, choices: list[str], request=None
) -> Question:
    """Add a question to the constituency's bank; its key is made from the wording, once."""
    text = text.strip()
    if kind not in Question.Kind.values:
        raise ValidationError("Choose the kind of answer.")
    choices = _question_choices(kind, choices)
    with transaction.atomic():
        question = Question.objects.create(
            constituency=constituency,
            key=_question_key(constituency, text),
            text=text,
            kind=kind,
            choices=choices,
        )
        audit_record(actor=actor, action="question.create", target=question, request=request)
    return question


def question_update(
    *, actor, question: Question, text: str, kind: str, choices: list[str], request=None
) -> Question:
    """Reword a bank question or change its choices, everywhere it is asked. Its kind is
    fixed once anyone has answered it: the answers would no longer fit."""
    choices = _question_choices(kind, choices)
    if kind != question.kind and question.answers.exists():
        raise ValidationError(
            "People have answered this question, so its kind of answer cannot change. "
            "Add a new question instead."
        )
    before = {"text": question.text, "kind": question.kind, "choices": question.choices}
    with transaction.atomic():
        question.text, question.kind, question.choices = text.strip(), kind, choices
        question.save(update_fields=["text", "kind", "choices", "updated_at"])
        audit_record(
            actor=actor,
            action="question.update",
            target=question,
            request=request,
            details={"before": before},
        )
    return question
