"""A register upload imported by a real Celery worker over Redis, progress visible to the page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clp.models import Job
from clp.roles import RoleCode
from members.models import Elector, ImportBatch
from members.tests.registers import XPRESS14, csv_bytes, small_register
from tests.test_celery_worker import _wait_for, worker  # noqa: F401 - the fixture

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_uploaded_register_is_imported_by_the_worker(client, users, worker):  # noqa: F811
    from clp.celery import app

    app.conf.task_always_eager = False
    client.force_login(users[RoleCode.ORGANISER])
    upload = SimpleUploadedFile("ca.csv", csv_bytes(XPRESS14, small_register(count=5)))
    response = client.post(
        reverse("members:import_upload"),
        {"kind": "register", "file": upload, "published_on": "01/12/2026"},
    )
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("members:import_detail", args=[batch.pk])

    def finished():
        batch.job.refresh_from_db()
        return batch.job.is_finished

    assert _wait_for(finished), f"job still {batch.job.status}"
    assert batch.job.status == Job.Status.SUCCEEDED, batch.job.message
    assert Elector.objects.count() == 5
    page = client.get(reverse("members:import_detail", args=[batch.pk])).content.decode()
    assert "New register entries</dt><dd>5" in page


def test_part_register_waits_in_the_worker_until_confirmed(
    client,
    geography,
    users,
    worker,  # noqa: F811
):
    import datetime

    from clp.celery import app
    from members.services.register_imports import register_import

    register_import(
        actor=None,
        constituency=geography["constituency"],
        data=csv_bytes(XPRESS14, small_register(count=60)),
        filename="jan.csv",
        published_on=datetime.date(2026, 1, 1),
    )
    app.conf.task_always_eager = False
    client.force_login(users[RoleCode.ORGANISER])
    upload = SimpleUploadedFile("ca-part.csv", csv_bytes(XPRESS14, small_register(count=10)))
    client.post(
        reverse("members:import_upload"),
        {"kind": "register", "file": upload, "published_on": "01/12/2026"},
    )
    batch = ImportBatch.objects.get(filename="ca-part.csv")

    def batch_is(status):
        def check():
            batch.refresh_from_db()
            return batch.status == status

        return check

    assert _wait_for(batch_is(ImportBatch.Status.NEEDS_CONFIRMING)), batch.status
    assert Elector.objects.filter(on_register=True).count() == 60
    client.post(reverse("members:import_confirm_leavers", args=[batch.pk]))
    assert _wait_for(batch_is(ImportBatch.Status.DONE)), batch.job.message
    assert Elector.objects.filter(on_register=True).count() == 10
