"""Every writer keeps a person's home polling district (Person.polling_district) right: pages
scope people by it, so a wrong one shows a person to the wrong area organiser."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from clp.roles import RoleCode
from members.models import Elector, Person, PollingDistrict, Property
from members.selectors import people_for_user, segment_people
from members.services.address_imports import addresses_import
from members.services.member_imports import members_import
from members.services.people import person_merge
from members.services.register_imports import register_import
from members.services.register_updates import register_update_import
from members.tests.registers import XPRESS14, csv_bytes, small_register
from members.tests.test_address_imports import DC_HEADER
from members.tests.test_members_import import HEADER as MEMBERS_HEADER
from members.tests.test_members_import import member
from members.tests.test_register_updates import UPDATE_HEADER, update_row

pytestmark = pytest.mark.django_db


def _district(code):
    return PollingDistrict.objects.get(code=code)


def _home(person):
    return Person.objects.get(pk=person.pk).polling_district


@pytest.fixture
def register(geography):
    rows = small_register("CA", count=4) + small_register("RA", count=4, start=1)
    for row in rows[4:]:
        row[8] = row[8].replace("Castle", "River")
    register_import(
        actor=None,
        constituency=geography["constituency"],
        data=csv_bytes(XPRESS14, rows),
        filename="r.csv",
        published_on=datetime.date(2026, 12, 1),
    )
    return geography


def test_register_import_gives_everyone_the_district_of_their_entry(register):
    homes = {
        (e.polling_district.code, e.number): e.person.polling_district.code
        for e in Elector.objects.select_related("polling_district", "person__polling_district")
    }
    assert homes == {(pd, n): pd for pd in ("CA", "RA") for n in range(1, 5)}


def test_a_register_import_puts_a_known_person_back_in_their_entrys_district(register):
    john = Elector.objects.get(polling_district__code="CA", number=1).person
    Person.objects.filter(pk=john.pk).update(polling_district=_district("RB"))
    register_import(
        actor=None,
        constituency=register["constituency"],
        data=csv_bytes(XPRESS14, small_register("CA", count=4)),
        filename="r2.csv",
        published_on=datetime.date(2027, 12, 1),
    )
    assert _home(john) == _district("CA")


def test_monthly_update_gives_a_newcomer_the_district_of_their_entry(register):
    register_update_import(
        actor=None,
        constituency=register["constituency"],
        data=csv_bytes(
            UPDATE_HEADER,
            [update_row("CA-20", "Nina", "Novak", created="2026-12", address=("8 Castle St",))],
        ),
        filename="update.csv",
        published_on=datetime.date(2027, 1, 1),
    )
    assert _home(Elector.objects.get(surname="Novak").person) == _district("CA")


def test_a_member_at_a_registered_address_lives_in_its_district(register):
    members_import(
        actor=None,
        constituency=register["constituency"],
        data=csv_bytes(MEMBERS_HEADER, [member("L9", "Zed", "Zulu", address="1 River Street")]),
        filename="members.csv",
    )
    assert _home(Person.objects.get(last_name="Zulu")) == _district("RA")


def test_an_address_export_puts_a_members_address_and_so_the_member_in_a_district(register):
    members_import(
        actor=None,
        constituency=register["constituency"],
        data=csv_bytes(MEMBERS_HEADER, [member("L9", "Zed", "Zulu", address="9 New Road")]),
        filename="members.csv",
    )
    zed = Person.objects.get(last_name="Zulu")
    assert _home(zed) is None
    row = ["07/05/2026", "9 New Road", "Northbridge", "", "", "", "NB1 2AB", "", "CB"]
    addresses_import(
        actor=None,
        constituency=register["constituency"],
        data=csv_bytes(DC_HEADER, [row + ["", "", "", ""]]),
        filename="addresses.csv",
    )
    assert Property.objects.get(pk=zed.property_id).polling_district == _district("CB")
    assert _home(zed) == _district("CB")


def test_a_person_merged_with_a_register_entry_lives_where_the_entry_is(register):
    unplaced = Person.objects.create(
        constituency=register["constituency"], first_name="Ann", last_name="Jones"
    )
    entry = Elector.objects.get(polling_district__code="RA", number=3)
    person_merge(actor=None, source=entry.person, target=unplaced)
    assert _home(unplaced) == _district("RA")


def test_a_person_who_moved_to_another_ward_leaves_the_old_area_organisers_list(
    register, client_for
):
    """John Smith left Castle's register (CA-1) and is on Riverside's (RA-1): the same human,
    so an organiser merges the two records. He lives in Riverside now; the Castle area
    organiser no longer sees him, the Riverside one would."""
    castle_entry = Elector.objects.get(polling_district__code="CA", number=1)
    Elector.objects.filter(pk=castle_entry.pk).update(on_register=False)
    riverside_entry = Elector.objects.get(polling_district__code="RA", number=1)
    person_merge(actor=None, source=riverside_entry.person, target=castle_entry.person)
    john = castle_entry.person
    client = client_for(RoleCode.AREA_ORGANISER)  # Castle ward
    assert client.get(reverse("members:person_detail", args=[john.pk])).status_code == 404
    listed = client.get(reverse("members:people_list")).context["page"]
    assert sorted(str(p) for p in listed) == ["Ann Jones", "Mary Smith", "Ravi Patel"]
    assert _home(john) == _district("RA")


def test_the_migration_fills_the_home_district_of_people_already_imported(register):
    import importlib

    from django.apps import apps

    Person.objects.update(polling_district=None)
    migration = importlib.import_module(
        "members.migrations.0012_person_home_district_and_is_current"
    )
    migration.fill_home_districts(apps, None)
    assert not Person.objects.filter(polling_district=None).exists()
    assert Person.objects.filter(polling_district__code="RA").count() == 4


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres_only
def test_an_area_organisers_people_are_one_indexed_column_not_a_subplan_per_person(register, users):
    """Before statistics, Postgres ran a look-up of every person's register entries for each
    person (a correlated subplan): 103 s for an area organiser's list of 120,000 people."""
    area = users[RoleCode.AREA_ORGANISER]
    castle = list(PollingDistrict.objects.filter(ward__name="Castle").values_list("pk", flat=True))
    for people in (
        people_for_user(area),
        segment_people({"wards": [_district("CA").ward_id], "on_register": True}, area),
    ):
        plan = _plan(people)
        assert "polling_district_id = ANY" in plan, plan
        assert " SubPlan" not in plan.replace("hashed SubPlan", ""), plan
    assert set(people_for_user(area).values_list("polling_district", flat=True)) <= set(castle)
