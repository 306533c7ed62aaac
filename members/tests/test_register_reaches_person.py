"""What the register says reaches the person: amendments, manual edits, moved away, town
lines and corrections."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clp.roles import RoleCode
from members.models import Elector, Person, Property
from members.services.register_updates import register_update_import
from members.tests.registers import XPRESS14, csv_bytes, import_register_file, small_register
from members.tests.test_register_updates import UPDATE_HEADER, update_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(geography):
    import_register_file(
        geography, csv_bytes(XPRESS14, small_register()), datetime.date(2026, 12, 1)
    )
    return geography


def _apply(geography, rows, published_on=datetime.date(2027, 1, 1)):
    return register_update_import(
        actor=None,
        constituency=geography["constituency"],
        data=csv_bytes(UPDATE_HEADER, rows),
        filename="update.csv",
        published_on=published_on,
    )


def test_monthly_amendment_renames_the_person_and_search_finds_the_new_name(register, client_for):
    mary = Elector.objects.get(number=2).person
    report = _apply(register, [update_row("CA-2", "Mary", "Okonkwo", changed="2027-01")])
    mary.refresh_from_db()
    assert (mary.first_name, mary.last_name) == ("Mary", "Okonkwo")
    assert report["people_renamed"] == 1
    organiser = client_for(RoleCode.ORGANISER)
    found = organiser.get(reverse("members:people_list"), {"q": "Okonkwo"})
    assert [p.pk for p in found.context["page"].object_list] == [mary.pk]


def test_monthly_amendment_moves_the_person_to_the_new_address(register):
    john = Elector.objects.get(number=1).person
    report = _apply(
        register,
        [
            update_row(
                "CA-1",
                "John",
                "Smith",
                changed="2027-01",
                address=("9 Mill Lane", "Northbridge"),
                postcode="NB1 9ZZ",
            )
        ],
    )
    john.refresh_from_db()
    assert john.property.address_lines == ["9 Mill Lane", "Northbridge"]
    assert report["people_moved"] == 1


def test_amendment_older_than_a_manual_edit_is_flagged_not_applied(register, client_for):
    mary = Elector.objects.get(number=2).person
    Person.objects.filter(pk=mary.pk).update(
        first_name="Maria",
        edited_at=timezone.make_aware(datetime.datetime(2027, 1, 10, 9, 0)),
    )
    report = _apply(register, [update_row("CA-2", "Mary", "Okonkwo", changed="2027-01")])
    mary.refresh_from_db()
    assert (mary.first_name, mary.last_name) == ("Maria", "Smith")
    assert "edited by hand on 10 Jan 2027" in mary.review_reason
    assert report["people_to_review"] == [
        {"person": mary.pk, "elector": "CA-2", "listed_as": "Mary Okonkwo"}
    ]
    # The register entry itself follows the council.
    assert Elector.objects.get(number=2).surname == "Okonkwo"
    organiser = client_for(RoleCode.ORGANISER)
    person_page = organiser.get(reverse("members:person_detail", args=[mary.pk]))
    assert "edited by hand" in person_page.content.decode()
    review = organiser.get(reverse("members:match_list")).content.decode()
    assert "Mary Okonkwo" in review and "Maria Smith" in review
    organiser.post(reverse("members:person_review_clear", args=[mary.pk]))
    assert Person.objects.get(pk=mary.pk).review_reason == ""
    assert "Nobody to check" in organiser.get(reverse("members:match_list")).content.decode()


def test_amendment_newer_than_a_manual_edit_is_applied(register):
    mary = Elector.objects.get(number=2).person
    Person.objects.filter(pk=mary.pk).update(
        edited_at=timezone.make_aware(datetime.datetime(2026, 12, 20, 9, 0))
    )
    _apply(register, [update_row("CA-2", "Mary", "Okonkwo", changed="2027-01")])
    mary.refresh_from_db()
    assert mary.last_name == "Okonkwo" and mary.review_reason == ""


def test_a_new_town_line_alone_in_an_amendment_is_not_a_house_move(register):
    john = Elector.objects.get(number=1).person
    home = john.property_id
    report = _apply(
        register,
        [
            update_row(
                "CA-1",
                "John",
                "Smith",
                changed="2027-01",
                address=("1 Castle Street", "Northbridge-on-Sea"),
            )
        ],
    )
    john.refresh_from_db()
    assert john.property_id == home
    assert Elector.objects.get(number=1).property_id == home
    assert report["people_moved"] == 0


def test_a_new_town_line_alone_in_the_next_register_is_not_a_house_move(register):
    homes = dict(Person.objects.values_list("pk", "property_id"))
    rows = small_register()
    for row in rows:
        row[9] = "Northbridge Town"  # Address2, the town line
    report = import_register_file(register, csv_bytes(XPRESS14, rows), datetime.date(2027, 3, 1))
    assert report["people_moved"] == 0
    assert dict(Person.objects.values_list("pk", "property_id")) == homes
    assert set(Elector.objects.values_list("property_id", flat=True)) == set(homes.values())
    # The address reads as the council now writes it, and no empty copy of it is left over.
    john = Elector.objects.get(number=1)
    assert john.property.address_lines == ["1 Castle Street", "Northbridge Town"]
    assert Property.objects.count() == len(set(homes.values()))
    # The next register, the same again, finds every entry as it is.
    again = import_register_file(register, csv_bytes(XPRESS14, rows), datetime.date(2027, 6, 1))
    assert (again["electors_changed"], again["people_moved"]) == (0, 0)


def test_a_new_house_number_is_still_a_house_move(register):
    rows = small_register()
    rows[0][8] = "11 Castle Street"  # Address1 of CA-1
    report = import_register_file(register, csv_bytes(XPRESS14, rows), datetime.date(2027, 3, 1))
    assert report["people_moved"] == 1


def test_register_says_whether_people_reported_moved_away_left(register):
    gone = Elector.objects.get(number=3).person
    stayed = Elector.objects.get(number=4).person
    Person.objects.filter(pk__in=[gone.pk, stayed.pk]).update(
        moved_away_reported_on=datetime.date(2027, 1, 5)
    )
    rows = [row for row in small_register() if row[1] != "3"]
    report = import_register_file(
        register, csv_bytes(XPRESS14, rows), datetime.date(2027, 3, 1), confirm_leavers=True
    )
    assert report["moved_away_confirmed"] == 1
    assert report["moved_away_still_listed"] == ["CA-4 Ravi Patel"]
    assert Person.objects.get(pk=gone.pk).moved_away_reported_on is None
    assert Person.objects.get(pk=stayed.pk).moved_away_reported_on == datetime.date(2027, 1, 5)


def test_monthly_deletion_confirms_a_reported_move(register):
    gone = Elector.objects.get(number=3).person
    Person.objects.filter(pk=gone.pk).update(moved_away_reported_on=datetime.date(2026, 12, 20))
    report = _apply(register, [update_row("CA-3", "Ann", "Jones", deleted="2027-01")])
    assert report["moved_away_confirmed"] == 1
    assert Person.objects.get(pk=gone.pk).moved_away_reported_on is None


def test_full_register_with_a_known_publication_date_says_it_is_a_correction(register):
    report = import_register_file(
        register, csv_bytes(XPRESS14, small_register()), datetime.date(2026, 12, 1)
    )
    assert report["correction_of"] == "1 Dec 2026"
    assert "treated as a correction of the 1 Dec 2026 register" in report["notice"]
    fresh = import_register_file(
        register, csv_bytes(XPRESS14, small_register()), datetime.date(2027, 3, 1)
    )
    assert "correction_of" not in fresh


@pytest.mark.django_db(transaction=True)
def test_import_page_says_a_same_date_register_is_a_correction(register, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from members.models import ImportBatch

    client = client_for(RoleCode.ORGANISER)
    upload = SimpleUploadedFile("again.csv", csv_bytes(XPRESS14, small_register()))
    client.post(
        reverse("members:import_upload"),
        {"kind": "register", "file": upload, "published_on": "01/12/2026"},
    )
    batch = ImportBatch.objects.get(filename="again.csv")
    assert batch.status == ImportBatch.Status.DONE
    page = client.get(reverse("members:import_detail", args=[batch.pk])).content.decode()
    assert "treated as a correction of the 1 Dec 2026 register" in page
    # Before it runs (a batch waiting for its column mapping), the page says so too.
    waiting = ImportBatch.objects.create(
        constituency=register["constituency"],
        kind="register",
        status=ImportBatch.Status.NEEDS_MAPPING,
        filename="odd.csv",
        published_on=datetime.date(2026, 12, 1),
    )
    page = client.get(reverse("members:import_detail", args=[waiting.pk])).content.decode()
    assert "treated as a correction of the 1 Dec 2026 register" in page


def test_a_register_older_than_the_moved_away_report_does_not_confirm_it(register):
    gone = Elector.objects.get(number=3).person
    Person.objects.filter(pk=gone.pk).update(moved_away_reported_on=datetime.date(2027, 1, 5))
    report = _apply(register, [update_row("CA-3", "Ann", "Jones", deleted="2026-12")])
    assert report["moved_away_confirmed"] == 0
    assert Person.objects.get(pk=gone.pk).moved_away_reported_on == datetime.date(2027, 1, 5)
