"""Shared by the import commands: a file path, --dry-run, and an exit status that says whether
the import happened (0) or not (1), with the reasons on stderr."""

import datetime
import json
from functools import partial
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from members.importers import FileProblem, WrongKind
from members.importers.files import read_table
from members.models import Constituency
from members.services.common import DistrictsNeedCreating


class ImportCommand(BaseCommand):
    service = None  # set by each command
    takes_date = False
    creates_districts = False  # the file names districts: offer --create-districts

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file to import (CSV, TSV or XLSX).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and report what would change, without writing anything.",
        )
        parser.add_argument(
            "--constituency",
            help="The constituency's name (needed only when the database holds several).",
        )
        if self.takes_date:
            parser.add_argument(
                "--published", help="Publication date of the register/update (YYYY-MM-DD)."
            )
        if self.creates_districts:
            parser.add_argument(
                "--create-districts",
                action="store_true",
                help="Create the polling districts the file names that are not set up yet "
                "(without a ward: set it later with `manage.py geography district-move`).",
            )

    def service_options(self, options) -> dict:
        """Keyword arguments a command passes to its service beyond the shared ones."""
        return {}

    def refused(self, problem: FileProblem) -> None:
        """Write why nothing was imported to stderr (a command may add what to do next)."""
        if isinstance(problem, WrongKind):
            # The advice that fits where it was run: the command for that kind of file.
            self.stderr.write(problem.command_advice(self.path))
            return
        for message in problem.messages:
            self.stderr.write(message)

    def handle(self, *args, path, dry_run=False, constituency=None, **options):
        self.path = path
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}")
        data = file.read_bytes()
        try:
            read_table(data, filename=file.name)  # unreadable files fail before any database work
        except FileProblem as problem:
            self.refused(problem)
            raise CommandError("Nothing was imported.") from problem
        constituencies = Constituency.objects.all()
        if constituency:
            constituencies = constituencies.filter(name__iexact=constituency)
        if constituencies.count() != 1:
            raise CommandError(
                "Say which constituency with --constituency (known: "
                + ", ".join(Constituency.objects.values_list("name", flat=True))
                + ")."
            )
        kwargs = {}
        if self.takes_date:
            try:
                kwargs["published_on"] = (
                    datetime.date.fromisoformat(options["published"])
                    if options.get("published")
                    else datetime.date.today()
                )
            except ValueError as exc:
                raise CommandError("--published must be a date like 2026-12-01.") from exc
        run = partial(
            type(self).service,
            actor=None,
            constituency=constituencies.get(),
            data=data,
            filename=file.name,
            dry_run=dry_run,
            **kwargs,
            **self.service_options(options),
        )
        try:
            try:
                report = run()
            except DistrictsNeedCreating as question:
                if not options.get("create_districts"):
                    raise
                codes = ", ".join(code for code, _rows in question.districts)
                self.stdout.write(f"Creating polling districts {codes} (no ward yet).")
                report = run(new_districts={code: "" for code, _rows in question.districts})
        except FileProblem as problem:
            self.refused(problem)
            if isinstance(problem, DistrictsNeedCreating):
                self.stderr.write(
                    "To create them, run the command again with --create-districts (or add "
                    "them with `manage.py geography district-add`)."
                )
            raise CommandError("Nothing was imported.") from problem
        prefix = "Dry run, nothing written: " if dry_run else "Imported: "
        self.stdout.write(prefix + json.dumps(report, default=str, sort_keys=True))
