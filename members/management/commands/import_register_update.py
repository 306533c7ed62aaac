from members.management.commands._importing import ImportCommand
from members.services.register_updates import register_update_import


class Command(ImportCommand):
    help = "Apply a monthly register update notice to the current register."
    service = register_update_import
    takes_date = True
