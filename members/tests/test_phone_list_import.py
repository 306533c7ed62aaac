import datetime

import pytest
from django.urls import reverse

from clp.models import AuditEntry
from clp.roles import RoleCode
from members import consent
from members.importers import FileProblem
from members.models import ConsentState, ContactPhone, Elector, Person
from members.services.phones import PhoneListProblem, phone_list_import
from members.services.register_imports import register_import
from members.tests.registers import XPRESS14, csv_bytes, xpress14_row


@pytest.fixture
def register(geography):
    rows = [
        xpress14_row("CA", 1, "Smith", "John", ["1 Castle Street", "Northbridge"]),
        xpress14_row("CA", 2, "Smith", "Mary", ["1 Castle Street", "Northbridge"]),
        xpress14_row("CA", 3, "Jones", "Ann", ["2 Castle Street", "Northbridge"]),
    ]
    register_import(
        actor=None,
        constituency=geography["constituency"],
        data=csv_bytes(XPRESS14, rows),
        filename="r.csv",
        published_on=datetime.date(2026, 12, 1),
    )
    return geography


def _person(number):
    return Elector.objects.get(polling_district__code="CA", number=number).person


def _import(geography, header, rows, filename="phones.csv"):
    return phone_list_import(
        actor=None,
        constituencies=[geography["constituency"]],
        data=csv_bytes(header, rows),
        filename=filename,
    )


@pytest.mark.django_db
def test_a_phone_list_adds_numbers_with_consent_and_tps_to_the_electors_it_names(register):
    ann = _person(3)
    rows = [
        ["CA-1", "07700 900123", "yes", "no"],
        ["ca 2", "(020) 7946 0000", "", "yes"],
        ["CA3", "+44 7700 900124", "refused", ""],
        ["CA-1", "", "", ""],  # no number: nothing to add
    ]
    report = _import(register, ["PD/ENO", "Phone Number", "Consent", "TPS"], rows)
    assert report == {
        "rows": 4,
        "added": 3,
        "updated": 0,
        "unchanged": 0,
        "rows_without_number": 1,
    }
    john = _person(1).phones.get()
    assert (john.number, john.kind, john.consent) == (
        "+447700900123",
        ContactPhone.Kind.MOBILE,
        ConsentState.GRANTED,
    )
    assert john.source == "phone list phones.csv" and not john.tps_registered
    mary = _person(2).phones.get()
    assert (mary.kind, mary.consent, mary.tps_registered) == ("landline", "unknown", True)
    assert ann.phones.get().consent == ConsentState.REFUSED
    assert set(consent.callable_numbers()) == {john}
    assert AuditEntry.objects.filter(action="members.phone_list_import").count() == 1


@pytest.mark.django_db
def test_importing_the_same_phone_list_again_changes_nothing(register):
    rows = [["CA", "1", "", "07700 900123", "yes"]]
    header = ["Polling District", "ENO", "Suffix", "Mobile", "Consent"]
    _import(register, header, rows)
    again = _import(register, header, rows)
    assert again["added"] == again["updated"] == 0 and again["unchanged"] == 1
    assert ContactPhone.objects.count() == 1

    changed = _import(register, header, [["CA", "1", "0", "07700900123", "withdrawn"]])
    assert changed["updated"] == 1
    assert ContactPhone.objects.get().consent == ConsentState.WITHDRAWN


@pytest.mark.django_db
def test_a_phone_list_with_bad_rows_reports_each_row_and_imports_nothing(register):
    header = ["Elector Number", "Telephone", "Consent", "TPS"]
    rows = [
        ["CA-1", "07700 900123", "yes", ""],
        ["CA-99", "07700 900124", "", ""],
        ["CA-2", "0770 090", "", ""],
        ["CA-3", "07700 900125", "perhaps", "maybe"],
        ["not one", "07700 900126", "", ""],
    ]
    with pytest.raises(PhoneListProblem) as refused:
        _import(register, header, rows)
    assert refused.value.rows == [
        (3, "column 1 (Elector Number)", "No elector CA-99 on the register in your area."),
        (4, "column 2 (Telephone)", refused.value.rows[1][2]),
        (5, "column 3 (Consent)", refused.value.rows[2][2]),
        (5, "column 4 (TPS)", "“maybe” is not yes or no."),
        (6, "column 1 (Elector Number)", refused.value.rows[4][2]),
    ]
    assert "too short" in refused.value.rows[1][2]
    assert "“perhaps” is not a consent answer" in refused.value.rows[2][2]
    assert not ContactPhone.objects.exists()


@pytest.mark.django_db
def test_a_phone_list_reaches_only_people_in_the_organisers_constituencies(register):
    person = _person(1)
    with pytest.raises(PhoneListProblem) as refused:
        phone_list_import(
            actor=None,
            constituencies=[],
            data=csv_bytes(["Person ID", "Phone"], [[str(person.pk), "07700 900123"]]),
            filename="p.csv",
        )
    assert refused.value.rows[0][2] == f"No person {person.pk} in your area."
    report = _import(register, ["Person ID", "Phone"], [[str(person.pk), "07700 900123"]])
    assert report["added"] == 1 and person.phones.count() == 1


@pytest.mark.django_db
def test_a_phone_list_without_a_phone_column_says_what_to_call_it(register):
    with pytest.raises(FileProblem) as refused:
        _import(register, ["Elector Number", "Name"], [["CA-1", "John"]])
    assert "no phone column" in refused.value.messages[0]


@pytest.mark.django_db
def test_organiser_uploads_a_phone_list_and_sees_bad_rows_in_a_table(client_for, register):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(RoleCode.ORGANISER)
    url = reverse("members:phone_list_import")
    assert "Import a phone list" in client.get(reverse("members:import_list")).text
    bad = SimpleUploadedFile(
        "bad.csv", csv_bytes(["Elector Number", "Phone"], [["CA-1", "12"], ["CA-7", "07700900123"]])
    )
    page = client.post(url, {"file": bad})
    assert page.status_code == 400
    assert "Nothing was imported: 2 problems" in page.text
    assert "<td>2</td><td>column 2 (Phone)</td>" in page.text
    assert "No elector CA-7 on the register in your area." in page.text
    assert not ContactPhone.objects.exists()

    good = SimpleUploadedFile(
        "good.csv", csv_bytes(["Elector Number", "Phone"], [["CA-1", "07700900123"]])
    )
    page = client.post(url, {"file": good}, follow=True)
    assert "Imported good.csv. Rows in the file: 1, numbers added: 1" in page.text
    assert Person.objects.filter(phones__number="+447700900123").get() == _person(1)


@pytest.mark.django_db
def test_area_organisers_and_it_managers_cannot_import_phone_lists(client_for, register):
    for role in (RoleCode.AREA_ORGANISER, RoleCode.IT_MANAGER):
        assert client_for(role).get(reverse("members:phone_list_import")).status_code == 403
    it_imports = client_for(RoleCode.IT_MANAGER).get(reverse("members:import_list")).text
    assert "Import a phone list" not in it_imports


@pytest.mark.django_db
def test_a_phone_list_may_give_the_district_and_elector_number_in_two_columns(register):
    header = ["PD", "Elector No", "Tel"]
    report = _import(register, header, [["CA", "2", "07700 900123"], ["ca", "3/0", "07700900124"]])
    assert report["added"] == 2
    assert _person(2).phones.get().number == "+447700900123"
    assert _person(3).phones.get().number == "+447700900124"
