"""Polling day URLs: telling (see pollingday/urls.py)."""

from django.urls import path

from pollingday.views import telling

urlpatterns = [
    path("tell/", telling.tell_choose, name="tell_choose"),
    path("tell/<int:election>/<int:station>/", telling.tell, name="tell"),
    path("telling/<int:election>/<int:station>/sync/", telling.tell_sync, name="tell_sync"),
    path("telling/<int:election>/<int:station>/lookup/", telling.tell_lookup, name="tell_lookup"),
]
