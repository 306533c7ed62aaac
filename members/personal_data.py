"""Personal data in the shared database: people, their contact details, register entries,
memberships, and every contact and answer any tool recorded. Erasure deletes what they told us
and anonymises the person (the rest of the history stays, attributed to nobody)."""

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from clp.audit import audit_record
from gdpr.registry import DataSubject, declare
from members.consent import DO_NOT_CONTACT_FLAGS
from members.importers.records import email_digest, name_digest, phone_digest
from members.models import (
    AbsentVoter,
    Answer,
    Contact,
    ContactEmail,
    ContactPhone,
    ContactSummary,
    Elector,
    ImportBatch,
    MemberMatch,
    Membership,
    Person,
    Suppression,
    VoteRecord,
)


def _suppress(person: Person) -> int:
    """Keep one-way hashes of the person's identifiers so no later import re-adds them."""
    digests = set()
    postcode = person.property.postcode if person.property_id else ""
    if person.last_name:
        digests.add(("name_postcode", name_digest(person.first_name, person.last_name, postcode)))
    for entry in Elector.objects.filter(person=person).select_related("property"):
        entry_postcode = entry.property.postcode if entry.property_id else ""
        digests.add(("name_postcode", name_digest(entry.forenames, entry.surname, entry_postcode)))
    for address in ContactEmail.objects.filter(person=person).values_list("address", flat=True):
        digests.add(("email", email_digest(address)))
    for number in ContactPhone.objects.filter(person=person).values_list("number", flat=True):
        digests.add(("phone", phone_digest(number)))
    for kind, digest in digests:
        Suppression.objects.get_or_create(
            constituency_id=person.constituency_id, digest=digest, defaults={"kind": kind}
        )
    return len(digests)


def _people(subject: DataSubject) -> list[Person]:
    people = []
    if subject.person is not None:
        people.append(subject.person)
    if subject.user is not None:
        people.extend(
            Person.objects.filter(user=subject.user).exclude(pk__in=[p.pk for p in people])
        )
    return people


def _consent(contact) -> dict:
    """What they agreed to, when and how: part of what we hold about them."""
    return {
        "consent": contact.consent,
        "consent_recorded_at": str(contact.consent_recorded_at or ""),
        "consent_source": contact.consent_source,
        "consent_wording": contact.consent_wording,
    }


def export(subject: DataSubject) -> dict:
    result = []
    for person in _people(subject):
        membership = Membership.objects.filter(person=person).first()
        result.append(
            {
                "name": str(person),
                "title": person.title,
                "date_of_birth": str(person.date_of_birth or ""),
                "address": str(person.property or ""),
                "do_not_contact": person.do_not_contact,
                "do_not_contact_by": [
                    channel
                    for channel, flag in DO_NOT_CONTACT_FLAGS.items()
                    if channel != "all" and getattr(person, flag)
                ],
                "deceased": person.deceased,
                "notes": person.notes,
                "emails": [
                    {"address": e.address, "source": e.source, **_consent(e)}
                    for e in ContactEmail.objects.filter(person=person)
                ],
                "phones": [
                    {"number": p.number, "source": p.source, **_consent(p)}
                    for p in ContactPhone.objects.filter(person=person)
                ],
                "register_entries": [
                    {
                        "number": e.elector_number,
                        "name": str(e),
                        "markers": e.markers,
                        "on_register": e.on_register,
                    }
                    for e in Elector.objects.filter(person=person).select_related(
                        "polling_district"
                    )
                ],
                "membership": (
                    {"number": membership.number, "status": membership.status}
                    if membership
                    else None
                ),
                "tags": list(person.tags.values_list("name", flat=True)),
                "absent_votes": [
                    {
                        "election": str(a.election),
                        "method": a.method,
                        "ballot_address": a.ballot_address,
                        "proxy_name": a.proxy_name,
                        "proxy_address": a.proxy_address,
                        "ballot_returned_on": str(a.returned_on or ""),
                    }
                    for a in AbsentVoter.objects.filter(person=person).select_related("election")
                ],
                "vote_history": [
                    {"election": str(v.election), "method": v.method, "voted": v.voted}
                    for v in VoteRecord.objects.filter(person=person).select_related("election")
                ],
                "contacts": _contacts(person),
                "answers_outside_contacts": [
                    _answer(a)
                    for a in Answer.objects.filter(person=person, contact__isnull=True)
                    .select_related("question")
                    .order_by("answered_at")
                ],
            }
        )
    return {"people": result}


def _answer(answer) -> dict:
    return {
        "question": answer.question.text,
        "answer": answer.values,
        "when": answer.answered_at.isoformat(),
        "channel": answer.get_channel_display(),
    }


def _contacts(person) -> list[dict]:
    contacts = (
        Contact.objects.filter(person=person)
        .prefetch_related(Prefetch("answers", Answer.objects.select_related("question")))
        .order_by("contacted_at")
    )
    return [
        {
            "when": c.contacted_at.isoformat(),
            "channel": c.get_channel_display(),
            "outcome": c.get_outcome_display() if c.outcome else "",
            "voting_intention": c.get_intention_display() if c.intention else "",
            "strength": c.strength,
            "where": c.context,
            "counts": c.review_status == "accepted",
            "answers": [_answer(a) for a in c.answers.all()],
        }
        for c in contacts
    ]


def erase(subject: DataSubject, *, actor) -> dict:
    erased = 0
    with transaction.atomic():
        for person in _people(subject):
            audit_record(actor=actor, action="person.erase", target=person)
            _suppress(person)
            MemberMatch.objects.filter(membership__person=person).delete()
            # What they told us has no value once anonymised, and is about a named person.
            Answer.objects.filter(person=person).delete()
            Contact.objects.filter(person=person).delete()
            ContactSummary.objects.filter(person=person).delete()
            ContactEmail.objects.filter(person=person).delete()
            ContactPhone.objects.filter(person=person).delete()
            Membership.objects.filter(person=person).delete()
            AbsentVoter.objects.filter(person=person).delete()
            VoteRecord.objects.filter(person=person).delete()
            Elector.objects.filter(person=person).update(
                surname="(erased)",
                forenames="",
                title="",
                date_of_birth=None,
                attainer_date=None,
            )
            person.tags.clear()
            Person.objects.filter(pk=person.pk).update(
                title="",
                first_name="",
                last_name="(erased)",
                date_of_birth=None,
                notes="",
                property=None,
                user=None,
                do_not_contact=True,
                erased_at=timezone.now(),
            )
            erased += 1
    return {"people_erased": erased}


declare(
    app_label="members",
    models=[
        Person,
        ContactEmail,
        ContactPhone,
        Contact,
        Answer,
        ContactSummary,
        Elector,
        Membership,
        MemberMatch,
        ImportBatch,
        Suppression,
        AbsentVoter,
        VoteRecord,
    ],
    export=export,
    erase=erase,
    notes=(
        "Erasure deletes the person's contacts, answers and contact summary (what they told "
        "us, from every tool), their absent-vote arrangements and vote history, anonymises "
        "the person and keeps only one-way hashes of their "
        "name+postcode, emails and phones (Suppression) so that the next register or "
        "membership import does not re-add them. Uploaded files (ImportBatch) are emptied "
        "once imported."
    ),
)
