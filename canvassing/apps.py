import logging

from django.apps import AppConfig


class CanvassingConfig(AppConfig):
    name = "canvassing"

    def ready(self):
        # WeasyPrint logs every layout step at INFO; a printed walk sheet is not news.
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

        from canvassing.services.walk_lists import _role_ended
        from clp.services import role_ended_hook_register

        # A canvasser whose role is taken away lets go of their walk lists at once.
        role_ended_hook_register(_role_ended)
