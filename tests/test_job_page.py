"""The job page: a bar and a count while work runs; a plain outcome once it has ended."""

import pytest
from django.urls import reverse

from clp.models import Job
from clp.roles import RoleCode


def _job(users, **fields):
    return Job.objects.create(
        kind="import:register", created_by=users[RoleCode.ORGANISER], **fields
    )


@pytest.mark.django_db
def test_a_running_job_shows_how_far_it_has_got(client_for, users):
    job = _job(users, status=Job.Status.RUNNING, progress_done=40, progress_total=100)
    page = client_for(RoleCode.ORGANISER).get(reverse("clp:job_detail", args=[job.pk]))
    text = page.content.decode()
    assert "Running" in text and "40 of 100" in text and "<progress" in text


@pytest.mark.django_db
def test_a_failed_job_shows_why_and_no_empty_progress(client_for, users):
    job = _job(
        users,
        status=Job.Status.FAILED,
        progress_total=100,
        message="Row 12, column 2: “12x” is not a number.",
    )
    page = client_for(RoleCode.ORGANISER).get(reverse("clp:job_detail", args=[job.pk]))
    text = page.content.decode()
    assert "Failed" in text and "is not a number" in text
    assert "0 of 100" not in text and "<progress" not in text
