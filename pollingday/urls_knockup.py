"""Polling day URLs: knockup (see pollingday/urls.py)."""

urlpatterns = []
