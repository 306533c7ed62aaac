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


DEMO_STEPS = [DemoStep(10, "geography", seed_geography)]
