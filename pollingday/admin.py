from django.contrib import admin

from clp.admin import PersonalDataAdmin
from pollingday.models import CommitteeRoom, Shift, ShiftSignup


@admin.register(CommitteeRoom)
class CommitteeRoomAdmin(admin.ModelAdmin):
    list_display = ["name", "election", "phone"]
    list_filter = ["election"]
    search_fields = ["name"]
    filter_horizontal = ["polling_districts"]


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["__str__", "election", "kind", "polling_station", "committee_room", "wanted"]
    list_filter = ["election", "kind"]
    list_select_related = ["election", "polling_station", "committee_room"]


@admin.register(ShiftSignup)
class ShiftSignupAdmin(PersonalDataAdmin, admin.ModelAdmin):
    list_display = ["shift", "user", "signed_up_at"]
    list_select_related = ["shift", "user"]
    raw_id_fields = ["user", "shift"]
