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
    path(
        "imports/<int:pk>/create-districts/",
        views.import_create_districts,
        name="import_create_districts",
    ),
    path("geography/", views.geography, name="geography"),
    path("geography/<str:kind>/add/", views.geography_add, name="geography_add"),
    path(
        "geography/<str:kind>/<int:pk>/<str:action>/",
        views.geography_change,
        name="geography_change",
    ),
    path("electors/", views.elector_list, name="elector_list"),
    path("electors/export/", views.elector_export, name="elector_export"),
    path("people/", views.people_list, name="people_list"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/membership/", views.membership_edit, name="membership_edit"),
    path(
        "people/<int:pk>/<str:kind>/new/",
        views.person_contact_add_view,
        name="person_contact_add",
    ),
    path(
        "people/<int:pk>/<str:kind>/<int:contact_pk>/",
        views.person_contact_edit,
        name="person_contact_edit",
    ),
    path(
        "people/<int:pk>/<str:kind>/<int:contact_pk>/remove/",
        views.person_contact_remove,
        name="person_contact_remove",
    ),
    path("people/<int:pk>/checked/", views.person_review_clear, name="person_review_clear"),
    path("segments/", views.segment_list, name="segment_list"),
    path("segments/new/", views.segment_create, name="segment_create"),
    path("segments/<int:pk>/", views.segment_detail, name="segment_detail"),
    path("segments/<int:pk>/edit/", views.segment_edit, name="segment_edit"),
    path("segments/<int:pk>/delete/", views.segment_delete_view, name="segment_delete"),
    path("segments/<int:pk>/export/", views.segment_export, name="segment_export"),
    path("matches/", views.match_list, name="match_list"),
    path("matches/<int:pk>/decide/", views.match_decide, name="match_decide"),
]
