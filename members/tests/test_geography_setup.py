"""Setting a constituency up without the admin (issue 9 §2): new district codes from council
files listed once and created on confirmation, the geography page and its commands."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from clp.models import AuditEntry, Job, User
from clp.roles import RoleCode
from members.importers import FileProblem
from members.models import (
    Constituency,
    Elector,
    ImportBatch,
    PollingDistrict,
    PollingStation,
    Ward,
)
from members.services.address_imports import addresses_import
from members.services.batches import import_batch_create, import_batch_start
from members.services.common import DistrictsNeedCreating
from members.services.register_imports import register_import
from members.tests.registers import XPRESS14, csv_bytes, small_register

PUBLISHED = datetime.date(2026, 12, 1)


def _new_district_register():
    """31 electors in AA, 2 in AB, 1 in AC (none set up), and 2 in the demo's CA."""
    rows = small_register("AA", count=31) + small_register("AB", count=2)
    rows += small_register("AC", count=1) + small_register("CA", count=2)
    return csv_bytes(XPRESS14, rows)


def _register(constituency, data, **kwargs):
    return register_import(
        actor=None,
        constituency=constituency,
        data=data,
        filename="register.csv",
        published_on=PUBLISHED,
        **kwargs,
    )


@pytest.mark.django_db
def test_register_with_new_districts_names_each_code_once_with_its_rows(geography):
    constituency = geography["constituency"]
    districts_before = PollingDistrict.objects.count()
    with pytest.raises(DistrictsNeedCreating) as caught:
        _register(constituency, _new_district_register())
    assert caught.value.districts == [("AA", 31), ("AB", 2), ("AC", 1)]
    assert caught.value.messages == [
        f"The file lists 3 polling districts that are not set up yet for {constituency}: "
        "AA (31 rows), AB (2 rows), AC (1 row). Create them to import the file."
    ]
    assert Elector.objects.count() == 0
    assert PollingDistrict.objects.count() == districts_before


@pytest.mark.django_db
def test_new_districts_are_created_with_the_import_and_their_wards(geography):
    constituency = geography["constituency"]
    report = _register(
        constituency,
        _new_district_register(),
        new_districts={"AA": "Millbrook Meadows", "AB": "castle", "AC": ""},
    )
    assert report["polling_districts_created"] == ["AA", "AB", "AC"]
    aa, ab, ac = (PollingDistrict.objects.get(code=c) for c in ("AA", "AB", "AC"))
    assert aa.ward.name == "Millbrook Meadows"  # a new ward, created
    assert ab.ward == geography["wards"]["Castle"]  # an existing ward, any case
    assert ac.ward is None  # set later
    assert Elector.objects.filter(polling_district=aa).count() == 31
    assert Elector.objects.count() == 36
    created = AuditEntry.objects.filter(action="polling_district.create")
    assert sorted(e.target_repr for e in created) == ["AA", "AB", "AC"]
    assert AuditEntry.objects.filter(action="ward.create", target_repr="Millbrook Meadows").exists()


@pytest.mark.django_db
def test_confirmed_new_districts_are_not_created_when_the_file_fails(geography):
    rows = small_register("AA", count=3)
    rows[1][1] = "12b"
    with pytest.raises(FileProblem) as caught:
        _register(
            geography["constituency"],
            csv_bytes(XPRESS14, rows),
            new_districts={"AA": "Millbrook Meadows"},
        )
    assert "Row 3, column 2" in caught.value.messages[0]
    assert not PollingDistrict.objects.filter(code="AA").exists()
    assert not Ward.objects.filter(name="Millbrook Meadows").exists()


@pytest.mark.django_db
def test_row_errors_and_new_districts_are_both_reported_each_district_once(geography):
    rows = small_register("AA", count=40)
    rows[5][1] = "12b"
    with pytest.raises(FileProblem) as caught:
        _register(geography["constituency"], csv_bytes(XPRESS14, rows))
    messages = caught.value.messages
    assert "Row 7, column 2" in messages[0]
    assert sum("AA" in m for m in messages) == 1 and "AA (39 rows)" in messages[-1]


@pytest.mark.django_db(transaction=True)
def test_import_page_lists_new_districts_once_and_creates_them_on_confirmation(
    geography, users, client
):
    organiser = users[RoleCode.ORGANISER]
    client.force_login(organiser)
    batch = import_batch_create(
        actor=organiser,
        constituency=geography["constituency"],
        kind="register",
        filename="register.csv",
        data=_new_district_register(),
        published_on=PUBLISHED,
    )
    import_batch_start(actor=organiser, batch=batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.NEEDS_CONFIRMING
    page = client.get(reverse("members:import_detail", args=[batch.pk])).content.decode()
    assert "The file lists 3 polling districts that are not set up yet" in page
    assert "AA (31 electors)" in page and "AC (1 elector)" in page
    assert page.count("AA (") == 1
    assert Elector.objects.count() == 0

    response = client.post(
        reverse("members:import_create_districts", args=[batch.pk]),
        {"ward-AA": "Millbrook Meadows", "ward-AB": "", "ward-AC": "Castle"},
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert PollingDistrict.objects.get(code="AA").ward.name == "Millbrook Meadows"
    assert PollingDistrict.objects.get(code="AB").ward is None
    assert Elector.objects.count() == 36
    page = client.get(reverse("members:import_detail", args=[batch.pk])).content.decode()
    assert "Polling districts created" in page and "AA, AB, AC" in page
    # A second click starts nothing.
    client.post(reverse("members:import_create_districts", args=[batch.pk]), {})
    assert Job.objects.filter(kind="import:register").count() == 2


# Address exports


DC_HEADER = [
    "ElectionDate",
    "Addressline1",
    "Addressline2",
    "Addressline3",
    "Addressline4",
    "Addressline5",
    "Addressline6",
    "Property_URN",
    "Polling_Place_District_Reference",
    "Polling_Place_Id",
    "Polling_Place_Address_1",
    "Polling_Place_Address_2",
    "Polling_Place_Postcode",
]


def _address_row(number, pd):
    return [
        "07/05/2026",
        f"{number} River Lane",
        "Northbridge",
        "",
        "",
        "",
        "NB1 4RL",
        str(1000 + number),
        pd,
        "S9",
        "River Hall",
        "",
        "",
    ]


@pytest.mark.django_db
def test_address_export_refuses_districts_of_another_constituency(geography):
    other = Constituency.objects.create(name="Otherton")
    other_ward = Ward.objects.create(constituency=other, name="Elsewhere")
    PollingDistrict.objects.create(constituency=other, ward=other_ward, code="OA")
    rows = [_address_row(n, "OA") for n in range(1, 4)] + [_address_row(9, "CA")]
    with pytest.raises(FileProblem) as caught:
        addresses_import(
            actor=None,
            constituency=geography["constituency"],
            data=csv_bytes(DC_HEADER, rows),
            filename="addresses.csv",
            new_districts={"OA": ""},
        )
    assert caught.value.messages == [
        f"Polling district OA (3 rows) belongs to Otherton, not {geography['constituency']}: "
        "this looks like that constituency's address export. Nothing was imported; import it "
        "there."
    ]
    assert PollingStation.objects.count() == 0
    assert PollingDistrict.objects.filter(code="OA").count() == 1


@pytest.mark.django_db
def test_address_export_lists_new_districts_once_then_creates_them(geography):
    rows = [_address_row(n, "XA") for n in range(1, 5)] + [_address_row(9, "CA")]
    data = csv_bytes(DC_HEADER, rows)
    constituency = geography["constituency"]
    with pytest.raises(DistrictsNeedCreating) as caught:
        addresses_import(actor=None, constituency=constituency, data=data, filename="a.csv")
    assert caught.value.districts == [("XA", 4)]
    report = addresses_import(
        actor=None,
        constituency=constituency,
        data=data,
        filename="a.csv",
        new_districts={"XA": "Millbrook Meadows"},
    )
    assert report["polling_districts_created"] == ["XA"]
    river = PollingDistrict.objects.get(code="XA")
    assert river.ward.name == "Millbrook Meadows" and river.polling_station.name == "River Hall"


# Commands


@pytest.mark.django_db
def test_import_register_command_creates_new_districts_only_when_asked(geography, tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(_new_district_register())
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_register", str(path), "--published=2026-12-01", stderr=err)
    assert "AA (31 rows), AB (2 rows), AC (1 row)" in err.getvalue()
    assert "--create-districts" in err.getvalue()
    assert Elector.objects.count() == 0
    out = io.StringIO()
    call_command(
        "import_register", str(path), "--published=2026-12-01", "--create-districts", stdout=out
    )
    assert "Creating polling districts AA, AB, AC" in out.getvalue()
    assert Elector.objects.count() == 36
    assert PollingDistrict.objects.get(code="AA").ward is None


@pytest.mark.django_db
def test_constituency_create_command_grants_the_organiser(db):
    from conftest import ensure_roles

    ensure_roles()
    user = User.objects.create_user(email="org@test.example", password="x")
    call_command("constituency_create", "Castleton North", "--organiser", "org@test.example")
    constituency = Constituency.objects.get(name="Castleton North")
    assert user.role_grants.get().constituency == constituency
    assert AuditEntry.objects.filter(action="constituency.create").exists()
    with pytest.raises(CommandError, match="already a constituency"):
        call_command("constituency_create", "castleton north")


@pytest.mark.django_db
def test_geography_command_adds_moves_and_retires(geography):
    out = io.StringIO()
    call_command("geography", "ward-add", "Millbrook Meadows", stdout=out)
    call_command("geography", "district-add", "XA", stdout=out)
    call_command("geography", "district-move", "XA", "Millbrook Meadows", stdout=out)
    call_command("geography", "station-add", "River Hall", stdout=out)
    call_command("geography", "district-station", "XA", "River Hall", stdout=out)
    river = PollingDistrict.objects.get(code="XA")
    assert river.ward.name == "Millbrook Meadows" and river.polling_station.name == "River Hall"
    with pytest.raises(CommandError, match="still has polling districts"):
        call_command("geography", "ward-retire", "Millbrook Meadows")
    call_command("geography", "district-retire", "XA", stdout=out)
    call_command("geography", "ward-retire", "Millbrook Meadows", stdout=out)
    river.refresh_from_db()
    assert river.retired_on is not None
    list_out = io.StringIO()
    call_command("geography", "list", stdout=list_out)
    assert "ward Millbrook Meadows (retired" in list_out.getvalue()


# The geography page


def _post(client, url_name, *args, **data):
    return client.post(reverse(f"members:{url_name}", args=args), data)


@pytest.mark.django_db
def test_organiser_adds_moves_renames_and_retires_on_the_geography_page(client_for, geography):
    client = client_for(RoleCode.ORGANISER)
    _post(client, "geography_add", "ward", name="Millbrook Meadows")
    riverside = Ward.objects.get(name="Millbrook Meadows")
    _post(client, "geography_add", "district", code="xa", name="", ward="")
    river = PollingDistrict.objects.get(code="XA")
    assert river.ward is None
    page = client.get(reverse("members:geography")).content.decode()
    assert "Ward: not set yet" in page
    _post(client, "geography_change", "district", river.pk, "move", ward=riverside.pk)
    _post(client, "geography_change", "ward", riverside.pk, "rename", name="River Side")
    river.refresh_from_db()
    assert river.ward.name == "River Side"
    _post(client, "geography_change", "district", river.pk, "retire")
    river.refresh_from_db()
    assert river.retired_on == datetime.date.today()
    assert PollingDistrict.objects.filter(code="XA").exists()  # retired, never deleted
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"ward.create", "polling_district.create", "polling_district.move"} <= actions
    assert {"ward.rename", "polling_district.retire"} <= actions


@pytest.mark.django_db
def test_retiring_a_ward_that_still_has_districts_is_refused_with_a_reason(client_for, geography):
    client = client_for(RoleCode.ORGANISER)
    castle = geography["wards"]["Castle"]
    response = _post(client, "geography_change", "ward", castle.pk, "retire")
    castle.refresh_from_db()
    assert castle.retired_on is None
    page = client.get(response["Location"]).content.decode()
    assert "still has polling districts" in page


@pytest.mark.django_db
def test_retired_district_leaves_the_role_grant_picker(client_for, geography, users):
    from clp.forms import area_choices_for

    ca = PollingDistrict.objects.get(code="CA")
    client = client_for(RoleCode.ORGANISER)
    before = dict(area_choices_for(users[RoleCode.ORGANISER]))
    assert f"polling_district:{ca.pk}" in before
    _post(client, "geography_change", "district", ca.pk, "retire")
    after = dict(area_choices_for(users[RoleCode.ORGANISER]))
    assert f"polling_district:{ca.pk}" not in after


@pytest.mark.django_db
def test_area_organiser_reads_their_wards_geography_and_cannot_change_it(client_for, geography):
    client = client_for(RoleCode.AREA_ORGANISER)  # granted Castle ward
    page = client.get(reverse("members:geography")).content.decode()
    assert "Castle" in page and "Add a ward" not in page and "Retire" not in page
    other_wards = [w for name, w in geography["wards"].items() if name != "Castle"]
    assert other_wards and all(f">{w.name}<" not in page for w in other_wards)
    castle = geography["wards"]["Castle"]
    assert _post(client, "geography_add", "ward", name="Mine").status_code == 403
    assert (
        _post(client, "geography_change", "ward", castle.pk, "rename", name="X").status_code == 403
    )
    castle.refresh_from_db()
    assert castle.name == "Castle"


@pytest.mark.django_db
def test_organiser_cannot_change_another_constituencys_geography(client_for, geography):
    other = Constituency.objects.create(name="Otherton")
    ward = Ward.objects.create(constituency=other, name="Elsewhere")
    client = client_for(RoleCode.ORGANISER)
    response = _post(client, "geography_change", "ward", ward.pk, "rename", name="Mine now")
    assert response.status_code == 404
    ward.refresh_from_db()
    assert ward.name == "Elsewhere"


@pytest.mark.django_db
def test_a_new_constituency_without_districts_can_be_granted_roles_in(db):
    from clp.forms import area_choices_for
    from clp.services import role_grant
    from conftest import ensure_roles, make_user

    ensure_roles()
    call_command("constituency_create", "Castleton North")
    constituency = Constituency.objects.get()
    organiser = make_user(RoleCode.ORGANISER, constituency, email="org@test.example")
    assert f"constituency:{constituency.pk}" in dict(area_choices_for(organiser))
    volunteer = User.objects.create_user(email="vol@test.example", password="x")
    grant = role_grant(actor=organiser, user=volunteer, role=RoleCode.CANVASSER, area=constituency)
    assert grant.constituency == constituency


@pytest.mark.django_db(transaction=True)
def test_new_districts_confirmed_before_a_leavers_question_are_created_after_it(geography, users):
    from members.services.batches import import_batch_confirm_leavers, import_batch_create_districts

    organiser = users[RoleCode.ORGANISER]
    constituency = geography["constituency"]
    _register(constituency, csv_bytes(XPRESS14, small_register("CA", count=40)))
    # Next edition: CA cut to 10 (30 would leave) and a new district AA.
    rows = small_register("CA", count=10) + small_register("AA", count=5)
    batch = import_batch_create(
        actor=organiser,
        constituency=constituency,
        kind="register",
        filename="next.csv",
        data=csv_bytes(XPRESS14, rows),
        published_on=datetime.date(2027, 1, 1),
    )
    import_batch_start(actor=organiser, batch=batch)
    batch.refresh_from_db()
    assert batch.report["districts_to_create"] == [["AA", 5]]
    import_batch_create_districts(actor=organiser, batch=batch, wards={"AA": "Castle"})
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.NEEDS_CONFIRMING
    assert "mark 30 as having left" in batch.errors[0]
    assert not PollingDistrict.objects.filter(code="AA").exists()
    import_batch_confirm_leavers(actor=organiser, batch=batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert PollingDistrict.objects.get(code="AA").ward == geography["wards"]["Castle"]
