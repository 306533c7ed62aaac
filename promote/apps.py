from django.apps import AppConfig


class PromoteConfig(AppConfig):
    name = "promote"
