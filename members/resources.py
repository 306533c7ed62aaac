"""django-import-export resources for the small geography tables the IT manager maintains in the
admin (wards, polling districts, stations, branches). Registers and member lists are far too big
for its row-by-row path: they go through members.services.

Every row is validated against its model (`clean_model_instances`) before it is saved: a value
longer than its field is a row error naming the field, as in the app's own imports."""

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget, ManyToManyWidget

from members.models import Branch, Constituency, PollingDistrict, PollingStation, Ward


class WardResource(resources.ModelResource):
    constituency = fields.Field(
        column_name="constituency",
        attribute="constituency",
        widget=ForeignKeyWidget(Constituency, field="name"),
    )

    class Meta:
        model = Ward
        fields = ("id", "constituency", "name", "code")
        clean_model_instances = True
        import_id_fields = ("constituency", "name")


class PollingStationResource(resources.ModelResource):
    constituency = fields.Field(
        column_name="constituency",
        attribute="constituency",
        widget=ForeignKeyWidget(Constituency, field="name"),
    )

    class Meta:
        model = PollingStation
        fields = ("id", "constituency", "code", "name", "address", "postcode", "uprn")
        clean_model_instances = True


class PollingDistrictResource(resources.ModelResource):
    constituency = fields.Field(
        column_name="constituency",
        attribute="constituency",
        widget=ForeignKeyWidget(Constituency, field="name"),
    )
    ward = fields.Field(column_name="ward", attribute="ward", widget=ForeignKeyWidget(Ward, "name"))
    polling_station = fields.Field(
        column_name="polling_station",
        attribute="polling_station",
        widget=ForeignKeyWidget(PollingStation, field="code"),
    )

    class Meta:
        model = PollingDistrict
        fields = ("id", "constituency", "ward", "code", "name", "polling_station")
        clean_model_instances = True
        import_id_fields = ("constituency", "code")


class BranchResource(resources.ModelResource):
    constituency = fields.Field(
        column_name="constituency",
        attribute="constituency",
        widget=ForeignKeyWidget(Constituency, field="name"),
    )
    wards = fields.Field(
        column_name="wards", attribute="wards", widget=ManyToManyWidget(Ward, field="name")
    )

    class Meta:
        model = Branch
        fields = ("id", "constituency", "name", "wards")
        clean_model_instances = True
        import_id_fields = ("constituency", "name")
