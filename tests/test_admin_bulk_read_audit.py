"""The Django admin's list pages, record pages and exports of personal data are logged as bulk
reads, for every model that holds personal data."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV

from canvassing.models import CanvasserProfile
from clp.admin import PersonalDataAdmin
from clp.models import AuditEntry, User
from clp.roles import RoleCode


def _bulk_reads(action):
    return AuditEntry.objects.filter(kind=AuditEntry.Kind.BULK_READ, action=action)


def test_every_admin_of_personal_data_logs_its_reads():
    unlogged = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if getattr(model, "PERSONAL_DATA", False) and not isinstance(model_admin, PersonalDataAdmin)
    ]
    assert not unlogged, f"Mix clp.admin.PersonalDataAdmin into the admin of: {unlogged}"


@pytest.mark.django_db
def test_admin_list_of_users_logs_how_many_were_shown(client, users):
    it_manager = users[RoleCode.IT_MANAGER]
    client.force_login(it_manager)
    response = client.get(reverse("admin:clp_user_changelist"))
    assert response.status_code == 200 and b"canvasser@test.example" in response.content
    (entry,) = _bulk_reads("read:admin.clp.user")
    assert entry.actor == it_manager
    assert entry.details["count"] == User.objects.count() == len(users)
    assert entry.why == "admin list"


@pytest.mark.django_db
def test_admin_search_logs_the_query_and_how_many_matched(client, users):
    client.force_login(users[RoleCode.IT_MANAGER])
    client.get(reverse("admin:clp_user_changelist"), {"q": "canvasser"})
    (entry,) = _bulk_reads("read:admin.clp.user")
    assert entry.details["count"] == 1 and entry.details["query"] == {"q": "canvasser"}


@pytest.mark.django_db
def test_admin_record_page_logs_one_read(client, users):
    client.force_login(users[RoleCode.IT_MANAGER])
    canvasser = users[RoleCode.CANVASSER]
    response = client.get(reverse("admin:clp_user_change", args=[canvasser.pk]))
    assert response.status_code == 200
    (entry,) = _bulk_reads("read:admin.clp.user")
    assert entry.details == {"count": 1, "id": str(canvasser.pk)}
    assert entry.why == "admin record"


@pytest.mark.django_db
def test_admin_list_of_canvass_results_logs_a_read(client, users):
    client.force_login(users[RoleCode.IT_MANAGER])
    assert client.get(reverse("admin:canvassing_canvassresult_changelist")).status_code == 200
    (entry,) = _bulk_reads("read:admin.canvassing.canvassresult")
    assert entry.details["count"] == 0


@pytest.mark.django_db
def test_admin_export_of_personal_data_logs_how_many_rows_left(users):
    class ExportingAdmin(PersonalDataAdmin, ExportMixin, admin.ModelAdmin):
        pass

    for role in (RoleCode.CANVASSER, RoleCode.CALLER):
        CanvasserProfile.objects.create(user=users[role])
    request = RequestFactory().get("/admin/")
    request.user = users[RoleCode.IT_MANAGER]
    exported = ExportingAdmin(CanvasserProfile, admin.site).get_export_data(
        CSV(), request, CanvasserProfile.objects.all()
    )
    assert exported.count("\n") == 3  # header and two rows
    (entry,) = _bulk_reads("read:admin.canvassing.canvasserprofile")
    assert entry.actor == users[RoleCode.IT_MANAGER] and entry.details["count"] == 2
    assert entry.why == "admin export"
