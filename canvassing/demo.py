"""Demo canvassing: a campaign in Castle ward with walk lists handed to the demo canvasser, and
a few hundred results from an earlier canvass so previous intentions show on the doorstep.

Uses whatever electors Castle ward already has (members' demo step makes the register); makes
a small street of its own only when there are none. Idempotent: nothing changes on a re-run.
"""

import datetime
import random
import uuid

from django.utils import timezone

from clp.demo import DemoContext, DemoStep, demo_email

CAMPAIGN = "Spring 2027 locals — Castle"
EARLIER = "Autumn 2026 doorstep survey — Castle"
_NAMESPACE = uuid.UUID("6f1d7c1e-94a4-4f3c-8d53-0c3f0f1f2a40")

FORENAMES = [
    "Amira",
    "Ben",
    "Chloe",
    "Dev",
    "Ewan",
    "Fatima",
    "Grace",
    "Harry",
    "Isla",
    "Jack",
    "Kiran",
    "Leah",
    "Mo",
    "Nia",
    "Owen",
    "Priya",
    "Rhys",
    "Sophie",
    "Tariq",
    "Zoe",
]
SURNAMES = [
    "Ahmed",
    "Brown",
    "Clarke",
    "Davies",
    "Evans",
    "Hughes",
    "Khan",
    "Lewis",
    "Morgan",
    "Patel",
    "Roberts",
    "Smith",
    "Taylor",
    "Walker",
    "Wilson",
    "Wright",
]
STREETS = ["Castle Street", "Keep Lane", "Moat Road", "Tower Close"]


def _ensure_electors(constituency, districts, rng) -> None:
    from members.models import Elector, Person, Property, RegisterEdition, Street

    if Elector.objects.filter(polling_district__in=districts).exists():
        return
    edition, _ = RegisterEdition.objects.get_or_create(
        constituency=constituency,
        label="Demo register (canvassing)",
        defaults={"published_on": datetime.date(2026, 12, 1)},
    )
    number = {pd.pk: 0 for pd in districts}
    for index, street_name in enumerate(STREETS):
        pd = districts[index % len(districts)]
        street, _ = Street.objects.get_or_create(
            constituency=constituency, name=street_name, town="Northbridge"
        )
        for house in range(1, 61):
            prop = Property.objects.create(
                constituency=constituency,
                polling_district=pd,
                street=street,
                address_key=f"demo-canvass|{street_name}|{house}",
                address_lines=[f"{house} {street_name}", "Northbridge"],
                postcode=f"NB1 {index + 1}{chr(65 + house % 26)}{chr(65 + (house * 7) % 26)}",
                house_number=house,
            )
            surname = rng.choice(SURNAMES)
            for _ in range(rng.choice([1, 1, 2, 2, 2, 3])):
                number[pd.pk] += 1
                person = Person.objects.create(
                    constituency=constituency,
                    first_name=rng.choice(FORENAMES),
                    last_name=surname,
                    property=prop,
                    polling_district=pd,
                    date_of_birth=datetime.date(rng.randint(1940, 2006), rng.randint(1, 12), 1),
                )
                Elector.objects.create(
                    constituency=constituency,
                    polling_district=pd,
                    number=number[pd.pk],
                    edition=edition,
                    person=person,
                    property=prop,
                    surname=person.last_name,
                    forenames=person.first_name,
                    date_of_birth=person.date_of_birth,
                    is_postal_voter=rng.random() < 0.2,
                )


def seed_canvassing(ctx: DemoContext) -> None:
    from canvassing.contacts import results_record_contacts
    from canvassing.models import CanvassCampaign, CanvassResult, Intention, Outcome
    from canvassing.services.campaigns import campaign_create, question_add, target_create
    from canvassing.services.walk_lists import walk_list_checkout, walk_lists_cut
    from clp.models import User
    from members.models import Constituency, Elector, PollingDistrict

    constituency = ctx.shared.get("constituency") or Constituency.objects.first()
    if constituency is None or CanvassCampaign.objects.filter(name=CAMPAIGN).exists():
        return
    organiser = User.objects.filter(email=demo_email("organiser")).first()
    canvasser = User.objects.filter(email=demo_email("canvasser")).first()
    if organiser is None or canvasser is None:
        return
    rng = random.Random(2027)  # the same demo every time
    districts = list(
        PollingDistrict.objects.filter(constituency=constituency, ward__name="Castle").order_by(
            "code"
        )
    )
    _ensure_electors(constituency, districts, rng)

    # An earlier canvass, so the doorstep shows previous intentions.
    earlier = campaign_create(actor=organiser, constituency=constituency, name=EARLIER, script="")
    electors = list(
        Elector.objects.filter(polling_district__in=districts, on_register=True)
        .order_by("pk")
        .values_list("pk", "person_id")
    )
    sample = rng.sample(electors, min(len(electors) * 2 // 3, 300))
    weights = {
        Intention.LABOUR: 40,
        Intention.CONSERVATIVE: 18,
        Intention.LIB_DEM: 8,
        Intention.GREEN: 8,
        Intention.REFORM: 12,
        Intention.WONT_VOTE: 5,
        Intention.UNDECIDED: 9,
    }
    now = timezone.now()
    results = []
    for elector_id, person_id in sample:
        spoke = rng.random() < 0.6
        outcome = (
            Outcome.SPOKE
            if spoke
            else rng.choice([Outcome.NOT_IN, Outcome.NOT_IN, Outcome.REFUSED])
        )
        results.append(
            CanvassResult(
                id=uuid.uuid5(_NAMESPACE, f"earlier-{elector_id}"),
                campaign=earlier,
                elector_id=elector_id,
                person_id=person_id,
                recorded_by=canvasser,
                recorded_at=now
                - datetime.timedelta(days=rng.randint(20, 90), hours=rng.randint(0, 8)),
                outcome=outcome,
                intention=rng.choices(list(weights), list(weights.values()))[0] if spoke else "",
                strength=rng.randint(1, 5) if spoke else None,
            )
        )
    CanvassResult.objects.bulk_create(results, ignore_conflicts=True)
    results_record_contacts(results, actor=None)

    campaign = campaign_create(
        actor=organiser,
        constituency=constituency,
        name=CAMPAIGN,
        script=(
            "Hello, I'm {your name} from your local Labour Party. We're out talking to people "
            "about the council elections in May. Can I ask how you're thinking of voting?"
        ),
    )
    question_add(
        actor=organiser,
        campaign=campaign,
        text="What is the biggest issue round here?",
        kind="single",
        choices=["Potholes and roads", "Buses", "Housing", "Crime", "Cost of living"],
    )
    question_add(
        actor=organiser,
        campaign=campaign,
        text="Anything else to tell the councillor?",
        kind="text",
        choices=[],
    )
    target = target_create(
        actor=organiser,
        campaign=campaign,
        name="Castle: every door",
        filters={},
    )
    lists = []
    for pd in districts:
        lists += walk_lists_cut(actor=organiser, target=target, polling_district=pd, size=40)
    for walk_list in lists[:2]:
        walk_list_checkout(actor=organiser, walk_list=walk_list, holder=canvasser, hours=24 * 30)
    ctx.say(
        f"Canvassing: campaign “{CAMPAIGN}” with {len(lists)} walk lists "
        f"(2 handed to {canvasser.email}) and {len(results)} earlier results."
    )


DEMO_STEPS = [DemoStep(40, "canvassing", seed_canvassing)]
