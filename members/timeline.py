"""One contact history per person, newest first, gathered from every app.

An app provides its events by defining `person_events(person)` in `<app>/timeline.py` (found
the way the admin finds admin.py), or by calling `register_provider(name, function)`. A provider
returns TimelineEvent objects, or dicts with `at`, `kind`, `summary` and optionally `detail` /
`by`; members shows them, newest first, on the person page.
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


_discovered = False


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    from django.apps import apps
    from django.utils.module_loading import import_string

    for config in apps.get_app_configs():
        if config.name == "members" or config.name in _providers:
            continue
        try:
            _providers[config.name] = import_string(f"{config.name}.timeline.person_events")
        except ImportError:
            continue
    _discovered = True


def providers() -> dict[str, Callable]:
    _discover()
    return dict(_providers)


def _as_event(item, source: str) -> TimelineEvent:
    if isinstance(item, TimelineEvent):
        return item if item.source else TimelineEvent(**{**item.__dict__, "source": source})
    detail = item.get("detail") or (f"by {item['by']}" if item.get("by") else "")
    return TimelineEvent(item["at"], item.get("kind", source), item["summary"], detail, source)


def _aware(value) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time()))


def events_for(person, *, limit: int = 200) -> list[TimelineEvent]:
    events = []
    for name, provider in providers().items():
        events.extend(_as_event(item, name) for item in provider(person))
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
    # The person page has read it already: the instance keeps it.
    try:
        membership = person.membership
    except Membership.DoesNotExist:
        membership = None
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


def _contact_events(person, *, limit: int = 200) -> list[TimelineEvent]:
    """Every contact with the person from any tool, with the answers given in it; answers
    given outside any contact (e.g. imported) stand on their own. Two queries."""
    from members.models import Answer, Contact, Review

    contacts = list(
        Contact.objects.filter(person=person)
        .select_related("recorded_by")
        .order_by("-contacted_at", "-received_at")[:limit]
    )
    answers: dict = {}
    for answer in (
        Answer.objects.filter(person=person).select_related("question").order_by("pk")[:limit]
    ):
        answers.setdefault(answer.contact_id, []).append(answer)
    events = []
    for contact in contacts:
        said = [contact.get_outcome_display()] if contact.outcome else []
        if contact.intention:
            said.append(contact.get_intention_display())
        if contact.strength:
            said.append(f"strength {contact.strength}")
        detail = [contact.context] if contact.context else []
        detail += [f"{a.question.text} {', '.join(a.values)}" for a in answers.get(contact.pk, [])]
        if contact.recorded_by:
            detail.append(f"by {contact.recorded_by}")
        if contact.review_status != Review.ACCEPTED:
            detail.append(f"{contact.get_review_status_display().lower()}: does not count")
        events.append(
            TimelineEvent(
                contact.contacted_at,
                contact.channel,
                f"{contact.get_channel_display()}: {', '.join(said) or 'contact'}",
                " · ".join(detail),
            )
        )
    for answer in answers.get(None, []):
        events.append(
            TimelineEvent(
                answer.answered_at,
                answer.channel,
                f"Answered: {answer.question.text} {', '.join(answer.values)}",
                answer.get_channel_display(),
            )
        )
    return events


register_provider("members", _members_events)
register_provider("contacts", _contact_events)
