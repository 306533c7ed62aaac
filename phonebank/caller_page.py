"""What the caller sees about the contact in hand: only that person, their household's first
names, what they said before, and the script. A fixed number of queries, whatever the size of
the household or the history."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from members.models import Answer, ContactSummary, Person, Review
from phonebank.models import QueueEntry

AGE_BANDS = [(18, "18–24"), (25, "25–34"), (35, "35–49"), (50, "50–64"), (65, "65+")]


def age_band(date_of_birth: datetime.date | None, today: datetime.date) -> str:
    if not date_of_birth:
        return ""
    age = (
        today.year
        - date_of_birth.year
        - ((today.month, today.day) < (date_of_birth.month, date_of_birth.day))
    )
    band = ""
    for start, label in AGE_BANDS:
        if age >= start:
            band = label
    return band or "under 18"


@dataclass
class ContactInHand:
    entry: QueueEntry
    person: Person
    number: str
    ward: str
    age_band: str
    summary: ContactSummary | None
    previous_answers: list
    household: list[str]
    steps: list


def contact_in_hand(entry: QueueEntry, campaign, *, steps=None) -> ContactInHand:
    person = (
        Person.objects.select_related("polling_district__ward", "contact_summary")
        .filter(pk=entry.person_id)
        .first()
    )
    household = []
    if person.property_id:
        household = list(
            Person.objects.current()
            .living()
            .filter(property=person.property_id)
            .exclude(pk=person.pk)
            .order_by("first_name")
            .values_list("first_name", flat=True)[:12]
        )
    answers = list(
        Answer.objects.filter(person=person, review_status=Review.ACCEPTED)
        .select_related("question")
        .order_by("-answered_at")[:10]
    )
    if steps is None:
        steps = list(campaign.steps.select_related("question").order_by("position"))
    try:
        summary = person.contact_summary
    except ContactSummary.DoesNotExist:
        summary = None
    district = person.polling_district
    return ContactInHand(
        entry=entry,
        person=person,
        number=entry.phone.number if entry.phone else "",
        ward=district.ward.name if district and district.ward_id else "",
        age_band=age_band(person.date_of_birth, timezone.localdate()),
        summary=summary,
        previous_answers=answers,
        household=[name or "(no first name)" for name in household],
        steps=steps,
    )
