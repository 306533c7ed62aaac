"""Editing a person on their page (issue 9 §3): contact details with consent, do-not-contact
flags that every sender obeys, deceased, notes, tags and membership; every edit audited with
before and after; a save based on a stale page is refused, never a silent overwrite."""

import pytest
from django.urls import reverse

from clp.models import AuditEntry
from clp.roles import RoleCode
from members import consent
from members.models import (
    Branch,
    ConsentState,
    ContactEmail,
    ContactPhone,
    Elector,
    Membership,
    Person,
    Tag,
)
from members.services.people import person_do_not_contact_set, person_update
from members.tests.test_pages import register  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

PERSON_FORM = {
    "title": "",
    "first_name": "John",
    "last_name": "Smith",
    "date_of_birth": "",
    "notes": "",
}


def _person(code="CA", number=1) -> Person:
    return Elector.objects.get(polling_district__code=code, number=number).person


def _edits(person, action="person.update"):
    return AuditEntry.objects.filter(
        target_type="members.person", target_id=str(person.pk), action=action
    ).order_by("id")


def _form(person, **fields):
    person.refresh_from_db()
    return {**PERSON_FORM, "version": person.version, **fields}


def test_organiser_records_email_consent_with_its_wording_source_and_recorder(
    register,  # noqa: F811
    client_for,
    users,
):
    person = _person()
    client = client_for(RoleCode.ORGANISER)
    url = reverse("members:person_contact_add", args=[person.pk, "email"])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "version": person.version,
            "address": "John.Smith@Example.org",
            "consent": ConsentState.GRANTED,
            "consent_source": "Petition, High Street",
            "consent_wording": "Yes, Labour may email me about local campaigns.",
            "source": "Petition",
        },
    )
    assert response.status_code == 302
    email = ContactEmail.objects.get(person=person)
    assert email.address == "john.smith@example.org"
    assert email.consent_wording == "Yes, Labour may email me about local campaigns."
    assert email.consent_source == "Petition, High Street"
    assert email.consent_recorded_by == users[RoleCode.ORGANISER]
    assert email.consent_recorded_at is not None
    person.refresh_from_db()
    assert consent.may_email(person, email)
    page = client.get(reverse("members:person_detail", args=[person.pk])).content.decode()
    assert "Yes, Labour may email me about local campaigns." in page
    assert "recorded by Test organiser" in page

    # Withdrawn later: the audit entry keeps the consent before and after.
    response = client.post(
        reverse("members:person_contact_edit", args=[person.pk, "email", email.pk]),
        {
            "version": person.version,
            "address": email.address,
            "consent": ConsentState.WITHDRAWN,
            "consent_source": "Phoned the office",
            "consent_wording": email.consent_wording,
            "source": "Petition",
        },
    )
    assert response.status_code == 302
    email.refresh_from_db()
    assert not consent.may_email(person, email)
    entry = _edits(person, "person.email_update").get()
    assert entry.actor == users[RoleCode.ORGANISER]
    assert entry.details["before"] == {
        "consent": "granted",
        "consent_source": "Petition, High Street",
        "consent_recorded_at": entry.details["before"]["consent_recorded_at"],
    }
    assert entry.details["after"]["consent"] == "withdrawn"
    assert _edits(person, "person.email_add").get().details["after"]["consent"] == "granted"


def test_marking_someone_do_not_phone_takes_their_numbers_off_every_call_list(
    register,  # noqa: F811
    client_for,
):
    person = _person()
    phone = ContactPhone.objects.create(person=person, number="+441632960001")
    assert consent.may_call(person, phone) and phone in consent.callable_numbers()
    response = client_for(RoleCode.ORGANISER).post(
        reverse("members:person_edit", args=[person.pk]), _form(person, do_not_phone="on")
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.do_not_phone and person.version == 2
    assert not consent.may_call(person, phone)
    assert phone not in consent.callable_numbers()
    entry = _edits(person).get()
    assert entry.details == {
        "version": 2,
        "before": {"do_not_phone": False},
        "after": {"do_not_phone": True},
    }


def test_someone_who_has_died_is_never_emailed_texted_or_called(register, client_for):  # noqa: F811
    person = _person()
    email = ContactEmail.objects.create(
        person=person, address="a@example.org", consent=ConsentState.GRANTED
    )
    mobile = ContactPhone.objects.create(
        person=person,
        number="+447700900123",
        kind=ContactPhone.Kind.MOBILE,
        consent=ConsentState.GRANTED,
    )
    response = client_for(RoleCode.AREA_ORGANISER).post(
        reverse("members:person_edit", args=[person.pk]), _form(person, deceased="on")
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.deceased
    assert not consent.may_email(person, email)
    assert not consent.may_text(person, mobile) and not consent.may_call(person, mobile)
    assert not consent.emailable_addresses().exists()
    assert not consent.textable_numbers().exists() and not consent.callable_numbers().exists()


def test_notes_and_tags_are_edited_and_audited(register, client_for):  # noqa: F811
    person = _person()
    helper = Tag.objects.create(name="Helper")
    client = client_for(RoleCode.ORGANISER)
    client.post(
        reverse("members:person_edit", args=[person.pk]),
        _form(person, notes="Will deliver leaflets", tags=[helper.pk]),
    )
    person.refresh_from_db()
    assert person.notes == "Will deliver leaflets"
    assert list(person.tags.all()) == [helper]
    assert _edits(person).get().details["after"] == {
        "notes": "Will deliver leaflets",
        "tags": ["Helper"],
    }


def test_the_later_of_two_overlapping_saves_is_refused_and_says_who_changed_what(
    register,  # noqa: F811
    client_for,
    users,
):
    person = _person()
    url = reverse("members:person_edit", args=[person.pk])
    opened_at = person.version  # both open the edit page now
    area = client_for(RoleCode.AREA_ORGANISER)
    assert area.post(url, {**PERSON_FORM, "version": opened_at, "notes": "Moved in with son"})[
        "Location"
    ].endswith(f"/people/{person.pk}/")
    organiser = client_for(RoleCode.ORGANISER)
    mine = {**PERSON_FORM, "version": opened_at, "notes": "Prefers Welsh", "do_not_post": "on"}
    response = organiser.post(url, mine)
    assert response.status_code == 409
    page = response.content.decode()
    assert "areaorganiser@test.example changed this person at" in page.replace("_", "")
    assert "your changes were not saved" in page
    assert "Notes: “(empty)” → “Moved in with son”" in page
    person.refresh_from_db()
    assert person.notes == "Moved in with son" and not person.do_not_post  # nothing overwritten
    form = response.context["form"]
    assert form["notes"].value() == "Prefers Welsh" and form["do_not_post"].value()  # kept
    # Saving again, having seen their change, is a deliberate choice and goes through.
    assert organiser.post(url, {**mine, "version": form["version"].value()}).status_code == 302
    person.refresh_from_db()
    assert person.notes == "Prefers Welsh" and person.do_not_post


def test_a_consent_change_from_a_stale_page_is_refused_too(register, client_for):  # noqa: F811
    person = _person()
    email = ContactEmail.objects.create(person=person, address="a@example.org")
    opened_at = person.version
    person_do_not_contact_set(actor=None, person=person, channel="email")
    response = client_for(RoleCode.ORGANISER).post(
        reverse("members:person_contact_edit", args=[person.pk, "email", email.pk]),
        {"version": opened_at, "address": email.address, "consent": ConsentState.GRANTED},
    )
    assert response.status_code == 409
    assert "Do not email: “no” → “yes”" in response.content.decode()
    email.refresh_from_db()
    assert email.consent == ConsentState.UNKNOWN


def test_area_organiser_cannot_edit_people_outside_their_area_nor_members_anyone(
    register,  # noqa: F811
    client_for,
):
    riverside = _person("RA")
    response = client_for(RoleCode.AREA_ORGANISER).post(
        reverse("members:person_edit", args=[riverside.pk]), _form(riverside, do_not_phone="on")
    )
    assert response.status_code == 404
    castle = _person()
    for role in (RoleCode.MEMBER, RoleCode.CANVASSER, RoleCode.IT_MANAGER):
        response = client_for(role).post(
            reverse("members:person_edit", args=[castle.pk]), _form(castle, do_not_phone="on")
        )
        assert response.status_code == 403
    riverside.refresh_from_db()
    castle.refresh_from_db()
    assert not riverside.do_not_phone and not castle.do_not_phone


def test_membership_status_branch_arrears_and_dates_are_recorded(
    register,  # noqa: F811
    client_for,
):
    person = _person()
    branch = Branch.objects.filter(constituency=person.constituency).first()
    client = client_for(RoleCode.ORGANISER)
    url = reverse("members:membership_edit", args=[person.pk])
    data = {
        "version": person.version,
        "number": "L123456",
        "status": Membership.Status.MEMBER,
        "branch": branch.pk,
        "joined_on": "01/05/2019",
        "lapsed_on": "",
        "roles_held": "Branch secretary",
    }
    assert client.post(url, data).status_code == 302
    person.refresh_from_db()
    data.update(version=person.version, status=Membership.Status.ARREARS, in_arrears="on")
    assert client.post(url, data).status_code == 302
    membership = Membership.objects.get(person=person)
    assert membership.status == "arrears" and membership.in_arrears
    assert membership.branch == branch and str(membership.joined_on) == "2019-05-01"
    entry = _edits(person, "person.membership_update").last()
    assert entry.details["before"] == {"status": "member", "in_arrears": False}
    assert entry.details["after"] == {"status": "arrears", "in_arrears": True}


def test_a_writer_with_no_form_sets_a_flag_without_a_version(register):  # noqa: F811
    """Doorstep results and register amendments set a field through the same service."""
    person = _person()
    person_update(actor=None, person=person, changes={"deceased": True}, version=None)
    person.refresh_from_db()
    assert person.deceased and person.version == 2
    assert _edits(person).get().details["after"] == {"deceased": True}


def test_a_subject_access_export_includes_their_consent_wording_and_objections(
    register,  # noqa: F811
    client_for,
):
    from gdpr.registry import DataSubject, export_subject

    person = _person()
    client = client_for(RoleCode.ORGANISER)
    client.post(
        reverse("members:person_contact_add", args=[person.pk, "email"]),
        {
            "version": person.version,
            "address": "j@example.org",
            "consent": ConsentState.GRANTED,
            "consent_wording": "Email me about the campaign.",
        },
    )
    client.post(reverse("members:person_edit", args=[person.pk]), _form(person, do_not_post="on"))
    person.refresh_from_db()
    (exported,) = export_subject(DataSubject(person=person))["members"]["people"]
    assert exported["emails"][0]["consent_wording"] == "Email me about the campaign."
    assert exported["do_not_contact_by"] == ["post"]


def test_a_phone_added_on_the_person_page_is_stored_as_imports_store_it(
    register,  # noqa: F811
    client_for,
):
    person = _person()
    client = client_for(RoleCode.ORGANISER)
    url = reverse("members:person_contact_add", args=[person.pk, "phone"])
    form = {"version": person.version, "kind": "unknown", "consent": ConsentState.UNKNOWN}
    refused = client.post(url, {**form, "number": "0770 090"})
    assert refused.status_code == 400 and "too short" in refused.content.decode()
    assert client.post(url, {**form, "number": "07700 900 123"}).status_code == 302
    phone = ContactPhone.objects.get(person=person)
    assert (phone.number, phone.kind) == ("+447700900123", ContactPhone.Kind.MOBILE)
    person.refresh_from_db()
    again = client.post(url, {**form, "version": person.version, "number": "+44 7700 900123"})
    assert "They already have this one." in again.content.decode()
