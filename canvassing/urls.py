from django.urls import path

from canvassing.views import doorstep, organising

app_name = "canvassing"

urlpatterns = [
    # Doorstep (canvassers, phones)
    path("", doorstep.my_walk_lists, name="my_walk_lists"),
    path("sw.js", doorstep.service_worker, name="service_worker"),
    path("join/", doorstep.join, name="join"),
    path("join/<str:code>/", doorstep.join_code, name="join_code"),
    path("walk/<int:pk>/", doorstep.doorstep, name="doorstep"),
    path("walk/<int:pk>/return/", doorstep.walk_list_return, name="walk_list_return"),
    path("sync/", doorstep.sync, name="sync"),
    # Targeting (organisers)
    path("campaigns/", organising.campaign_list, name="campaign_list"),
    path("campaigns/new/", organising.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", organising.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", organising.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/questions/", organising.question_add, name="question_add"),
    path("questions/<int:pk>/edit/", organising.question_edit, name="question_edit"),
    path("questions/<int:pk>/remove/", organising.question_remove, name="question_remove"),
    path("campaigns/<int:pk>/targets/preview/", organising.target_preview, name="target_preview"),
    path("campaigns/<int:pk>/targets/", organising.target_create, name="target_create"),
    path("targets/<int:pk>/", organising.target_detail, name="target_detail"),
    path("targets/<int:pk>/cut/", organising.walk_lists_cut, name="walk_lists_cut"),
    path("lists/<int:pk>/", organising.walk_list_detail, name="walk_list_detail"),
    path("lists/<int:pk>/assign/", organising.walk_list_assign, name="walk_list_assign"),
    path("lists/<int:pk>/take-back/", organising.walk_list_take_back, name="walk_list_take_back"),
    path("lists/<int:pk>/sheet.pdf", organising.walk_sheet_pdf, name="walk_sheet_pdf"),
    path("lists/<int:pk>/paper/", organising.paper_entry, name="paper_entry"),
    path("review/", organising.review_queue, name="review_queue"),
    path("review/decide/", organising.review_decide, name="review_decide"),
    path("review/volunteers/", organising.canvasser_flag, name="canvasser_flag"),
]
