from django.apps import AppConfig


class ClpConfig(AppConfig):
    name = "clp"
    verbose_name = "CLP platform"

    def ready(self):
        from clp import checks, signals  # noqa: F401  (registers receivers and checks)
