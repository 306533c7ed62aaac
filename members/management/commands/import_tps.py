"""Replace the Telephone Preference Service list in force with a new file (one number a line).

Exit status 0 when the list was replaced, 1 with the bad lines on stderr when nothing was."""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from members.services.phones import tps_list_import


class Command(BaseCommand):
    help = "Import the TPS list: a text file of phone numbers, one a line, any UK format."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The TPS file (plain text, one number a line).")
        parser.add_argument(
            "--date",
            help="The date the list was published (YYYY-MM-DD). Default: a date in the "
            "file's name, else the day the file was last changed.",
        )

    def handle(self, *args, path, date=None, **options):
        try:
            file_date = datetime.date.fromisoformat(date) if date else None
        except ValueError as exc:
            raise CommandError("--date must be a date like 2026-11-30.") from exc
        try:
            tps = tps_list_import(actor=None, path=path, file_date=file_date)
        except ValidationError as refused:
            for message in refused.messages:
                self.stderr.write(message)
            raise CommandError(
                "Nothing was imported: the TPS list in force is unchanged."
            ) from None
        self.stdout.write(
            f"Imported the TPS list of {tps.file_date:%-d %b %Y}: {tps.numbers:,} numbers."
        )
