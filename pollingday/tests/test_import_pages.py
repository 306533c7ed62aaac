"""The import pages an organiser uses from the election's page: upload, match columns,
preview, apply; and the report when rows do not match."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clp.models import AuditEntry
from clp.roles import RoleCode
from members.models import AbsentVoter, VoteRecord
from pollingday.tests.factories import add_electors

pytestmark = pytest.mark.django_db


def _upload(client, url, content: bytes, name="council.csv", **data):
    return client.post(url, {"step": "upload", "file": SimpleUploadedFile(name, content), **data})


def _carried(response) -> dict:
    """The hidden fields the page posts on to the next step."""
    form = response.context["carried"]
    return {name: form[name].value() for name in form.fields}


def test_organiser_previews_then_applies_the_absent_voters_list(client_for, world):
    add_electors(world.districts["CA"], 3)
    client = client_for(RoleCode.ORGANISER)
    url = reverse("pollingday:absent_voters_import", args=[world.election.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"Check the file" in page.content

    content = (
        b"Elector Number,Name,Postal Address 1\n"
        b"CA-1,Voter1 Highson,1 High St\nCA-2,Voter2 Highson,2 High St\n"
    )
    preview = _upload(client, url, content, list_kind="postal")
    assert preview.status_code == 200
    assert "2 postal voters and 0 proxies; 2 new since the last list" in preview.content.decode()
    assert AbsentVoter.objects.count() == 0

    applied = client.post(url, {"step": "apply", **_carried(preview)}, follow=True)
    assert AbsentVoter.objects.count() == 2
    assert "Imported council.csv: 2 postal voters" in applied.content.decode()
    assert "So far for this election: 2 postal voters (0 returned) and 0 proxies; no marked " in (
        applied.content.decode()
    )
    assert AuditEntry.objects.filter(action="read:pollingday.absent.preview").exists()


def test_an_unrecognised_header_shows_the_column_form_and_imports_with_it(client_for, world):
    add_electors(world.districts["CA"], 2)
    client = client_for(RoleCode.ORGANISER)
    url = reverse("pollingday:marked_register_import", args=[world.election.pk])
    page = _upload(client, url, b"Ref;Mark\nCA-1;V\nCA-2;V\n")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Match the columns of council.csv" in text and '<th scope="col">Ref</th>' in text

    preview = client.post(
        url, {"step": "map", **_carried(page), "map_number": "Ref", "map_method": "Mark"}
    )
    assert preview.status_code == 200
    assert "2 electors marked as having voted" in preview.content.decode()
    client.post(url, {"step": "apply", **_carried(preview)})
    assert VoteRecord.objects.filter(voted=True).count() == 2


def test_a_mapping_without_an_elector_number_asks_again(client_for, world):
    client = client_for(RoleCode.ORGANISER)
    url = reverse("pollingday:marked_register_import", args=[world.election.pk])
    page = _upload(client, url, b"Ref;Mark\nCA-1;V\n")
    again = client.post(url, {"step": "map", **_carried(page), "map_method": "Mark"})
    assert again.status_code == 400
    assert "Choose the columns for the elector number" in again.content.decode()


def test_rows_that_do_not_match_are_listed_and_nothing_is_written(client_for, world):
    add_electors(world.districts["CA"], 2)
    client = client_for(RoleCode.ORGANISER)
    url = reverse("pollingday:postal_returns_import", args=[world.election.pk])
    page = _upload(client, url, b"Elector Number\nCA-1\nCA-9\n", received_on="2026-11-30")
    assert page.status_code == 400
    text = page.content.decode()
    assert "nothing was imported" in text
    assert "<td>2</td><td>CA-1</td>" in text and "not on the absent voters list" in text
    assert "<td>3</td><td>CA-9</td>" in text and "There is no elector CA-9 on the register" in text


def test_a_file_that_is_not_a_table_gets_a_plain_message(client_for, world):
    client = client_for(RoleCode.ORGANISER)
    url = reverse("pollingday:absent_voters_import", args=[world.election.pk])
    page = _upload(client, url, b"PK\x03\x04zipped", name="list.csv", list_kind="both")
    assert page.status_code == 400
    assert "list.csv is a zip archive" in page.content.decode()


def test_area_organiser_sees_rows_outside_their_districts_refused(client_for, world):
    add_electors(world.districts["RA"], 1, street_name="River Walk")
    client = client_for(RoleCode.AREA_ORGANISER)
    url = reverse("pollingday:absent_voters_import", args=[world.election.pk])
    page = _upload(client, url, b"Elector Number,Surname\nRA-1,Riverson\n", list_kind="postal")
    assert page.status_code == 400
    assert "outside your areas" in page.content.decode()
    assert AbsentVoter.objects.count() == 0


def test_people_without_an_organising_role_cannot_open_the_import(client_for, world):
    url = reverse("pollingday:absent_voters_import", args=[world.election.pk])
    assert client_for(RoleCode.TELLER).get(url).status_code == 403
