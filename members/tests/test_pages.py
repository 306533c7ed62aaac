import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clp.models import AuditEntry, Job
from clp.roles import RoleCode
from members.models import Elector, ImportBatch, Person, SavedLayout, Segment
from members.services.register_imports import register_import
from members.tests.registers import XPRESS14, csv_bytes, small_register


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


@pytest.mark.django_db
def test_area_organiser_sees_only_castle_ward_electors(register, client_for):
    client = client_for(RoleCode.AREA_ORGANISER)
    response = client.get(reverse("members:elector_list"))
    numbers = [e.elector_number for e in response.context["page"]]
    assert numbers == ["CA-1", "CA-2", "CA-3", "CA-4"]
    riverside = Elector.objects.get(polling_district__code="RA", number=1)
    assert (
        client.get(reverse("members:person_detail", args=[riverside.person_id])).status_code == 404
    )
    # Asking for a district outside their areas is refused by the form, not answered.
    response = client.get(
        reverse("members:elector_list"), {"polling_district": riverside.polling_district_id}
    )
    assert response.status_code == 400
    assert list(response.context["page"]) == []


@pytest.mark.django_db
def test_organiser_sees_every_ward_and_can_search_by_name_and_number(register, client_for):
    client = client_for(RoleCode.ORGANISER)
    response = client.get(reverse("members:elector_list"))
    assert response.context["page"].paginator.count == 8
    found = client.get(reverse("members:elector_list"), {"q": "RA-2"}).context["page"]
    assert [e.elector_number for e in found] == ["RA-2"]
    found = client.get(reverse("members:elector_list"), {"q": "patel"}).context["page"]
    assert {e.elector_number for e in found} == {"CA-4", "RA-4"}
    found = client.get(reverse("members:elector_list"), {"q": "river street"}).context["page"]
    assert len(found) == 4


@pytest.mark.django_db
def test_list_search_and_export_are_logged_as_bulk_reads(register, client_for, users):
    client = client_for(RoleCode.ORGANISER)
    client.get(reverse("members:elector_list"))
    client.get(reverse("members:elector_list"), {"q": "Smith"})
    response = client.get(reverse("members:elector_export"), {"why": "leaflet round"})
    body = b"".join(response.streaming_content).decode()
    assert "CA-1,Smith,John" in body and body.count("\n") == 9
    reads = AuditEntry.objects.filter(
        kind=AuditEntry.Kind.BULK_READ, actor=users[RoleCode.ORGANISER]
    )
    assert list(reads.order_by("id").values_list("action", "why")) == [
        ("read:electors", "list"),
        ("read:electors", "search"),
        ("read:electors.export", "leaflet round"),
    ]
    assert reads.order_by("id").last().details["count"] == 8


@pytest.mark.django_db
def test_elector_list_query_count_does_not_grow_with_the_list(
    register, client_for, django_assert_max_num_queries
):
    client = client_for(RoleCode.ORGANISER)
    client.get(reverse("members:elector_list"))  # warm the session and grants
    with django_assert_max_num_queries(14):
        client.get(reverse("members:elector_list"))
    register_import(
        actor=None,
        constituency=register["constituency"],
        data=csv_bytes(XPRESS14, small_register("CB", count=60)),
        filename="cb.csv",
        published_on=datetime.date(2026, 12, 1),
    )
    with django_assert_max_num_queries(14):
        response = client.get(reverse("members:elector_list"))
    assert len(response.context["page"]) == 50


@pytest.mark.django_db
def test_person_page_query_count_and_timeline(register, client_for, django_assert_max_num_queries):
    client = client_for(RoleCode.ORGANISER)
    person = Elector.objects.get(polling_district__code="CA", number=1).person
    client.get(reverse("members:person_detail", args=[person.pk]))
    # 20, their tags, and from the shared record: the contact summary, contacts, answers,
    # and canvassing's extras (which were its whole timeline before).
    with django_assert_max_num_queries(23):
        response = client.get(reverse("members:person_detail", args=[person.pk]))
    assert b"On the register as CA-1" in response.content
    assert b"Mary" in response.content  # the household


@pytest.mark.django_db(transaction=True)
def test_upload_of_a_known_layout_imports_and_reports(register, client_for):
    client = client_for(RoleCode.ORGANISER)
    upload = SimpleUploadedFile("cc.csv", csv_bytes(XPRESS14, small_register("CC", count=3)))
    response = client.post(
        reverse("members:import_upload"),
        {"kind": "register", "file": upload, "published_on": "01/12/2026"},
    )
    batch = ImportBatch.objects.get(filename="cc.csv")
    assert response.status_code == 302 and response["Location"].endswith(f"/imports/{batch.pk}/")
    assert batch.status == ImportBatch.Status.DONE and batch.job.status == Job.Status.SUCCEEDED
    page = client.get(reverse("members:import_detail", args=[batch.pk]))
    assert b"Xpress register (14 columns)" in page.content
    assert b"<dt>New register entries</dt><dd>3</dd>" in page.content
    assert Elector.objects.filter(polling_district__code="CC").count() == 3


@pytest.mark.django_db
def test_upload_of_a_zip_is_refused_on_the_form(register, client_for):
    client = client_for(RoleCode.ORGANISER)
    upload = SimpleUploadedFile("register.csv", b"PK\x03\x04rest-of-zip")
    response = client.post(reverse("members:import_upload"), {"kind": "register", "file": upload})
    assert response.status_code == 400 and "zip archive" in response.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_unknown_layout_is_mapped_and_the_mapping_is_reused(register, client_for):
    client = client_for(RoleCode.ORGANISER)
    header = ["District", "No", "Family name", "Given names", "House", "Post code"]
    rows = [["CC", "1", "Ng", "Mei", "4 Castle Street", "NB1 2AB"]]
    upload = SimpleUploadedFile("odd.csv", csv_bytes(header, rows))
    response = client.post(
        reverse("members:import_upload"),
        {"kind": "register", "file": upload, "published_on": "01/12/2026"},
    )
    batch = ImportBatch.objects.get()
    assert response["Location"].endswith(f"/imports/{batch.pk}/mapping/")
    page = client.get(response["Location"])
    assert b"Mei" in page.content  # the preview
    response = client.post(
        response["Location"],
        {
            "map_pd": "District",
            "map_number": "No",
            "map_surname": "Family name",
            "map_forenames": "Given names",
            "map_address1": "House",
            "map_postcode": "Post code",
            "save_as": "Odd council export",
        },
    )
    assert response.status_code == 302
    assert Elector.objects.get(surname="Ng").property.postcode == "NB1 2AB"
    assert SavedLayout.objects.get().name == "Odd council export"
    rows = [["CC", "2", "Ng", "Wei", "4 Castle Street", "NB1 2AB"]]
    upload = SimpleUploadedFile("odd2.csv", csv_bytes(header, rows))
    client.post(
        reverse("members:import_upload"),
        {"kind": "register", "file": upload, "published_on": "01/12/2026"},
    )
    assert ImportBatch.objects.get(filename="odd2.csv").layout.startswith("Saved layout")
    assert Elector.objects.filter(surname="Ng").count() == 2


@pytest.mark.django_db
def test_segment_builder_previews_a_count_and_saves(register, client_for):
    client = client_for(RoleCode.AREA_ORGANISER)
    data = {"name": "Castle Smiths", "on_register": "on", "polling_districts": []}
    response = client.post(reverse("members:segment_create"), {**data, "preview": "1"})
    assert response.context["preview"] == 4  # Castle only, for an area organiser
    response = client.post(reverse("members:segment_create"), data)
    segment = Segment.objects.get()
    assert response["Location"].endswith(f"/segments/{segment.pk}/")
    assert client.get(response["Location"]).context["count"] == 4
    assert client_for(RoleCode.ORGANISER).get(response["Location"]).context["count"] == 8


@pytest.mark.django_db
def test_erased_and_merged_people_are_not_listed_or_shown(register, client_for):
    person = Elector.objects.get(polling_district__code="CA", number=1).person
    Person.objects.filter(pk=person.pk).update(
        erased_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    response = client_for(RoleCode.ORGANISER).get(
        reverse("members:person_detail", args=[person.pk])
    )
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["update", "addresses", "members"])
def test_mapping_screen_offers_the_fields_of_each_kind(register, client_for, kind):
    client = client_for(RoleCode.ORGANISER)
    upload = SimpleUploadedFile("odd.csv", csv_bytes(["Col A", "Col B"], [["1", "2"]]))
    response = client.post(reverse("members:import_upload"), {"kind": kind, "file": upload})
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"Col A" in page.content
    response = client.post(response["Location"], {})
    assert response.status_code == 400 and b"needs columns for" in response.content


@pytest.mark.django_db
def test_match_review_page_is_a_logged_bulk_read(register, client_for, users):
    client_for(RoleCode.ORGANISER).get(reverse("members:match_list"))
    assert AuditEntry.objects.filter(
        action="read:member_matches", actor=users[RoleCode.ORGANISER]
    ).exists()


@pytest.mark.django_db
def test_people_list_finds_members_not_on_the_register_and_is_scoped(
    register, client_for, django_assert_max_num_queries
):
    from members.services.member_imports import members_import
    from members.tests.test_members_import import HEADER, member

    members_import(
        actor=None,
        constituency=register["constituency"],
        data=csv_bytes(HEADER, [member("L9", "Zoe", "Nobody", postcode="NB9 9ZZ")]),
        filename="m.csv",
    )
    organiser = client_for(RoleCode.ORGANISER)
    organiser.get(reverse("members:people_list"))
    with django_assert_max_num_queries(14):
        response = organiser.get(reverse("members:people_list"), {"membership": "any"})
    assert [str(p) for p in response.context["page"]] == ["Zoe Nobody"]
    assert response.context["page"].paginator.count == 1
    assert organiser.get(reverse("members:people_list")).context["page"].paginator.count == 9
    # The area organiser sees Castle people only, and not the member with no known district.
    area = client_for(RoleCode.AREA_ORGANISER).get(reverse("members:people_list"))
    assert area.context["page"].paginator.count == 4
    assert AuditEntry.objects.filter(action="read:people").count() == 4


@pytest.mark.django_db
def test_export_cannot_smuggle_a_spreadsheet_formula(register, client_for):
    Elector.objects.filter(number=1, polling_district__code="CA").update(surname="=HYPERLINK(1)")
    response = client_for(RoleCode.ORGANISER).get(
        reverse("members:elector_export"), {"why": "checking the export"}
    )
    body = b"".join(response.streaming_content).decode()
    assert "CA-1,'=HYPERLINK(1)" in body


@pytest.mark.django_db
def test_a_file_of_another_kind_is_named_on_the_form(register, client_for):
    from members.tests.test_register_updates import UPDATE_HEADER, update_row

    upload = SimpleUploadedFile("u.csv", csv_bytes(UPDATE_HEADER, [update_row("CA-1", "A", "B")]))
    response = client_for(RoleCode.ORGANISER).post(
        reverse("members:import_upload"), {"kind": "register", "file": upload}
    )
    assert response.status_code == 400
    assert "the “Xpress monthly update (23 columns)” layout" in response.content.decode()
    assert not ImportBatch.objects.exists()
