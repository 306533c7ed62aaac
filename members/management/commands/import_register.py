from members.management.commands._importing import ImportCommand
from members.services.register_imports import LeaversNeedConfirming, register_import


class Command(ImportCommand):
    help = "Import a full electoral register (Xpress, Idox, Bedford layouts)."
    creates_districts = True
    service = register_import
    takes_date = True

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--confirm-leavers",
            action="store_true",
            help="Import even though the file would mark many electors of a polling district "
            "as having left the register (it is that district's whole register).",
        )

    def service_options(self, options) -> dict:
        return {"confirm_leavers": options["confirm_leavers"]}

    def refused(self, problem):
        super().refused(problem)
        if isinstance(problem, LeaversNeedConfirming):
            self.stderr.write(
                "If the file is the whole register for those districts, run the command again "
                "with --confirm-leavers."
            )
