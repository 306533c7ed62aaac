from django.urls import path

from phonebank import urls_board
from phonebank.views import caller, organising

app_name = "phonebank"

urlpatterns = [
    # Callers
    path("", caller.my_phone_banks, name="my_phone_banks"),
    path("join/", caller.join, name="join"),
    path("join/<str:code>/", caller.join_code, name="join_code"),
    path("call/<int:pk>/", caller.call, name="call"),
    path("call/<int:pk>/next/", caller.next_contact, name="next_contact"),
    path("call/<int:pk>/record/", caller.record, name="record"),
    path("call/<int:pk>/release/", caller.release, name="release"),
    path("call/<int:pk>/dialled/", caller.dialled, name="dialled"),
    path("call/<int:pk>/bridge/", caller.bridge, name="bridge"),
    path("call/<int:pk>/totals/", caller.totals, name="totals"),
    # Organisers
    path("campaigns/", organising.campaign_list, name="campaign_list"),
    path("campaigns/new/", organising.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", organising.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", organising.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/queue/", organising.queue_build, name="queue_build"),
    path("campaigns/<int:pk>/status/", organising.campaign_status, name="campaign_status"),
    path("campaigns/<int:pk>/join-code/", organising.join_code_issue, name="join_code_issue"),
    path("campaigns/<int:pk>/join-code/end/", organising.join_code_end, name="join_code_end"),
    path("campaigns/<int:pk>/script/", organising.script_step_add, name="script_step_add"),
    path("steps/<int:pk>/", organising.script_step_edit, name="script_step_edit"),
    path("steps/<int:pk>/remove/", organising.script_step_remove, name="script_step_remove"),
    # The live board and the callers on it
    *urls_board.urlpatterns,
]
