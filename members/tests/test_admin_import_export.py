import pytest
import tablib

from members.models import PollingDistrict, PollingStation
from members.resources import PollingDistrictResource, PollingStationResource


@pytest.mark.django_db
def test_it_manager_can_import_stations_and_districts_with_import_export(geography):
    stations = tablib.Dataset(
        headers=["constituency", "code", "name", "address", "postcode", "uprn"]
    )
    stations.append(
        [geography["constituency"].name, "S9", "Castle School", "School Lane", "NB1 9ZZ", ""]
    )
    result = PollingStationResource().import_data(stations, dry_run=False)
    assert not result.has_errors()
    districts = tablib.Dataset(headers=["constituency", "ward", "code", "name", "polling_station"])
    districts.append([geography["constituency"].name, "Castle", "CD", "Castle D", "S9"])
    result = PollingDistrictResource().import_data(districts, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert PollingDistrict.objects.get(code="CD").polling_station == PollingStation.objects.get()


@pytest.mark.django_db
def test_admin_pages_for_members_tables_open(client_for):
    from django.urls import reverse

    client = client_for("itmanager")
    for name in ("members_pollingdistrict", "members_importbatch", "members_ward"):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:members_pollingdistrict_import")).status_code == 200
