"""Polling day URLs: setup (see pollingday/urls.py)."""

urlpatterns = []
