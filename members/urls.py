from django.urls import path

from members.views import electors, geography, imports, people, questions, segments

app_name = "members"

urlpatterns = [
    path("imports/", imports.import_list, name="import_list"),
    path("imports/upload/", imports.import_upload, name="import_upload"),
    path("imports/phones/", imports.phone_list_import_view, name="phone_list_import"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/mapping/", imports.import_mapping, name="import_mapping"),
    path(
        "imports/<int:pk>/confirm-leavers/",
        imports.import_confirm_leavers,
        name="import_confirm_leavers",
    ),
    path(
        "imports/<int:pk>/create-districts/",
        imports.import_create_districts,
        name="import_create_districts",
    ),
    path("geography/", geography.geography, name="geography"),
    path("geography/<str:kind>/add/", geography.geography_add, name="geography_add"),
    path(
        "geography/<str:kind>/<int:pk>/<str:action>/",
        geography.geography_change,
        name="geography_change",
    ),
    path("electors/", electors.elector_list, name="elector_list"),
    path("electors/export/", electors.elector_export, name="elector_export"),
    path("people/", people.people_list, name="people_list"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", people.person_edit, name="person_edit"),
    path("people/<int:pk>/membership/", people.membership_edit, name="membership_edit"),
    path(
        "people/<int:pk>/<str:kind>/new/",
        people.person_contact_add_view,
        name="person_contact_add",
    ),
    path(
        "people/<int:pk>/<str:kind>/<int:contact_pk>/",
        people.person_contact_edit,
        name="person_contact_edit",
    ),
    path(
        "people/<int:pk>/<str:kind>/<int:contact_pk>/remove/",
        people.person_contact_remove,
        name="person_contact_remove",
    ),
    path("people/<int:pk>/checked/", imports.person_review_clear, name="person_review_clear"),
    path("segments/", segments.segment_list, name="segment_list"),
    path("segments/new/", segments.segment_create, name="segment_create"),
    path("segments/<int:pk>/", segments.segment_detail, name="segment_detail"),
    path("segments/<int:pk>/edit/", segments.segment_edit, name="segment_edit"),
    path("segments/<int:pk>/delete/", segments.segment_delete_view, name="segment_delete"),
    path("segments/<int:pk>/export/", segments.segment_export, name="segment_export"),
    path("questions/", questions.question_list, name="question_list"),
    path("questions/new/", questions.question_create_view, name="question_create"),
    path("questions/<int:pk>/edit/", questions.question_edit, name="question_edit"),
    path("matches/", imports.match_list, name="match_list"),
    path("matches/<int:pk>/decide/", imports.match_decide, name="match_decide"),
]
