"""Demo geography: a fictional constituency with wards, branches and polling districts."""

from clp.demo import DemoContext, DemoStep
from members.models import Branch, Constituency, PollingDistrict, Ward

CONSTITUENCY = "Northbridge and Calder Vale"
WARDS = {
    # ward: polling district codes
    "Castle": ["CA", "CB", "CC"],
    "Riverside": ["RA", "RB", "RC"],
    "Millfield": ["MA", "MB", "MC"],
    "Calder Vale": ["VA", "VB", "VC"],
}
BRANCHES = {
    "Northbridge Central branch": ["Castle", "Riverside"],
    "Calder Vale and Millfield branch": ["Millfield", "Calder Vale"],
}


def seed_geography(ctx: DemoContext) -> None:
    constituency, created = Constituency.objects.get_or_create(
        name=CONSTITUENCY, defaults={"code": "E14099901"}
    )
    wards = {}
    for ward_name, codes in WARDS.items():
        ward, _ = Ward.objects.get_or_create(constituency=constituency, name=ward_name)
        wards[ward_name] = ward
        for code in codes:
            PollingDistrict.objects.get_or_create(
                constituency=constituency,
                code=code,
                defaults={"ward": ward, "name": f"{ward_name} {code[-1]}"},
            )
    for branch_name, ward_names in BRANCHES.items():
        branch, _ = Branch.objects.get_or_create(constituency=constituency, name=branch_name)
        branch.wards.add(*(wards[name] for name in ward_names))
    ctx.shared["constituency"] = constituency
    ctx.shared["wards"] = wards
    if created:
        ctx.say(f"Created the constituency {CONSTITUENCY} with {len(WARDS)} wards.")


# --- A fictional register, members and segments ---------------------------------------------

DEMO_ELECTORS = 20_000
SURNAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Khan",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Wright",
    "Begum",
    "Okafor",
    "Hughes",
    "Edwards",
    "Green",
    "Hall",
    "Wood",
    "Clarke",
    "Jackson",
    "O'Neill",
    "Kowalski",
    "Nowak",
    "Ahmed",
    "Hussain",
    "Campbell",
    "Murphy",
    "Lewis",
    "Morgan",
    "Price",
    "Ali",
    "Mensah",
]
FORENAMES = [
    "John",
    "Mary",
    "Ann",
    "Ravi",
    "Aisha",
    "Tom",
    "Siân",
    "David",
    "Sarah",
    "James",
    "Fatima",
    "Peter",
    "Emma",
    "Mohammed",
    "Grace",
    "Liam",
    "Chloe",
    "Harry",
    "Zara",
    "Olivia",
    "Noah",
    "Amelia",
    "Jack",
    "Isla",
    "Kwame",
    "Agnieszka",
    "Dylan",
    "Megan",
    "Imran",
    "Ruth",
]
STREET_WORDS = [
    "Mill",
    "Church",
    "Station",
    "Park",
    "Victoria",
    "Queens",
    "Kings",
    "Chapel",
    "Bridge",
    "Canal",
    "Orchard",
    "Meadow",
    "Albert",
    "Market",
    "School",
    "Well",
    "Hill",
    "Brook",
]
STREET_KINDS = ["Street", "Road", "Lane", "Avenue", "Close", "Terrace"]


def demo_register_csv(constituency_wards: dict[str, list[str]], total: int, seed: int = 3) -> bytes:
    """A fictional Xpress 14-column register: households on streets, per polling district."""
    import csv
    import io
    import random

    from members.tests.registers import XPRESS14

    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(XPRESS14)
    codes = [code for codes in constituency_wards.values() for code in codes]
    per_district = total // len(codes)
    street_index = 0
    for ward_no, (ward, ward_codes) in enumerate(constituency_wards.items(), start=1):
        for code in ward_codes:
            number = 0
            while number < per_district:
                street = (
                    f"{STREET_WORDS[street_index % len(STREET_WORDS)]} "
                    f"{STREET_KINDS[street_index % len(STREET_KINDS)]}"
                )
                if code.startswith("CA") and street_index % 12 == 0:
                    street = "Castle Street"
                street_index += 1
                district_letter = "ABCDEFGHJKLMNPQRSTUVWXY"[street_index % 23]
                unit = "ABDEFGHJLNP"[street_index % 11]
                postcode = f"NB{ward_no} {street_index % 9 + 1}{district_letter}{unit}"
                for house in range(1, rng.randint(30, 90)):
                    surname = rng.choice(SURNAMES)
                    for _ in range(rng.choice([1, 1, 2, 2, 2, 3, 4])):
                        number += 1
                        if number > per_district:
                            break
                        markers = rng.choices(
                            ["", "A", "Z", "AZ", "F", "P", "G"], [70, 12, 8, 3, 2, 1, 4]
                        )[0]
                        dob = ""
                        if rng.random() < 0.01:
                            dob = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2027"
                        forename = rng.choice(FORENAMES)
                        if rng.random() < 0.4:
                            forename += " " + rng.choice(FORENAMES)
                        writer.writerow(
                            [
                                code,
                                number,
                                0,
                                markers,
                                dob,
                                surname,
                                forename,
                                postcode,
                                f"{house} {street}",
                                ward if ward != "Calder Vale" else "Calder",
                                "Northbridge",
                                "",
                                "",
                                "",
                            ]
                        )
                    if number >= per_district:
                        break
    return out.getvalue().encode("utf-8")


def _demo_members_csv(constituency, rng) -> bytes:
    import csv
    import io

    from members.models import Elector

    electors = list(
        Elector.objects.filter(constituency=constituency, on_register=True)
        .select_related("property")
        .order_by("id")
    )
    chosen = rng.sample(electors, 420)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "Membership Number",
            "First Name",
            "Last Name",
            "Email",
            "Mobile",
            "Status",
            "Branch",
            "Joined",
            "Address1",
            "Address2",
            "Postcode",
            "Email Consent",
            "Phone Consent",
        ]
    )
    for index, elector in enumerate(chosen):
        first = elector.forenames.split(" ")[0]
        if index % 25 == 0:
            first = first[0]  # only an initial: these go to the review queue
        ward = elector.polling_district.ward.name if index % 3 == 0 else ""
        branch = (
            "Northbridge Central branch"
            if ward in ("Castle", "Riverside")
            else "Calder Vale and Millfield branch"
        )
        status = rng.choices(["Active", "Lapsed", "Arrears", "Resigned"], [80, 12, 6, 2])[0]
        writer.writerow(
            [
                f"L{100000 + index}",
                first,
                elector.surname,
                f"{first.lower()}.{elector.surname.lower().replace(chr(39), '')}{index}"
                "@example.org",
                f"07700 900{index:03d}",
                status,
                branch,
                f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2015, 2025)}",
                elector.property.address_lines[0],
                "Northbridge",
                elector.property.postcode,
                rng.choice(["yes", "yes", "yes", "no", ""]),
                rng.choice(["yes", "", ""]),
            ]
        )
    for extra in range(20):  # members who are not on this register (moved away, not yet on)
        writer.writerow(
            [
                f"L2{extra:05d}",
                rng.choice(FORENAMES),
                rng.choice(SURNAMES),
                f"new{extra}@example.org",
                "",
                "Active",
                "",
                "01/09/2025",
                f"{extra + 1} Elsewhere Way",
                "Leeds",
                "LS1 4AB",
                "yes",
                "",
            ]
        )
    return out.getvalue().encode("utf-8")


def seed_register_and_members(ctx: DemoContext) -> None:
    import datetime
    import random

    from members.models import Elector, Segment, Tag
    from members.services.member_imports import members_import
    from members.services.register_imports import register_import
    from members.services.segments import segment_save

    constituency = ctx.shared.get("constituency") or Constituency.objects.get(name=CONSTITUENCY)
    if Elector.objects.filter(constituency=constituency).exists():
        return
    report = register_import(
        actor=None,
        constituency=constituency,
        data=demo_register_csv(WARDS, DEMO_ELECTORS),
        filename="demo-register.csv",
        published_on=datetime.date(2025, 12, 1),
    )
    rng = random.Random(5)
    members = members_import(
        actor=None,
        constituency=constituency,
        data=_demo_members_csv(constituency, rng),
        filename="demo-members.csv",
    )
    volunteer, _ = Tag.objects.get_or_create(name="Volunteer")
    poster, _ = Tag.objects.get_or_create(name="Poster site")
    people = list(
        Elector.objects.filter(constituency=constituency).values_list("person_id", flat=True)[
            :4000:40
        ]
    )
    volunteer.people.add(*people[: len(people) // 2])
    poster.people.add(*people[len(people) // 2 :])
    segments = {
        "Postal voters": {"markers": "A", "on_register": True},
        "Members who agreed to email": {"membership": ["member"], "consent": "email"},
        "Castle ward electors": {
            "wards": [ctx.shared["wards"]["Castle"].pk] if "wards" in ctx.shared else [],
            "on_register": True,
        },
        "Volunteers": {"tags": [volunteer.pk]},
    }
    for name, filters in segments.items():
        if not Segment.objects.filter(constituency=constituency, name=name).exists():
            segment_save(
                actor=None, constituency=constituency, name=name, description="", filters=filters
            )
    ctx.say(
        f"Imported a fictional register of {report['rows']} electors in "
        f"{report['properties_created']} households, {members['members_created']} members "
        f"({members['linked']} linked to the register, {members['review']} to review) and "
        f"{len(segments)} segments."
    )


DEMO_STEPS = [
    DemoStep(10, "geography", seed_geography),
    DemoStep(30, "register and members", seed_register_and_members),
]
