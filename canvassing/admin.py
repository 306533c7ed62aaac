"""Admin for the IT manager: campaigns and walk lists to inspect; results are read-only
(append-only events: corrections are new results, made on the doorstep or by paper entry)."""

from django.contrib import admin

from canvassing.models import (
    CanvassCampaign,
    CanvasserProfile,
    CanvassResult,
    SurveyQuestion,
    WalkList,
    WalkListAssignment,
)
from clp.admin import PersonalDataAdmin


class SurveyQuestionInline(admin.TabularInline):
    model = SurveyQuestion
    extra = 0


@admin.register(CanvassCampaign)
class CanvassCampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "constituency", "is_active", "created_at"]
    list_filter = ["is_active", "constituency"]
    search_fields = ["name"]
    inlines = [SurveyQuestionInline]


@admin.register(WalkList)
class WalkListAdmin(admin.ModelAdmin):
    list_display = ["name", "campaign", "polling_district", "checked_out_to", "lease_expires_at"]
    list_filter = ["campaign", "polling_district"]
    search_fields = ["name", "join_code"]
    raw_id_fields = ["target", "checked_out_to", "created_by"]


@admin.register(WalkListAssignment)
class WalkListAssignmentAdmin(PersonalDataAdmin, admin.ModelAdmin):
    list_display = ["walk_list", "user", "is_board_runner", "started_at", "expires_at", "ended_at"]
    raw_id_fields = ["walk_list", "user", "assigned_by"]


@admin.register(CanvasserProfile)
class CanvasserProfileAdmin(PersonalDataAdmin, admin.ModelAdmin):
    list_display = ["user", "is_new"]
    list_filter = ["is_new"]
    raw_id_fields = ["user"]


@admin.register(CanvassResult)
class CanvassResultAdmin(PersonalDataAdmin, admin.ModelAdmin):
    list_display = ["recorded_at", "campaign", "outcome", "intention", "review_status", "source"]
    list_filter = ["campaign", "outcome", "review_status", "source"]
    date_hierarchy = "recorded_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
