import logging

from django.apps import AppConfig


class CanvassingConfig(AppConfig):
    name = "canvassing"

    def ready(self):
        # WeasyPrint logs every layout step at INFO; a printed walk sheet is not news.
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
