"""Personal data in the shared database: people, their contact details, register entries and
memberships. Erasure anonymises the person (history stays, attributed to nobody)."""

from django.db import transaction
from django.utils import timezone

from clp.audit import audit_record
from gdpr.registry import DataSubject, declare
from members.models import ContactEmail, ContactPhone, Elector, Membership, Person


def _people(subject: DataSubject) -> list[Person]:
    people = []
    if subject.person is not None:
        people.append(subject.person)
    if subject.user is not None:
        people.extend(
            Person.objects.filter(user=subject.user).exclude(pk__in=[p.pk for p in people])
        )
    return people


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
                "emails": [
                    {"address": e.address, "consent": e.consent, "source": e.source}
                    for e in ContactEmail.objects.filter(person=person)
                ],
                "phones": [
                    {"number": p.number, "consent": p.consent, "source": p.source}
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
            }
        )
    return {"people": result}


def erase(subject: DataSubject, *, actor) -> dict:
    erased = 0
    with transaction.atomic():
        for person in _people(subject):
            audit_record(actor=actor, action="person.erase", target=person)
            ContactEmail.objects.filter(person=person).delete()
            ContactPhone.objects.filter(person=person).delete()
            Membership.objects.filter(person=person).delete()
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
    models=[Person, ContactEmail, ContactPhone, Elector, Membership],
    export=export,
    erase=erase,
)
