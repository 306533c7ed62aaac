from django.apps import AppConfig


class ClpConfig(AppConfig):
    name = "clp"
    verbose_name = "CLP platform"
