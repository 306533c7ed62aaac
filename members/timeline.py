"""One contact history per person, newest first, gathered from every app.

Apps register a provider at start-up (in their AppConfig.ready or a module it imports):

    from members.timeline import TimelineEvent, register_provider

    def canvass_events(person) -> list[TimelineEvent]: ...
    register_provider("canvassing", canvass_events)

A provider returns the events it holds about `person`; members shows them on the person page.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class TimelineEvent:
    when: datetime.datetime
    kind: str  # short code, e.g. "register", "membership", "doorstep", "call"
    title: str
    detail: str = ""
    source: str = ""


_providers: dict[str, Callable] = {}


def register_provider(name: str, provider: Callable) -> None:
    _providers[name] = provider


def providers() -> dict[str, Callable]:
    return dict(_providers)


def _aware(value) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time()))


def events_for(person, *, limit: int = 200) -> list[TimelineEvent]:
    events = []
    for name, provider in _providers.items():
        for event in provider(person):
            events.append(
                event if event.source else TimelineEvent(**{**event.__dict__, "source": name})
            )
    events.sort(key=lambda e: _aware(e.when), reverse=True)
    return events[:limit]


def _members_events(person) -> list[TimelineEvent]:
    from members.models import ContactEmail, ContactPhone, Elector, Membership

    events = []
    for entry in Elector.objects.filter(person=person).select_related(
        "polling_district", "edition"
    ):
        events.append(
            TimelineEvent(
                entry.created_at,
                "register",
                f"On the register as {entry.elector_number}",
                str(entry.edition),
            )
        )
        if entry.left_register_on:
            events.append(
                TimelineEvent(
                    entry.left_register_on,
                    "register",
                    f"Left the register ({entry.elector_number})",
                )
            )
    membership = Membership.objects.filter(person=person).first()
    if membership:
        if membership.joined_on:
            events.append(TimelineEvent(membership.joined_on, "membership", "Joined the party"))
        if membership.lapsed_on:
            events.append(
                TimelineEvent(membership.lapsed_on, "membership", membership.get_status_display())
            )
    for contact in [
        *ContactEmail.objects.filter(person=person),
        *ContactPhone.objects.filter(person=person),
    ]:
        if contact.consent_recorded_at:
            events.append(
                TimelineEvent(
                    contact.consent_recorded_at,
                    "consent",
                    f"Consent for {contact}: {contact.get_consent_display()}",
                    contact.source,
                )
            )
    return events


register_provider("members", _members_events)
