import datetime

import pytest
from django.test import Client
from django.urls import reverse

from clp.roles import RoleCode
from members.importers import FileProblem
from members.models import ConsentState, Elector, MemberMatch, Membership, Person
from members.services.member_imports import member_match_decide, members_import
from members.services.register_imports import register_import
from members.tests.registers import XPRESS14, csv_bytes, xpress14_row

HEADER = [
    "Membership Number",
    "Title",
    "First Name",
    "Last Name",
    "Email",
    "Mobile",
    "Telephone",
    "Status",
    "Branch",
    "Joined",
    "Address1",
    "Address2",
    "Postcode",
    "Email Consent",
]


def member(
    number,
    first,
    last,
    *,
    email="",
    mobile="",
    status="Active",
    address="1 Castle Street",
    postcode="NB1 2AB",
    consent="yes",
):
    return [
        number,
        "",
        first,
        last,
        email,
        mobile,
        "",
        status,
        "Northbridge Central branch",
        "01/02/2020",
        address,
        "Northbridge",
        postcode,
        consent,
    ]


@pytest.fixture
def register(geography):
    rows = [
        xpress14_row("CA", 1, "Smith", "John", ["1 Castle Street", "Northbridge"]),
        xpress14_row("CA", 2, "Smith", "Mary", ["1 Castle Street", "Northbridge"]),
        xpress14_row("CA", 3, "Jones", "Ann", ["2 Castle Street", "Northbridge"]),
        xpress14_row("CA", 4, "Jones", "Alan", ["2 Castle Street", "Northbridge"]),
    ]
    register_import(
        actor=None,
        constituency=geography["constituency"],
        data=csv_bytes(XPRESS14, rows),
        filename="r.csv",
        published_on=datetime.date(2026, 12, 1),
    )
    return geography


def _import(geography, rows, **kwargs):
    return members_import(
        actor=None,
        constituency=geography["constituency"],
        data=csv_bytes(HEADER, rows),
        filename="members.csv",
        **kwargs,
    )


@pytest.mark.django_db
def test_confident_match_links_member_to_their_register_entry(register):
    report = _import(
        register, [member("L100", "Mary", "Smith", email="Mary@Example.org", mobile="07700 900123")]
    )
    assert report["members_created"] == 1 and report["linked"] == 1
    mary = Elector.objects.get(number=2)
    membership = Membership.objects.get(number="L100")
    assert membership.person_id == mary.person_id
    assert membership.branch.name == "Northbridge Central branch"
    email = mary.person.emails.get()
    assert email.address == "mary@example.org" and email.consent == ConsentState.GRANTED
    assert mary.person.phones.get().number == "+447700900123"
    # The member-only record made during import is kept, marked as merged.
    assert Person.objects.filter(merged_into=mary.person).count() == 1


@pytest.mark.django_db
def test_uncertain_match_goes_to_review_and_organiser_decides(register, users):
    report = _import(register, [member("L200", "A", "Jones", address="2 Castle St")])
    assert report["review"] == 1 and report["linked"] == 0
    matches = MemberMatch.objects.filter(status=MemberMatch.Status.PENDING)
    assert matches.count() == 2  # Ann and Alan both start with A
    # The organiser's home page counts members to match, not candidate pairs.
    client = Client()
    client.force_login(users[RoleCode.ORGANISER])
    assert "1 member to match to the register" in client.get(reverse("home")).content.decode()
    alan = Elector.objects.get(number=4)
    choice = matches.get(elector=alan)
    member_match_decide(actor=users[RoleCode.ORGANISER], match=choice, same_person=True)
    assert Membership.objects.get(number="L200").person_id == alan.person_id
    assert not MemberMatch.objects.filter(status=MemberMatch.Status.PENDING).exists()


@pytest.mark.django_db
def test_reimporting_the_list_updates_status_without_duplicates(register):
    _import(register, [member("L100", "Mary", "Smith", email="mary@example.org")])
    report = _import(
        register, [member("L100", "Mary", "Smith", email="mary@example.org", status="Lapsed")]
    )
    assert report["members_created"] == 0 and report["members_updated"] == 1
    assert Membership.objects.get().status == Membership.Status.LAPSED
    assert Elector.objects.get(number=2).person.emails.count() == 1


@pytest.mark.django_db
def test_member_with_no_register_entry_is_kept_unmatched(register):
    report = _import(register, [member("L300", "Zoe", "Nobody", postcode="NB9 9ZZ")])
    assert report["unmatched"] == 1
    assert Membership.objects.get().person.last_name == "Nobody"


@pytest.mark.django_db
def test_bad_phone_and_status_name_row_and_column(register):
    rows = [member("L1", "A", "B", mobile="12"), member("L2", "C", "D", status="Maybe")]
    with pytest.raises(FileProblem) as caught:
        _import(register, rows)
    assert "Row 2, column 6 (Mobile)" in caught.value.messages[0]
    assert "Row 3, column 8 (Status)" in caught.value.messages[1]
    assert not Membership.objects.exists()


@pytest.mark.django_db
def test_members_dry_run_writes_nothing(register):
    report = _import(register, [member("L100", "Mary", "Smith")], dry_run=True)
    assert report["members_created"] == 1
    assert not Membership.objects.exists()
