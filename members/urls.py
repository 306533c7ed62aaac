from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/upload/", views.import_upload, name="import_upload"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/mapping/", views.import_mapping, name="import_mapping"),
    path(
        "imports/<int:pk>/confirm-leavers/",
        views.import_confirm_leavers,
        name="import_confirm_leavers",
    ),
    path("electors/", views.elector_list, name="elector_list"),
    path("electors/export/", views.elector_export, name="elector_export"),
    path("people/", views.people_list, name="people_list"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/checked/", views.person_review_clear, name="person_review_clear"),
    path("segments/", views.segment_list, name="segment_list"),
    path("segments/new/", views.segment_create, name="segment_create"),
    path("segments/<int:pk>/", views.segment_detail, name="segment_detail"),
    path("matches/", views.match_list, name="match_list"),
    path("matches/<int:pk>/decide/", views.match_decide, name="match_decide"),
]
