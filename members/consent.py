"""Consent before contact (Invariant 5): the one place that decides who may be emailed, texted
or called. Every sender (mailings, SMS, phone banks, ad audiences) asks here.

- Email and SMS need recorded consent for that address or number.
- Calls skip people marked do-not-phone, numbers whose consent was refused or withdrawn, and
  numbers on the Telephone Preference Service unless consent is recorded for that number.
- Nobody erased, merged into another record, reported deceased or marked do-not-contact is
  contacted at all.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from members.models import ConsentState, ContactEmail, ContactPhone, Person

NO_CALL = (ConsentState.REFUSED, ConsentState.WITHDRAWN)


def _reachable(person: Person) -> bool:
    return not (
        person.do_not_contact or person.erased_at or person.merged_into_id or person.deceased_on
    )


def may_email(person: Person, email: ContactEmail) -> bool:
    return (
        _reachable(person)
        and not person.do_not_email
        and email.person_id == person.pk
        and email.consent == ConsentState.GRANTED
    )


def may_text(person: Person, phone: ContactPhone) -> bool:
    return (
        _reachable(person)
        and not person.do_not_text
        and phone.person_id == person.pk
        and phone.kind != ContactPhone.Kind.LANDLINE
        and phone.consent == ConsentState.GRANTED
    )


def may_call(person: Person, phone: ContactPhone) -> bool:
    if not _reachable(person) or person.do_not_phone or phone.person_id != person.pk:
        return False
    if phone.consent in NO_CALL:
        return False
    return not phone.tps_registered or phone.consent == ConsentState.GRANTED


def _consented_and_reachable(channel_flag: str) -> dict:
    """Lookups for a contact detail with consent whose person is current and not opted out."""
    return {
        "consent": ConsentState.GRANTED,
        "person__do_not_contact": False,
        f"person__{channel_flag}": False,
        "person__erased_at__isnull": True,
        "person__merged_into__isnull": True,
        "person__deceased_on__isnull": True,
    }


def emailable_addresses() -> QuerySet:
    """Every email address that may be used, with its person (for bulk senders)."""
    return ContactEmail.objects.filter(**_consented_and_reachable("do_not_email"))


def textable_numbers() -> QuerySet:
    return ContactPhone.objects.filter(**_consented_and_reachable("do_not_text")).exclude(
        kind=ContactPhone.Kind.LANDLINE
    )


def callable_numbers() -> QuerySet:
    return (
        ContactPhone.objects.filter(
            person__do_not_contact=False,
            person__do_not_phone=False,
            person__erased_at__isnull=True,
            person__merged_into__isnull=True,
            person__deceased_on__isnull=True,
        )
        .exclude(consent__in=NO_CALL)
        .filter(Q(tps_registered=False) | Q(consent=ConsentState.GRANTED))
    )


def people_with_consent(people: QuerySet, channel: str) -> QuerySet:
    """Filter `people` to those reachable on `channel` ("email", "sms" or "phone")."""
    numbers = {
        "email": emailable_addresses,
        "sms": textable_numbers,
        "phone": callable_numbers,
    }[channel]()
    return people.filter(Exists(numbers.filter(person=OuterRef("pk"))))
