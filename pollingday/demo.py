"""Demo polling day: an election on the day the demo is seeded over every demo district, a
polling station for each pair of districts (the demo has no council address file), two
committee rooms, the telling rota with some sign-ups, and an earlier election to compare
turnout with. The demo teller is down for a telling shift at the station of district CA.
Idempotent: nothing changes on a re-run."""

import datetime

from clp.demo import DemoContext, DemoStep, demo_email

ELECTION = "Northbridge by-election"
EARLIER = "Local elections 2026"
# Station → the districts that vote there (pairs inside each ward; a ward's third alone).
STATIONS = {
    "Castle School": ("CA", "CB", "Castle Street, Northbridge", "NB1 1AB"),
    "St Mary's Church Hall": ("CC", None, "Church Lane, Northbridge", "NB1 2CD"),
    "Riverside Library": ("RA", "RB", "Quay Road, Northbridge", "NB2 1EF"),
    "Riverside Scout Hut": ("RC", None, "Mill Lane, Northbridge", "NB2 3GH"),
    "Millfield Community Centre": ("MA", "MB", "Market Street, Millfield", "NB3 1JK"),
    "Millfield Methodist Church": ("MC", None, "Chapel Street, Millfield", "NB3 2LM"),
    "Calder Vale Village Hall": ("VA", "VB", "Brook Road, Calder Vale", "NB4 1NP"),
    "Calder Vale Primary School": ("VC", None, "School Lane, Calder Vale", "NB4 2QR"),
}
ROOMS = {
    "Castle Street committee room": ("12 Castle Street, Northbridge", ["Castle", "Riverside"]),
    "Millfield committee room": ("3 Market Street, Millfield", ["Millfield", "Calder Vale"]),
}


def seed_pollingday(ctx: DemoContext) -> None:
    from django.utils import timezone

    from clp.models import User
    from members.demo import CONSTITUENCY
    from members.models import Constituency, Election, PollingDistrict, PollingStation
    from pollingday.models import Shift
    from pollingday.services.setup import (
        committee_room_save,
        election_create,
        shift_save,
        shift_signup_create,
        telling_rota_make,
    )

    organiser = User.objects.filter(email=demo_email("organiser")).first()
    constituency = (
        ctx.shared.get("constituency") or Constituency.objects.filter(name=CONSTITUENCY).first()
    )
    if organiser is None or constituency is None:
        return
    if Election.objects.filter(constituency=constituency, name=ELECTION).exists():
        return
    districts = {d.code: d for d in PollingDistrict.objects.filter(constituency=constituency)}
    if not PollingStation.objects.filter(constituency=constituency).exists():
        for name, (first, second, address, postcode) in STATIONS.items():
            station = PollingStation.objects.create(
                constituency=constituency, name=name, address=address, postcode=postcode
            )
            PollingDistrict.objects.filter(
                constituency=constituency, code__in=[c for c in (first, second) if c]
            ).update(polling_station=station)
    values = {
        "kind": Election.Kind.LOCAL,
        "opens_at": datetime.time(7, 0),
        "closes_at": datetime.time(22, 0),
        "compare_with": None,
        "promise_min_strength": 4,
        "undecided_min_strength": None,
    }
    earlier = Election.objects.filter(constituency=constituency, name=EARLIER).first()
    if earlier is None:
        earlier = election_create(
            actor=organiser,
            constituency=constituency,
            values={**values, "name": EARLIER, "polls_on": datetime.date(2026, 5, 7)},
            districts=districts.values(),
        )
    election = election_create(
        actor=organiser,
        constituency=constituency,
        values={
            **values,
            "name": ELECTION,
            "kind": Election.Kind.BY_ELECTION,
            "polls_on": timezone.localdate(),
            "compare_with": earlier,
            "undecided_min_strength": 4,
        },
        districts=districts.values(),
    )
    rooms = []
    for name, (address, wards) in ROOMS.items():
        covered = [d for d in districts.values() if d.ward and d.ward.name in wards]
        rooms.append(
            committee_room_save(
                actor=organiser,
                election=election,
                room=None,
                name=name,
                address=address,
                phone="01632 960000",
                districts=covered,
                choosable=covered,
            )
        )
    stations = PollingStation.objects.filter(polling_districts__in=districts.values()).distinct()
    telling_rota_make(actor=organiser, election=election, stations=stations)
    for room in rooms:
        for kind, start, end, wanted in [
            (Shift.Kind.KNOCKER, 16, 22, 6),
            (Shift.Kind.DRIVER, 17, 21, 2),
            (Shift.Kind.ROOM, 7, 22, 2),
        ]:
            shift_save(
                actor=organiser,
                election=election,
                shift=None,
                kind=kind,
                committee_room=room,
                starts_at=election.on_polling_day(datetime.time(start)),
                ends_at=election.on_polling_day(datetime.time(end)),
                wanted=wanted,
            )
    ca_station = PollingDistrict.objects.get(pk=districts["CA"].pk).polling_station
    telling = Shift.objects.filter(
        election=election, kind=Shift.Kind.TELLER, polling_station=ca_station
    ).order_by("starts_at")
    volunteers = {
        role: User.objects.filter(email=demo_email(role)).first()
        for role in ("teller", "member", "canvasser", "caller")
    }
    plan = [
        ("teller", telling.first()),
        ("member", telling.first()),
        ("canvasser", Shift.objects.filter(election=election, kind=Shift.Kind.KNOCKER).first()),
        ("caller", telling.last()),
    ]
    # The organiser puts them on (the audit log's actor), as they would for people who rang in.
    for role, shift in plan:
        if volunteers[role] is not None and shift is not None:
            shift_signup_create(actor=organiser, shift=shift, user=volunteers[role])
    ctx.say(
        f"Polling day: “{ELECTION}” today over {len(districts)} districts, "
        f"{stations.count()} polling stations, {len(rooms)} committee rooms and the telling "
        "rota (the demo teller tells at Castle School from 07:00)."
    )


DEMO_STEPS = [DemoStep(50, "polling day", seed_pollingday)]
