from django.contrib import admin

from members.models import Branch, Constituency, PollingDistrict, Ward


@admin.register(Constituency)
class ConstituencyAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Ward)
class WardAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "constituency"]
    list_filter = ["constituency"]
    search_fields = ["name", "code"]


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["name", "constituency"]
    search_fields = ["name"]
    filter_horizontal = ["wards"]


@admin.register(PollingDistrict)
class PollingDistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "ward", "constituency"]
    list_filter = ["constituency", "ward"]
    search_fields = ["code", "name"]
