import datetime
import itertools

import pytest

from clp.roles import RoleCode

# A Tuesday morning in December: inside every default calling window (UK time = UTC in winter).
TUESDAY_11AM = datetime.datetime(2026, 12, 8, 11, 0, tzinfo=datetime.UTC)
_numbers = itertools.count(900000)


def add_person(constituency, district, *, first="Pat", last="Caller", phone=True, **fields):
    """A person at home in `district`, with one mobile number we may call unless told."""
    from members.models import ContactPhone, Person

    person = Person.objects.create(
        constituency=constituency,
        first_name=first,
        last_name=last,
        polling_district=district,
        **fields,
    )
    if phone:
        ContactPhone.objects.create(
            person=person,
            number=f"+447700{next(_numbers):06d}"[:13],
            kind=ContactPhone.Kind.MOBILE,
            **(phone if isinstance(phone, dict) else {}),
        )
    return person


@pytest.fixture
def districts(geography):
    from members.models import PollingDistrict

    return list(
        PollingDistrict.objects.filter(constituency=geography["constituency"]).order_by("code")
    )


@pytest.fixture
def make_campaign(users, geography):
    """A phone bank over the given wards (or the whole CLP), started and with its queue built."""
    from phonebank.services.campaigns import (
        campaign_create,
        campaign_status_set,
        default_settings,
    )
    from phonebank.services.queue import queue_build

    organiser = users[RoleCode.ORGANISER]

    def make(name="Winter calls", *, start=True, build=True, **values):
        settings = default_settings(name=name, wards=list(geography["wards"].values()))
        settings.update(values)
        campaign = campaign_create(
            actor=organiser, constituency=geography["constituency"], values=settings
        )
        if build:
            queue_build(actor=organiser, campaign=campaign)
        if start:
            campaign_status_set(actor=organiser, campaign=campaign, status="active")
        return campaign

    return make
