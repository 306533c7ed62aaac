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


def _person(geography, **flags):
    return Person.objects.create(
        constituency=geography["constituency"], first_name="A", last_name="B", **flags
    )


@pytest.mark.django_db
def test_calls_skip_numbers_on_the_tps_list_unless_consent_was_given(person):
    from members.models import TpsNumber

    on_list = ContactPhone.objects.create(person=person, number="+441632960010")
    off_list = ContactPhone.objects.create(person=person, number="+441632960011")
    TpsNumber.objects.create(number="+441632960010")
    assert not consent.may_call(person, on_list) and consent.may_call(person, off_list)
    assert set(consent.callable_numbers()) == {off_list}
    assert consent.people_with_consent(Person.objects.all(), "phone").get() == person

    on_list.consent = ConsentState.GRANTED
    on_list.save()
    assert consent.may_call(person, on_list)
    assert set(consent.callable_numbers()) == {on_list, off_list}


@pytest.mark.django_db
def test_a_wrong_number_is_never_called_or_texted_whatever_its_consent(person):
    from members.services.phones import phone_reported_wrong

    mobile = ContactPhone.objects.create(
        person=person,
        number="+447700900124",
        kind=ContactPhone.Kind.MOBILE,
        consent=ConsentState.GRANTED,
    )
    assert consent.may_call(person, mobile) and consent.may_text(person, mobile)
    assert set(consent.textable_numbers()) == {mobile}

    phone_reported_wrong(actor=None, phone_id=mobile.pk)
    mobile.refresh_from_db()
    assert mobile.wrong_number_reported_at is not None
    assert not consent.may_call(person, mobile) and not consent.may_text(person, mobile)
    assert not consent.callable_numbers().exists() and not consent.textable_numbers().exists()
    assert not consent.people_with_consent(Person.objects.all(), "phone").exists()


@pytest.mark.django_db
def test_reporting_a_wrong_number_twice_keeps_the_first_report_and_one_audit_entry(person):
    from clp.models import AuditEntry
    from members.services.phones import phone_reported_wrong

    phone = ContactPhone.objects.create(person=person, number="+447700900125")
    first = phone_reported_wrong(actor=None, phone_id=phone.pk).wrong_number_reported_at
    again = phone_reported_wrong(actor=None, phone_id=phone.pk).wrong_number_reported_at
    assert first == again
    assert AuditEntry.objects.filter(action="phone.reported_wrong").count() == 1


@pytest.mark.django_db
def test_skip_reasons_count_each_person_under_the_first_rule_that_leaves_no_number(geography):
    from django.utils import timezone

    from members.models import TpsNumber

    now = timezone.now()

    def with_phones(*phones, **flags):
        person = _person(geography, **flags)
        for index, fields in enumerate(phones):
            ContactPhone.objects.create(person=person, number=f"+44163296{index:04d}", **fields)
        return person

    ok = {}
    with_phones()  # no phone number
    with_phones()
    with_phones(ok, do_not_contact=True, do_not_phone=True)  # do not contact, not do not phone
    with_phones(ok, do_not_phone=True)
    with_phones(ok, deceased=True)
    with_phones(ok, erased_at=now)
    with_phones({"consent": ConsentState.REFUSED}, {"consent": ConsentState.WITHDRAWN})
    with_phones({"consent": ConsentState.REFUSED}, {"wrong_number_reported_at": now})
    with_phones({"tps_registered": True})
    legacy = with_phones()  # a number kept as typed before numbers were normalised
    ContactPhone.objects.create(person=legacy, number="07700 9OO123")
    TpsNumber.objects.create(number="+441632960000")  # everyone's first number
    with_phones(ok)  # on the TPS list
    with_phones({"consent": ConsentState.GRANTED, "tps_registered": True})  # callable
    with_phones(ok, {})  # first on the TPS list, second callable

    assert consent.call_skip_reasons(Person.objects.all()) == {
        "no phone number": 2,
        "do not contact": 1,
        "do not phone": 1,
        "deceased": 1,
        "erased or merged": 1,
        "number refused/withdrawn": 1,
        "wrong number": 1,
        "number we cannot read": 1,
        "on the TPS without consent": 2,
        "callable_count": 2,
    }
    assert consent.callable_count(Person.objects.all()) == 2
    assert list(consent.call_skip_reasons(Person.objects.none()).values()) == [0] * 10
    assert not consent.may_call(legacy, legacy.phones.get())


@pytest.mark.django_db
def test_skip_reasons_take_a_single_query(geography, django_assert_num_queries):
    people = Person.objects.filter(constituency=geography["constituency"])
    with django_assert_num_queries(1):
        consent.call_skip_reasons(people)


@pytest.mark.django_db
def test_numbers_kept_as_typed_are_rewritten_in_e164_and_unreadable_ones_left_undialled(
    geography,
):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("members.migrations.0019_phone_numbers_in_e164")
    typed = _person(geography)
    ContactPhone.objects.create(person=typed, number="07700 900123")
    twice = _person(geography)
    ContactPhone.objects.create(person=twice, number="07700900124")
    ContactPhone.objects.create(person=twice, number="+447700900124")
    unreadable = _person(geography)
    ContactPhone.objects.create(person=unreadable, number="call Mum")

    migration.normalise(apps, None)

    assert list(typed.phones.values_list("number", flat=True)) == ["+447700900123"]
    assert list(twice.phones.values_list("number", flat=True)) == ["+447700900124"]
    assert list(unreadable.phones.values_list("number", flat=True)) == ["call Mum"]
    assert not consent.may_call(unreadable, unreadable.phones.get())
