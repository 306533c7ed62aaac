"""Polling day URLs: imports (see pollingday/urls.py)."""

urlpatterns = []
