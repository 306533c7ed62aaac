"""Turning a segment's saved filters into the people it selects. Every tool builds on this:
canvass targets, call lists, audiences, mailings and reports."""

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from members import consent
from members.models import (
    AbsentVoter,
    Answer,
    Contact,
    ContactSummary,
    Election,
    Elector,
    Intention,
    Membership,
    Outcome,
    Person,
    PollingDistrict,
    Review,
    Segment,
    VoteMethod,
    VoteRecord,
    Ward,
)

# Who counts as a member for "member: yes" (in arrears still a member) and "lapsed".
MEMBER_STATUSES = [Membership.Status.MEMBER, Membership.Status.ARREARS]


def apply_segment_filters(people: QuerySet, filters: dict) -> QuerySet:
    """Narrow `people` by a segment's filters (area, membership, tags, markers, consent...)."""
    if filters.get("wards"):
        people = people.in_polling_districts(
            list(
                PollingDistrict.objects.filter(ward__in=filters["wards"]).values_list(
                    "pk", flat=True
                )
            )
        )
    if filters.get("polling_districts"):
        people = people.in_polling_districts(filters["polling_districts"])
    if filters.get("membership"):
        people = people.members(filters["membership"])
    if filters.get("tags"):
        people = people.tagged(filters["tags"])
    # Register entries as one EXISTS, not a join: no DISTINCT over everyone in the area, and
    # with markers, a small set of entries that Postgres can start from.
    if filters.get("on_register") or filters.get("markers"):
        entries = Elector.objects.filter(person=OuterRef("pk"), on_register=True)
        for letter in filters.get("markers") or "":
            entries = entries.filter(markers__contains=letter)
        people = people.filter(Exists(entries))
    if filters.get("has_email"):
        people = people.with_email()
    if filters.get("has_phone"):
        people = people.with_phone()
    # Marked not to be contacted on these channels ("phone", "door" …): e.g. everyone to take
    # off a call list someone else keeps.
    for channel in filters.get("do_not") or []:
        people = people.filter(**{consent.DO_NOT_CONTACT_FLAGS[channel]: True})
    if filters.get("consent"):
        people = consent.people_with_consent(people, filters["consent"])
    if filters.get("member") in ("yes", "no"):
        members = Q(membership__status__in=MEMBER_STATUSES)
        people = people.filter(members) if filters["member"] == "yes" else people.exclude(members)
    if filters.get("postal_voter") in ("yes", "no"):
        postal = Exists(
            Elector.objects.filter(person=OuterRef("pk"), on_register=True, is_postal_voter=True)
        )
        people = people.filter(postal if filters["postal_voter"] == "yes" else ~postal)
    return apply_contact_filters(apply_vote_history_filters(people, filters), filters)


def _election_id(value) -> int | None:
    try:
        return int(value) if value not in ("", None) else None
    except (TypeError, ValueError):
        return None


def marked_register_districts(election_id: int) -> list[int]:
    """The election's polling districts whose marked register has been imported: those where
    anyone has a vote record (councils often send one file a district)."""
    recorded = VoteRecord.objects.filter(election=election_id, polling_district=OuterRef("pk"))
    return list(
        PollingDistrict.objects.filter(elections=election_id)
        .filter(Exists(recorded))
        .values_list("pk", flat=True)
    )


def apply_vote_history_filters(people: QuerySet, filters: dict) -> QuerySet:
    """Narrow `people` by vote history (election ids), each one EXISTS over the indexed tables:

    - voted_in: the marked register shows they voted in that election;
    - did_not_vote_in: on the register in a district of that election whose marked register
      was imported, and not marked as having voted;
    - postal_not_returned: postal voters of that election whose ballot has not come back: after
      the day, as the marked register says (not marked), before it, as the postal returns say.
    """

    def voted(election, person):
        return Exists(VoteRecord.objects.filter(election=election, person=person, voted=True))

    if election := _election_id(filters.get("voted_in")):
        people = people.filter(voted(election, OuterRef("pk")))
    if election := _election_id(filters.get("did_not_vote_in")):
        entries = Elector.objects.filter(
            person=OuterRef("pk"),
            on_register=True,
            polling_district__in=marked_register_districts(election),
        ).exclude(voted(election, OuterRef("person")))
        people = people.filter(Exists(entries))
    if election := _election_id(filters.get("postal_not_returned")):
        not_marked = Exists(
            VoteRecord.objects.filter(election=election, person=OuterRef("person"), voted=False)
        )
        postal = AbsentVoter.objects.filter(
            election=election, person=OuterRef("pk"), method=VoteMethod.POSTAL
        ).filter(
            Q(not_marked) | (Q(returned_on__isnull=True) & ~voted(election, OuterRef("person")))
        )
        people = people.filter(Exists(postal))
    return people


def describe_filters(filters: dict) -> list[str]:
    """A segment's filters in words, one line each, for the segment's page."""
    words = []
    wards = filters.get("wards") or []
    if wards:
        names = Ward.objects.filter(pk__in=wards).order_by("name").values_list("name", flat=True)
        words.append("Living in " + ", ".join(names) + (" ward" if len(names) == 1 else " wards"))
    if districts := filters.get("polling_districts"):
        codes = PollingDistrict.objects.filter(pk__in=districts).order_by("code")
        words.append("In polling districts " + ", ".join(codes.values_list("code", flat=True)))
    if filters.get("on_register"):
        words.append("On the register now")
    if markers := filters.get("markers"):
        words.append(f"With register markers {markers}")
    if filters.get("postal_voter") in ("yes", "no"):
        words.append("Postal voters" if filters["postal_voter"] == "yes" else "Not postal voters")
    if filters.get("member") in ("yes", "no"):
        words.append("Party members" if filters["member"] == "yes" else "Not party members")
    if intentions := filters.get("intentions"):
        labels = dict(Intention.choices)
        words.append("Latest voting intention: " + ", ".join(labels.get(i, i) for i in intentions))
    if filters.get("contacted_since"):
        words.append(f"Spoken to since {filters['contacted_since']}")
    if filters.get("not_contacted_since"):
        words.append(f"Not spoken to since {filters['not_contacted_since']}")
    if filters.get("never_contacted"):
        words.append("Never contacted")
    if filters.get("has_email"):
        words.append("Have an email address")
    if filters.get("has_phone"):
        words.append("Have a phone number")
    ids = [
        _election_id(filters.get(key))
        for key in ("voted_in", "did_not_vote_in", "postal_not_returned")
    ]
    names = dict(Election.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "name"))
    for election, text in zip(
        ids,
        (
            "Voted in {}",
            "Did not vote in {} (on the register, not marked as having voted)",
            "Postal voters in {} whose ballot has not come back",
        ),
        strict=True,
    ):
        if election:
            words.append(text.format(names.get(election, "an election that was deleted")))
    return words


def _day_start(value) -> datetime.datetime:
    day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _strength(value) -> int | None:
    try:
        return int(value) if value not in ("", None) else None
    except (TypeError, ValueError):
        return None


def apply_contact_filters(people: QuerySet, filters: dict, person: str = "pk") -> QuerySet:
    """Narrow `people` (or any rows whose field `person` is a person, e.g. electors with
    person="person") by what their accepted contacts and answers say, whoever recorded them:

    - intentions (codes), min_strength, max_strength: their latest intention;
    - contacted_since / not_contacted_since (ISO dates), never_contacted: contacts from that
      day on, narrowed by contact_channels (channel codes) and contact_outcome ("reached",
      the default: we spoke to them; "any": any attempt, a door knocked or a call unanswered);
    - answers: [{"question": id, "value": v}]: their latest answer to the question includes v.
    """
    intentions = [code for code in filters.get("intentions") or [] if code]
    least, most = _strength(filters.get("min_strength")), _strength(filters.get("max_strength"))
    if intentions or least or most:
        summaries = ContactSummary.objects.exclude(intention="")
        if intentions:
            summaries = summaries.filter(intention__in=intentions)
        if least:
            summaries = summaries.filter(strength__gte=least)
        if most:
            summaries = summaries.filter(strength__lte=most)
        people = people.filter(**{f"{person}__in": summaries.values("person_id")})

    contacted, not_contacted = filters.get("contacted_since"), filters.get("not_contacted_since")
    never = filters.get("never_contacted")
    if (contacted or not_contacted or never) and not filters.get("contact_channels"):
        # On any channel, the person's summary has the answer in one joined row: their last
        # contact, or last successful one (no pass over every contact, as below).
        reached = filters.get("contact_outcome", "reached") != "any"
        last = ("person__" if person != "pk" else "") + (
            "contact_summary__spoke_at" if reached else "contact_summary__contacted_at"
        )
        if contacted:
            people = people.filter(**{f"{last}__gte": _day_start(contacted)})
        if not_contacted:
            start = _day_start(not_contacted)
            people = people.filter(Q(**{f"{last}__lt": start}) | Q(**{f"{last}__isnull": True}))
        if never:
            people = people.filter(**{f"{last}__isnull": True})
    elif contacted or not_contacted or never:
        contacts = _counting_contacts(filters)
        if contacted:
            since = contacts.filter(contacted_at__gte=_day_start(contacted))
            people = people.filter(**{f"{person}__in": since.values("person_id")})
        if not_contacted:
            since = contacts.filter(contacted_at__gte=_day_start(not_contacted))
            people = people.exclude(**{f"{person}__in": since.values("person_id")})
        if never:
            people = people.exclude(**{f"{person}__in": contacts.values("person_id")})

    for wanted in filters.get("answers") or []:
        people = people.filter(**{f"{person}__in": _latest_answers(wanted).values("person_id")})
    return people


def _counting_contacts(filters: dict) -> QuerySet:
    contacts = Contact.objects.filter(review_status=Review.ACCEPTED)
    if channels := filters.get("contact_channels"):
        contacts = contacts.filter(channel__in=channels)
    if filters.get("contact_outcome", "reached") != "any":
        contacts = contacts.filter(outcome=Outcome.SPOKE)
    return contacts


def _latest_answers(wanted: dict) -> QuerySet:
    """Each person's latest accepted answer to the question, where it includes the value (one
    of the lines of a multiple-choice answer)."""
    answers = Answer.objects.filter(question=wanted["question"], review_status=Review.ACCEPTED)
    later = answers.filter(person=OuterRef("person"), answered_at__gt=OuterRef("answered_at"))
    value = str(wanted["value"])
    includes = (
        Q(value=value)
        | Q(value__startswith=value + "\n")
        | Q(value__endswith="\n" + value)
        | Q(value__contains="\n" + value + "\n")
    )
    return answers.exclude(Exists(later)).filter(includes)


def segment_queryset(segment: Segment) -> QuerySet:
    """Everyone alive in the segment's constituency that its filters select. Callers scope it
    further by the user's areas (canvass targets do, through the electors they start from)."""
    people = Person.objects.current().living().filter(constituency=segment.constituency_id)
    return apply_segment_filters(people, segment.filters)
