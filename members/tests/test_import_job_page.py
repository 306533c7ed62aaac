"""The import's job as its user sees it: the bar moves from the start, a finished job reads
100%, one status, links to the next step; a job waiting for an answer is not a failure."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clp.models import Job
from clp.roles import RoleCode
from members.models import ImportBatch
from members.services import register_imports
from members.tests.registers import XPRESS14, csv_bytes, import_register_file, small_register


def _upload(client, rows, filename="register.csv"):
    upload = SimpleUploadedFile(filename, csv_bytes(XPRESS14, rows))
    client.post(
        reverse("members:import_upload"),
        {"kind": "register", "file": upload, "published_on": "01/12/2026"},
    )
    return ImportBatch.objects.get(filename=filename)


@pytest.mark.django_db
def test_a_register_import_reports_progress_while_it_reads_the_file(geography, monkeypatch):
    monkeypatch.setattr(register_imports, "PROGRESS_EVERY_SECONDS", 0)
    seen = []
    import_register_file(
        geography,
        csv_bytes(XPRESS14, small_register("CA", count=5_000)),
        datetime.date(2026, 12, 1),
        progress=lambda done, total, message: seen.append((done, total, message)),
    )
    reading = [(done, message) for done, _total, message in seen if message.startswith("Checked")]
    assert reading[:2] == [
        (500, "Checked 2,000 of 5,000 rows."),
        (1000, "Checked 4,000 of 5,000 rows."),
    ]
    assert [done for done, _total, _message in seen] == sorted(done for done, *_ in seen)


@pytest.mark.django_db(transaction=True)
def test_a_finished_import_reads_100_percent_with_one_status_and_next_steps(geography, client_for):
    client = client_for(RoleCode.ORGANISER)
    batch = _upload(client, small_register("CC", count=3))
    assert batch.job.status == Job.Status.SUCCEEDED

    job_page = client.get(reverse("clp:job_detail", args=[batch.job.pk])).content.decode()
    assert (
        'data-status="succeeded">Finished</strong> <span class="job-percent">100%</span>'
        in job_page
    )
    assert (
        f'href="{reverse("members:import_detail", args=[batch.pk])}">See what changed' in job_page
    )
    assert f'href="{reverse("members:people_list")}">See the people' in job_page
    assert f'href="{reverse("canvassing:campaign_list")}">Cut walk lists' in job_page

    page = client.get(reverse("members:import_detail", args=[batch.pk])).content.decode()
    assert page.count("data-status=") == 1 and "<dt>Status</dt>" not in page
    assert "100%" in page and "See the people" in page
    assert "See what changed" not in page  # this page is what changed


@pytest.mark.django_db(transaction=True)
def test_an_import_waiting_for_confirmation_is_not_listed_as_failed(geography, client_for):
    import_register_file(
        geography, csv_bytes(XPRESS14, small_register("CA", count=60)), datetime.date(2026, 1, 1)
    )
    organiser = client_for(RoleCode.ORGANISER)
    batch = _upload(organiser, small_register("CA", count=10), "ca-part.csv")
    assert batch.status == ImportBatch.Status.NEEDS_CONFIRMING
    assert batch.job.status == Job.Status.WAITING

    imports = organiser.get(reverse("members:import_list")).content.decode()
    assert "Waiting for you to confirm" in imports and "Failed" not in imports
    job_page = organiser.get(reverse("clp:job_detail", args=[batch.job.pk])).content.decode()
    assert "Waiting for you" in job_page and "Failed" not in job_page and "Retry" not in job_page
    assert (
        f'href="{reverse("members:import_detail", args=[batch.pk])}">Check and confirm' in job_page
    )
    status = client_for(RoleCode.IT_MANAGER).get(reverse("clp:system_status")).content.decode()
    assert "Waiting for you" in status and "Failed" not in status
