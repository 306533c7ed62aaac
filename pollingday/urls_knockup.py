"""Polling day URLs: knockup (see pollingday/urls.py)."""

from django.urls import path

from pollingday.views import knockup

urlpatterns = [
    path("<int:pk>/promises/", knockup.promises, name="promises"),
    path("<int:pk>/knock-up/", knockup.knockup_lists, name="knockup_lists"),
    path("<int:pk>/knock-up/cut/", knockup.knockup_cut, name="knockup_cut"),
    path("knock-up/<int:pk>/hand-out/", knockup.knockup_hand_out, name="knockup_hand_out"),
    path("knock-up/<int:pk>/sheet.pdf", knockup.knockup_pdf, name="knockup_pdf"),
    path("knock-up/<int:pk>/voted/", knockup.knockup_voted, name="knockup_voted"),
    path("knock-up/<int:pk>/sync/", knockup.knockup_sync, name="knockup_sync"),
    path("run/", knockup.my_knock_up_lists, name="my_knock_up_lists"),
    path("run/<int:pk>/", knockup.knockup_run, name="knockup_run"),
    path(
        "<int:pk>/rooms/<int:room>/board/",
        knockup.committee_room_board,
        name="committee_room_board",
    ),
    path("<int:pk>/turnout/", knockup.turnout, name="turnout"),
]
