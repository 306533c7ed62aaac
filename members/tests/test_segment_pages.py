"""A segment's page lists its people (paged, scoped, logged), downloads them (with a reason,
logged), and can be edited and deleted (issue 9 §3). CSV downloads open in Excel (§7)."""

import datetime
import io

import pytest
from django.urls import reverse

from clp.models import AuditEntry
from clp.roles import RoleCode
from members.models import Elector, Person, Segment
from members.services.people import person_do_not_contact_set
from members.services.register_imports import register_import
from members.services.segments import segment_save
from members.tests.registers import XPRESS14, csv_bytes, small_register
from members.tests.test_pages import register  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _segment(geography, name="Everyone", filters=None, actor=None):
    return segment_save(
        actor=actor,
        constituency=geography["constituency"],
        name=name,
        description="",
        filters=filters if filters is not None else {"on_register": True},
    )


def _csv(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def test_segment_page_lists_its_people_fifty_a_page_and_logs_each_page(
    register,  # noqa: F811
    client_for,
):
    register_import(
        actor=None,
        constituency=register["constituency"],
        data=csv_bytes(XPRESS14, small_register("CB", count=60)),
        filename="cb.csv",
        published_on=datetime.date(2026, 12, 1),
    )
    segment = _segment(register)
    client = client_for(RoleCode.ORGANISER)
    url = reverse("members:segment_detail", args=[segment.pk])
    everyone = Person.objects.filter(elector_entries__on_register=True).distinct().count()
    assert everyone > 60
    first = client.get(url)
    assert first.context["page"].paginator.count == everyone
    assert len(first.context["page"]) == 50
    second = client.get(url, {"page": 2})
    assert len(second.context["page"]) == everyone - 50
    shown = {p.pk for p in first.context["page"]} | {p.pk for p in second.context["page"]}
    assert len(shown) == everyone
    reads = AuditEntry.objects.filter(action="read:segment").order_by("id")
    assert [e.details["count"] for e in reads] == [50, everyone - 50]
    assert b"Smith, John" in first.content


def test_segment_page_shows_an_area_organiser_only_their_areas_people(
    register,  # noqa: F811
    client_for,
):
    segment = _segment(register)
    page = client_for(RoleCode.AREA_ORGANISER).get(
        reverse("members:segment_detail", args=[segment.pk])
    )
    districts = {p.polling_district.code for p in page.context["page"]}
    assert districts == {"CA"} and page.context["page"].paginator.count == 4


def test_segment_of_people_marked_do_not_phone(register, client_for):  # noqa: F811
    person = Elector.objects.get(polling_district__code="CA", number=2).person
    person_do_not_contact_set(actor=None, person=person, channel="phone")
    client = client_for(RoleCode.ORGANISER)
    response = client.post(
        reverse("members:segment_create"), {"name": "Do not phone", "do_not": ["phone"]}
    )
    segment = Segment.objects.get(name="Do not phone")
    assert segment.filters["do_not"] == ["phone"]
    page = client.get(response["Location"])
    assert [p.pk for p in page.context["page"]] == [person.pk]


def test_segment_download_asks_why_then_writes_an_excel_ready_formula_safe_csv(
    register,  # noqa: F811
    client_for,
    users,
):
    Person.objects.filter(first_name="John").update(first_name="=HYPERLINK(1)")
    Person.objects.filter(first_name="Mary").update(first_name="Zoë")
    segment = _segment(register)
    client = client_for(RoleCode.ORGANISER)
    url = reverse("members:segment_export", args=[segment.pk])
    form = client.get(url)
    assert form.status_code == 200 and "Why do you need this download?" in form.content.decode()
    assert not AuditEntry.objects.filter(action="read:segment.export").exists()
    assert client.get(url, {"why": ""}).status_code == 400  # a reason is required

    response = client.get(url, {"why": "Letters to Castle residents"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = _csv(response)
    assert body.startswith("\ufeffPerson id,")  # Excel reads UTF-8 only after a BOM
    assert ",'=HYPERLINK(1)," in body and "Zoë" in body
    assert body.count("\r\n") == 9
    entry = AuditEntry.objects.get(action="read:segment.export")
    assert entry.why == "Letters to Castle residents"
    assert entry.actor == users[RoleCode.ORGANISER] and entry.details["count"] == 8


def test_elector_download_asks_why_and_starts_with_a_bom(register, client_for):  # noqa: F811
    client = client_for(RoleCode.ORGANISER)
    url = reverse("members:elector_export")
    form = client.get(url, {"q": "Smith"})
    assert form.status_code == 200
    assert b'name="q" value="Smith"' in form.content  # the search is kept for the download
    assert not AuditEntry.objects.filter(action="read:electors.export").exists()
    body = _csv(client.get(url, {"q": "Smith", "why": "Smiths for a mail merge"}))
    assert body.startswith("\ufeffElector number,")
    rows = list(io.StringIO(body))
    assert len(rows) == 5  # header and four Smiths
    entry = AuditEntry.objects.get(action="read:electors.export")
    assert entry.why == "Smiths for a mail merge" and entry.details["count"] == 4


def test_organiser_edits_a_segment_and_the_change_is_audited(register, client_for):  # noqa: F811
    segment = _segment(register)
    client = client_for(RoleCode.ORGANISER)
    url = reverse("members:segment_edit", args=[segment.pk])
    form = client.get(url)
    assert form.context["form"]["on_register"].value() is True  # opened with its filters
    response = client.post(
        url,
        {
            "name": "Castle A",
            "polling_districts": [
                form.context["form"].fields["polling_districts"].queryset.get(code="CA").pk
            ],
        },
    )
    assert response.status_code == 302
    segment.refresh_from_db()
    assert segment.name == "Castle A" and "on_register" not in segment.filters
    entry = AuditEntry.objects.get(action="segment.update")
    assert entry.details["before"]["name"] == "Everyone"
    assert entry.details["after"]["name"] == "Castle A"
    assert client.get(response["Location"]).context["page"].paginator.count == 4


def test_area_organiser_may_change_their_own_segments_only(
    register,  # noqa: F811
    client_for,
    users,
):
    theirs = _segment(register, "Mine", actor=users[RoleCode.AREA_ORGANISER])
    organisers = _segment(register, "The CLP's", actor=users[RoleCode.ORGANISER])
    client = client_for(RoleCode.AREA_ORGANISER)
    assert client.get(reverse("members:segment_detail", args=[theirs.pk])).context["can_edit"]
    assert not client.get(reverse("members:segment_detail", args=[organisers.pk])).context[
        "can_edit"
    ]
    assert client.get(reverse("members:segment_edit", args=[theirs.pk])).status_code == 200
    assert client.get(reverse("members:segment_edit", args=[organisers.pk])).status_code == 404
    assert client.post(reverse("members:segment_delete", args=[organisers.pk])).status_code == 404
    assert Segment.objects.filter(pk=organisers.pk).exists()


def test_deleting_an_unused_segment_asks_first_and_is_audited(register, client_for):  # noqa: F811
    segment = _segment(register)
    client = client_for(RoleCode.ORGANISER)
    url = reverse("members:segment_delete", args=[segment.pk])
    assert b"Delete the segment" in client.get(url).content
    assert Segment.objects.filter(pk=segment.pk).exists()
    assert client.post(url)["Location"].endswith("/segments/")
    assert not Segment.objects.filter(pk=segment.pk).exists()
    assert AuditEntry.objects.get(action="segment.delete").details["before"]["name"] == "Everyone"


def test_a_new_segment_cannot_take_the_name_of_another_and_replace_it(
    register,  # noqa: F811
    client_for,
):
    segment = _segment(register, "Postal voters", filters={"markers": "A"})
    response = client_for(RoleCode.AREA_ORGANISER).post(
        reverse("members:segment_create"), {"name": "Postal voters", "on_register": "on"}
    )
    assert response.status_code == 400
    assert "There is already a segment called" in response.content.decode()
    segment.refresh_from_db()
    assert segment.filters == {"markers": "A"}
