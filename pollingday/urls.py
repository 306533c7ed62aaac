"""Polling day's URLs, one module per part of the day: setting it up (elections, stations,
committee rooms, shifts), telling, the council's files, knock-up and the boards."""

from pollingday import urls_imports, urls_knockup, urls_setup, urls_telling

app_name = "pollingday"

urlpatterns = [
    *urls_setup.urlpatterns,
    *urls_telling.urlpatterns,
    *urls_imports.urlpatterns,
    *urls_knockup.urlpatterns,
]
