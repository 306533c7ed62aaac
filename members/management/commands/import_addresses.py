from members.management.commands._importing import ImportCommand
from members.services.address_imports import addresses_import


class Command(ImportCommand):
    help = "Import a council EMS address export (polling district and station per property)."
    creates_districts = True
    service = addresses_import
    takes_date = False
