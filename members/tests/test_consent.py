import pytest

from members import consent
from members.models import ConsentState, ContactEmail, ContactPhone, Person


@pytest.fixture
def person(geography):
    return Person.objects.create(
        constituency=geography["constituency"], first_name="A", last_name="B"
    )


@pytest.mark.django_db
def test_email_and_text_need_recorded_consent(person):
    email = ContactEmail.objects.create(person=person, address="a@example.org")
    mobile = ContactPhone.objects.create(
        person=person, number="+447700900123", kind=ContactPhone.Kind.MOBILE
    )
    assert not consent.may_email(person, email) and not consent.may_text(person, mobile)
    email.consent = mobile.consent = ConsentState.GRANTED
    assert consent.may_email(person, email) and consent.may_text(person, mobile)
    person.do_not_contact = True
    assert not consent.may_email(person, email) and not consent.may_text(person, mobile)


@pytest.mark.django_db
def test_calls_skip_tps_numbers_without_consent_and_refusals(person):
    tps = ContactPhone.objects.create(person=person, number="+441632960001", tps_registered=True)
    plain = ContactPhone.objects.create(person=person, number="+441632960002")
    refused = ContactPhone.objects.create(
        person=person, number="+441632960003", consent=ConsentState.REFUSED
    )
    assert [consent.may_call(person, p) for p in (tps, plain, refused)] == [False, True, False]
    assert set(consent.callable_numbers()) == {plain}
    tps.consent = ConsentState.GRANTED
    tps.save()
    assert consent.may_call(person, tps) and set(consent.callable_numbers()) == {tps, plain}
    people = consent.people_with_consent(Person.objects.all(), "email")
    assert not people.exists()
