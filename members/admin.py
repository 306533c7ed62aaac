from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from clp.admin import PersonalDataAdmin
from members.models import (
    Branch,
    Constituency,
    ImportBatch,
    PollingDistrict,
    PollingStation,
    RegisterEdition,
    SavedLayout,
    Segment,
    Tag,
    Ward,
)
from members.resources import (
    BranchResource,
    PollingDistrictResource,
    PollingStationResource,
    WardResource,
)


@admin.register(Constituency)
class ConstituencyAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Ward)
class WardAdmin(ImportExportModelAdmin):
    resource_classes = [WardResource]
    list_display = ["name", "code", "constituency"]
    list_filter = ["constituency"]
    search_fields = ["name", "code"]


@admin.register(Branch)
class BranchAdmin(ImportExportModelAdmin):
    resource_classes = [BranchResource]
    list_display = ["name", "constituency"]
    search_fields = ["name"]
    filter_horizontal = ["wards"]


@admin.register(PollingDistrict)
class PollingDistrictAdmin(ImportExportModelAdmin):
    resource_classes = [PollingDistrictResource]
    list_display = ["code", "name", "ward", "polling_station", "constituency"]
    list_filter = ["constituency", "ward"]
    search_fields = ["code", "name"]
    list_select_related = ["ward", "polling_station", "constituency"]


@admin.register(PollingStation)
class PollingStationAdmin(ImportExportModelAdmin):
    resource_classes = [PollingStationResource]
    list_display = ["name", "code", "postcode", "constituency"]
    list_filter = ["constituency"]
    search_fields = ["name", "code", "postcode"]


@admin.register(RegisterEdition)
class RegisterEditionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "published_on", "constituency", "source_filename"]
    list_filter = ["kind", "constituency"]


@admin.register(ImportBatch)
class ImportBatchAdmin(PersonalDataAdmin, admin.ModelAdmin):
    list_display = ["filename", "kind", "status", "layout", "created_at", "created_by"]
    list_filter = ["kind", "status"]
    exclude = ["content"]
    readonly_fields = ["report", "errors", "job", "created_by"]


@admin.register(SavedLayout)
class SavedLayoutAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "constituency"]


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "constituency", "created_by"]


admin.site.register(Tag)
