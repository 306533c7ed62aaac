"""The geography page's changes from the command line: wards, branches, polling districts and
polling stations (add, rename, move, retire), each audited like the page's."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from members import geography as services
from members.models import Branch, Constituency, PollingDistrict, PollingStation, Ward

# subcommand → (positional arguments, help)
ACTIONS = {
    "list": ([], "List the wards, branches, districts and stations."),
    "ward-add": (["name"], "Add a ward."),
    "ward-rename": (["ward", "name"], "Rename a ward."),
    "ward-retire": (["ward"], "Retire a ward (its districts moved or retired first)."),
    "branch-add": (["name"], "Add a branch (--ward for each ward it covers)."),
    "branch-rename": (["branch", "name"], "Rename a branch."),
    "branch-wards": (["branch"], "Set the wards a branch covers (--ward, repeatable)."),
    "branch-retire": (["branch"], "Retire a branch."),
    "district-add": (["code"], "Add a polling district (--ward, --name optional)."),
    "district-rename": (["code", "name"], "Name a polling district."),
    "district-move": (["code", "ward"], "Move a polling district to a ward."),
    "district-station": (["code", "station"], "Say where a district votes."),
    "district-retire": (["code"], "Retire a polling district (its history stays)."),
    "station-add": (["name"], "Add a polling station (--code, --postcode optional)."),
    "station-rename": (["station", "name"], "Rename a polling station."),
    "station-retire": (["station"], "Retire a polling station no district votes at."),
}


class Command(BaseCommand):
    help = "Set up and change wards, branches, polling districts and polling stations."

    def add_arguments(self, parser):
        parser.add_argument(
            "--constituency", help="The constituency's name (needed when there are several)."
        )
        sub = parser.add_subparsers(dest="action", required=True)
        for action, (positionals, text) in ACTIONS.items():
            p = sub.add_parser(action, help=text)
            for name in positionals:
                p.add_argument(name)
            if action in ("branch-add", "branch-wards", "district-add"):
                p.add_argument("--ward", action="append", default=[], help="A ward's name.")
            if action == "district-add":
                p.add_argument("--name", default="")
            if action == "station-add":
                p.add_argument("--code", default="")
                p.add_argument("--postcode", default="")

    def _constituency(self, name):
        found = Constituency.objects.all()
        if name:
            found = found.filter(name__iexact=name)
        if found.count() != 1:
            raise CommandError(
                "Say which constituency with --constituency (known: "
                + ", ".join(Constituency.objects.values_list("name", flat=True))
                + ")."
            )
        return found.get()

    def _get(self, model, constituency, what, **lookup):
        found = model.objects.filter(constituency=constituency, **lookup).first()
        if found is None:
            raise CommandError(f"No {what} {next(iter(lookup.values()))} in {constituency}.")
        return found

    def handle(self, *args, action, constituency=None, **o):
        c = self._constituency(constituency)

        def ward(name):
            return self._get(Ward, c, "ward", name__iexact=name)

        def branch(name):
            return self._get(Branch, c, "branch", name__iexact=name)

        def district(code):
            return self._get(PollingDistrict, c, "polling district", code__iexact=code)

        def station(name):
            return self._get(PollingStation, c, "polling station", name__iexact=name)

        run = {
            "ward-add": lambda: services.ward_create(actor=None, constituency=c, name=o["name"]),
            "ward-rename": lambda: services.ward_rename(
                actor=None, ward=ward(o["ward"]), name=o["name"]
            ),
            "ward-retire": lambda: services.ward_retire(actor=None, ward=ward(o["ward"])),
            "branch-add": lambda: services.branch_create(
                actor=None, constituency=c, name=o["name"], wards=[ward(w) for w in o["ward"]]
            ),
            "branch-rename": lambda: services.branch_rename(
                actor=None, branch=branch(o["branch"]), name=o["name"]
            ),
            "branch-wards": lambda: services.branch_wards_set(
                actor=None, branch=branch(o["branch"]), wards=[ward(w) for w in o["ward"]]
            ),
            "branch-retire": lambda: services.branch_retire(actor=None, branch=branch(o["branch"])),
            "district-add": lambda: services.polling_district_create(
                actor=None,
                constituency=c,
                code=o["code"],
                ward=ward(o["ward"][0]) if o["ward"] else None,
                name=o["name"],
            ),
            "district-rename": lambda: services.polling_district_rename(
                actor=None, district=district(o["code"]), name=o["name"]
            ),
            "district-move": lambda: services.polling_district_move(
                actor=None, district=district(o["code"]), ward=ward(o["ward"])
            ),
            "district-station": lambda: services.polling_district_station_set(
                actor=None, district=district(o["code"]), station=station(o["station"])
            ),
            "district-retire": lambda: services.polling_district_retire(
                actor=None, district=district(o["code"])
            ),
            "station-add": lambda: services.polling_station_create(
                actor=None, constituency=c, name=o["name"], code=o["code"], postcode=o["postcode"]
            ),
            "station-rename": lambda: services.polling_station_rename(
                actor=None, station=station(o["station"]), name=o["name"]
            ),
            "station-retire": lambda: services.polling_station_retire(
                actor=None, station=station(o["station"])
            ),
        }
        if action == "list":
            self._list(c)
            return
        try:
            item = run[action]()
        except ValidationError as problem:
            raise CommandError(" ".join(problem.messages)) from problem
        self.stdout.write(f"{action}: {item}")

    def _list(self, c):
        def retired(x):
            return f" (retired {x.retired_on})" if x.retired_on else ""

        self.stdout.write(f"{c}")
        for w in Ward.objects.filter(constituency=c):
            codes = ", ".join(w.polling_districts.values_list("code", flat=True))
            self.stdout.write(f"  ward {w.name}{retired(w)}: {codes or 'no districts'}")
        for d in PollingDistrict.objects.filter(constituency=c, ward__isnull=True):
            self.stdout.write(f"  district {d.code} has no ward yet{retired(d)}")
        for b in Branch.objects.filter(constituency=c):
            wards = ", ".join(b.wards.values_list("name", flat=True))
            self.stdout.write(f"  branch {b.name}{retired(b)}: {wards or 'no wards'}")
        for s in PollingStation.objects.filter(constituency=c):
            self.stdout.write(f"  station {s.name}{retired(s)}")
