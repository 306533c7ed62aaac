"""Polling day URLs: imports (see pollingday/urls.py)."""

from django.urls import path

from pollingday.views import imports

urlpatterns = [
    path("<int:pk>/absent-voters/", imports.absent_voters_import, name="absent_voters_import"),
    path("<int:pk>/postal-returns/", imports.postal_returns_import, name="postal_returns_import"),
    path(
        "<int:pk>/marked-register/", imports.marked_register_import, name="marked_register_import"
    ),
]
