from django.apps import AppConfig


class GdprConfig(AppConfig):
    name = "gdpr"
    verbose_name = "Data protection"

    def ready(self):
        from gdpr.registry import autodiscover

        autodiscover()
