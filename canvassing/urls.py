from django.urls import path

from canvassing import views

app_name = "canvassing"

urlpatterns = [
    # Doorstep (canvassers, phones)
    path("", views.my_walk_lists, name="my_walk_lists"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("join/", views.join, name="join"),
    path("join/<str:code>/", views.join_code, name="join_code"),
    path("walk/<int:pk>/", views.doorstep, name="doorstep"),
    path("walk/<int:pk>/return/", views.walk_list_return, name="walk_list_return"),
    path("sync/", views.sync, name="sync"),
    # Targeting (organisers)
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/questions/", views.question_add, name="question_add"),
    path("questions/<int:pk>/edit/", views.question_edit, name="question_edit"),
    path("questions/<int:pk>/remove/", views.question_remove, name="question_remove"),
    path("campaigns/<int:pk>/targets/preview/", views.target_preview, name="target_preview"),
    path("campaigns/<int:pk>/targets/", views.target_create, name="target_create"),
    path("targets/<int:pk>/", views.target_detail, name="target_detail"),
    path("targets/<int:pk>/cut/", views.walk_lists_cut, name="walk_lists_cut"),
    path("lists/<int:pk>/", views.walk_list_detail, name="walk_list_detail"),
    path("lists/<int:pk>/assign/", views.walk_list_assign, name="walk_list_assign"),
    path("lists/<int:pk>/take-back/", views.walk_list_take_back, name="walk_list_take_back"),
    path("lists/<int:pk>/sheet.pdf", views.walk_sheet_pdf, name="walk_sheet_pdf"),
    path("lists/<int:pk>/paper/", views.paper_entry, name="paper_entry"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/decide/", views.review_decide, name="review_decide"),
    path("review/volunteers/", views.canvasser_flag, name="canvasser_flag"),
]
