"""Test data for polling day: an election on today's date over Castle ward and one Riverside
district, its stations, and electors with promises, built from the shared models only."""

import datetime
import uuid
from dataclasses import dataclass, field

from django.utils import timezone

from members.models import (
    Channel,
    Contact,
    Election,
    Elector,
    Intention,
    Outcome,
    Person,
    PollingDistrict,
    PollingStation,
    Property,
    RegisterEdition,
    Street,
)
from members.services.contacts import summaries_refresh

# Station name → the districts that vote there.
STATIONS = {"Castle School": ["CA", "CB"], "St Mary's Hall": ["CC"], "Riverside Library": ["RA"]}


@dataclass
class PollingDayWorld:
    election: Election
    stations: dict[str, PollingStation]
    districts: dict[str, PollingDistrict]
    electors: list[Elector] = field(default_factory=list)


def election_today(geography, *, name="General election", polls_on=None) -> PollingDayWorld:
    constituency = geography["constituency"]
    districts = {pd.code: pd for pd in PollingDistrict.objects.filter(constituency=constituency)}
    stations = {}
    for station_name, codes in STATIONS.items():
        station, _ = PollingStation.objects.get_or_create(
            constituency=constituency, name=station_name, defaults={"code": station_name[:3]}
        )
        stations[station_name] = station
        PollingDistrict.objects.filter(constituency=constituency, code__in=codes).update(
            polling_station=station
        )
    for pd in districts.values():
        pd.refresh_from_db()
    election = Election.objects.create(
        constituency=constituency,
        name=name,
        kind=Election.Kind.PARLIAMENTARY,
        polls_on=polls_on or timezone.localdate(),
    )
    election.polling_districts.set([districts[c] for codes in STATIONS.values() for c in codes])
    return PollingDayWorld(election=election, stations=stations, districts=districts)


def _edition(constituency):
    edition, _ = RegisterEdition.objects.get_or_create(
        constituency=constituency,
        label="Test register",
        defaults={"published_on": datetime.date(2026, 12, 1)},
    )
    return edition


def add_electors(
    district: PollingDistrict,
    count: int,
    *,
    street_name: str = "High Street",
    first_number: int = 1,
    intention: str = "",
    strength: int | None = None,
    postal: bool = False,
) -> list[Elector]:
    """`count` electors numbered from `first_number`, one per house along one street, each
    with a person and (if `intention`) an accepted doorstep contact saying so."""
    constituency = district.constituency
    street, _ = Street.objects.get_or_create(
        constituency=constituency, name=street_name, town="Northbridge"
    )
    edition = _edition(constituency)
    electors = []
    for i in range(count):
        number = first_number + i
        prop = Property.objects.create(
            constituency=constituency,
            polling_district=district,
            street=street,
            address_key=uuid.uuid4().hex,
            address_lines=[f"{number} {street_name}"],
            postcode="NB1 1AA",
            house_number=number,
        )
        person = Person.objects.create(
            constituency=constituency,
            first_name=f"Voter{number}",
            last_name=f"{street_name.split()[0]}son",
            property=prop,
            polling_district=district,
        )
        electors.append(
            Elector.objects.create(
                constituency=constituency,
                polling_district=district,
                number=number,
                edition=edition,
                person=person,
                property=prop,
                surname=person.last_name,
                forenames=person.first_name,
                is_postal_voter=postal,
            )
        )
    if intention:
        now = timezone.now()
        Contact.objects.bulk_create(
            Contact(
                person_id=e.person_id,
                contacted_at=now - datetime.timedelta(days=3),
                channel=Channel.DOORSTEP,
                outcome=Outcome.SPOKE,
                intention=intention,
                strength=strength,
                source="test.promise",
                source_id=str(uuid.uuid4()),
            )
            for e in electors
        )
        summaries_refresh([e.person_id for e in electors])
    return electors


LABOUR = Intention.LABOUR
