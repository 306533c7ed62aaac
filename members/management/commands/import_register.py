from members.management.commands._importing import ImportCommand
from members.services import register_import


class Command(ImportCommand):
    help = "Import a full electoral register (Xpress, Idox, Bedford layouts)."
    service = register_import
    takes_date = True
