"""Polling day URLs: setup (see pollingday/urls.py)."""

from django.urls import path

from pollingday.views import setup

urlpatterns = [
    path("", setup.election_list, name="election_list"),
    path("new/", setup.election_create, name="election_create"),
    path("<int:pk>/", setup.election_detail, name="election_detail"),
    path("<int:pk>/edit/", setup.election_edit, name="election_edit"),
    path("<int:pk>/stations/", setup.station_list, name="station_list"),
    path("<int:pk>/stations/new/", setup.station_create, name="station_create"),
    path("<int:pk>/stations/<int:station>/", setup.station_edit, name="station_edit"),
    path("<int:pk>/rooms/new/", setup.committee_room_create, name="committee_room_create"),
    path("<int:pk>/rooms/<int:room>/edit/", setup.committee_room_edit, name="committee_room_edit"),
    path("<int:pk>/shifts/", setup.shift_list, name="shift_list"),
    path("<int:pk>/shifts/rota/", setup.shift_rota_make, name="shift_rota_make"),
    path("<int:pk>/shifts/new/", setup.shift_create, name="shift_create"),
    path("shifts/<int:pk>/edit/", setup.shift_edit, name="shift_edit"),
    path("shifts/<int:pk>/assign/", setup.shift_assign, name="shift_assign"),
    path("shifts/<int:pk>/remove/<int:user>/", setup.shift_unassign, name="shift_unassign"),
    path("shifts/", setup.my_shifts, name="my_shifts"),
    path("shifts/<int:pk>/sign-up/", setup.shift_signup, name="shift_signup"),
    path("shifts/<int:pk>/cancel/", setup.shift_cancel, name="shift_cancel"),
]
