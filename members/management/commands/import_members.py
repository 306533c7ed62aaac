from members.management.commands._importing import ImportCommand
from members.services.member_imports import members_import


class Command(ImportCommand):
    help = "Import the party membership list and match members to the register."
    service = members_import
    takes_date = False
