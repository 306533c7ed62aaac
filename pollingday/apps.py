from django.apps import AppConfig


class PollingdayConfig(AppConfig):
    name = "pollingday"
