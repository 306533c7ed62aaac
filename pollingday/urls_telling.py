"""Polling day URLs: telling (see pollingday/urls.py)."""

urlpatterns = []
