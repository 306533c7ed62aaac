"""Factories for electors, their households and canvassing records, for tests only."""

import datetime
import uuid

import factory
from django.utils import timezone

from canvassing.models import CanvassCampaign, CanvassResult, Target
from members.models import Elector, Person, PollingDistrict, Property, RegisterEdition, Street


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Street
        django_get_or_create = ("constituency", "name", "town")

    name = factory.Sequence(lambda n: f"Street {n}")
    town = "Northbridge"


def _edition(constituency):
    edition, _ = RegisterEdition.objects.get_or_create(
        constituency=constituency,
        label="Test register",
        defaults={"published_on": datetime.date(2026, 12, 1)},
    )
    return edition


class PropertyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Property

    polling_district = factory.LazyFunction(lambda: PollingDistrict.objects.get(code="CA"))
    constituency = factory.SelfAttribute("polling_district.constituency")
    street = factory.SubFactory(StreetFactory, constituency=factory.SelfAttribute("..constituency"))
    house_number = factory.Sequence(lambda n: n + 1)
    house_suffix = ""
    flat = ""
    address_lines = factory.LazyAttribute(
        lambda o: [
            *([o.flat] if o.flat else []),
            f"{o.house_number or ''}{o.house_suffix} {o.street.name}".strip(),
        ]
    )
    address_key = factory.LazyFunction(lambda: uuid.uuid4().hex)
    postcode = "NB1 1AA"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    constituency = factory.LazyFunction(lambda: PollingDistrict.objects.get(code="CA").constituency)
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")


class ElectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Elector

    property = factory.SubFactory(PropertyFactory)
    polling_district = factory.LazyAttribute(
        lambda o: (
            o.property.polling_district if o.property else PollingDistrict.objects.get(code="CA")
        )
    )
    constituency = factory.SelfAttribute("polling_district.constituency")
    edition = factory.LazyAttribute(lambda o: _edition(o.constituency))
    person = factory.SubFactory(
        PersonFactory,
        constituency=factory.SelfAttribute("..constituency"),
        property=factory.SelfAttribute("..property"),
        polling_district=factory.SelfAttribute("..polling_district"),  # their home district
    )
    number = factory.Sequence(lambda n: n + 1)
    surname = factory.SelfAttribute("person.last_name")
    forenames = factory.SelfAttribute("person.first_name")


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CanvassCampaign

    constituency = factory.LazyFunction(lambda: PollingDistrict.objects.get(code="CA").constituency)
    name = factory.Sequence(lambda n: f"Spring locals {n}")
    script = "Hello, I'm calling from your local Labour Party."


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    campaign = factory.SubFactory(CampaignFactory)
    name = "Everyone"
    filters = factory.LazyFunction(dict)


class ResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CanvassResult
        skip_postgeneration_save = True

    id = factory.LazyFunction(uuid.uuid4)
    campaign = factory.SubFactory(CampaignFactory)
    elector = factory.SubFactory(ElectorFactory)
    person = factory.SelfAttribute("elector.person")
    recorded_at = factory.LazyFunction(timezone.now)
    outcome = "S"

    @factory.post_generation
    def contact(result, create, extracted, **kwargs):
        """A result is a contact of its person, as when the doorstep app stores one."""
        if create:
            from canvassing.contacts import results_record_contacts

            results_record_contacts([result], actor=None)


def household(street, number, *, size=1, flat="", pd=None, **elector_fields):
    """A property on `street` with `size` electors."""
    prop = PropertyFactory(
        street=street,
        constituency=street.constituency,
        house_number=number,
        flat=flat,
        **({"polling_district": pd} if pd else {}),
    )
    return [ElectorFactory(property=prop, **elector_fields) for _ in range(size)]
