"""Consent before contact (Invariant 5): the one place that decides who may be emailed, texted
or called. Every sender (mailings, SMS, phone banks, ad audiences) asks here.

- Email and SMS need recorded consent for that address or number.
- Calls skip people marked do-not-phone, numbers whose consent was refused or withdrawn, and
  numbers on the Telephone Preference Service unless consent is recorded for that number. A
  number is on the TPS when it is flagged (ContactPhone.tps_registered) or on the TPS list in
  force (TpsNumber, replaced whole by each import).
- A number someone answering said is not the person's (wrong_number_reported_at) is never
  called or texted again, whatever its consent.
- Nobody erased, merged into another record, marked do-not-contact or known to have died is
  contacted at all. The per-channel do-not-contact flags an organiser sets on the person page
  (email, phone, text) are read here too.
"""

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from members.models import ConsentState, ContactEmail, ContactPhone, Person, TpsNumber

NO_CALL = (ConsentState.REFUSED, ConsentState.WITHDRAWN)
# The person's do-not-contact flags by channel, as the person page and segments name them.
DO_NOT_CONTACT_FLAGS = {
    "all": "do_not_contact",
    "email": "do_not_email",
    "phone": "do_not_phone",
    "text": "do_not_text",
    "post": "do_not_post",
    "door": "do_not_canvass",
}


def _reachable(person: Person) -> bool:
    return not (
        person.do_not_contact or person.deceased or person.erased_at or person.merged_into_id
    )


def may_email(person: Person, email: ContactEmail) -> bool:
    return (
        _reachable(person)
        and not person.do_not_email
        and email.person_id == person.pk
        and email.consent == ConsentState.GRANTED
    )


def may_text(person: Person, phone: ContactPhone) -> bool:
    return (
        _reachable(person)
        and not person.do_not_text
        and phone.person_id == person.pk
        and phone.kind != ContactPhone.Kind.LANDLINE
        and phone.consent == ConsentState.GRANTED
        and phone.wrong_number_reported_at is None
    )


def on_tps(phone: ContactPhone) -> bool:
    """Flagged as on the TPS, or on the TPS list in force."""
    return phone.tps_registered or TpsNumber.objects.filter(number=phone.number).exists()


def may_call(person: Person, phone: ContactPhone) -> bool:
    if not _reachable(person) or person.do_not_phone or phone.person_id != person.pk:
        return False
    if phone.consent in NO_CALL or phone.wrong_number_reported_at is not None:
        return False
    if not phone.number.startswith("+"):
        return False  # not normalised (members/phones.py): never dialled
    return phone.consent == ConsentState.GRANTED or not on_tps(phone)


def _consented_and_reachable(channel_flag: str) -> dict:
    """Lookups for a contact detail with consent whose person is current and not opted out."""
    return {
        "consent": ConsentState.GRANTED,
        "person__do_not_contact": False,
        "person__deceased": False,
        f"person__{channel_flag}": False,
        "person__erased_at__isnull": True,
        "person__merged_into__isnull": True,
    }


def emailable_addresses() -> QuerySet:
    """Every email address that may be used, with its person (for bulk senders)."""
    return ContactEmail.objects.filter(**_consented_and_reachable("do_not_email"))


def textable_numbers() -> QuerySet:
    return ContactPhone.objects.filter(
        **_consented_and_reachable("do_not_text"), wrong_number_reported_at__isnull=True
    ).exclude(kind=ContactPhone.Kind.LANDLINE)


def _not_on_tps() -> Q:
    # TpsNumber.number is the primary key: one index probe per number (or an anti-join).
    return Q(tps_registered=False) & ~Exists(TpsNumber.objects.filter(number=OuterRef("number")))


def _numbers_not_refused() -> QuerySet:
    return ContactPhone.objects.exclude(consent__in=NO_CALL)


def _numbers_not_refused_or_wrong() -> QuerySet:
    return _numbers_not_refused().filter(wrong_number_reported_at__isnull=True)


def _numbers_dialable() -> QuerySet:
    """Stored in E.164 (members/phones.py normalises every number it is given); a number kept
    as typed before that, which could not be read, is never dialled."""
    return _numbers_not_refused_or_wrong().filter(number__startswith="+")


def _numbers_callable() -> QuerySet:
    """The number-level rules only (the person's flags are checked separately)."""
    return _numbers_dialable().filter(Q(consent=ConsentState.GRANTED) | _not_on_tps())


def callable_numbers() -> QuerySet:
    """Every number that may be called, for bulk callers: usable in
    `Exists(callable_numbers().filter(person=OuterRef("pk")))`."""
    return _numbers_callable().filter(
        person__do_not_contact=False,
        person__deceased=False,
        person__do_not_phone=False,
        person__erased_at__isnull=True,
        person__merged_into__isnull=True,
    )


# Why a person cannot be called, in the order they are tested: a person counts under the first
# rule that, together with the rules before it, leaves them no number to call (someone with
# one refused number and one wrong number counts as "wrong number").
CALL_SKIP_REASONS = (
    "no phone number",
    "do not contact",
    "do not phone",
    "deceased",
    "erased or merged",
    "number refused/withdrawn",
    "wrong number",
    "number we cannot read",
    "on the TPS without consent",
)


def call_skip_reasons(people_qs: QuerySet) -> dict[str, int]:
    """For `people_qs`, how many cannot be called for each of CALL_SKIP_REASONS (every reason
    is a key, zeros included), and under "callable_count" how many can. One query: a CASE
    tests the rules in order, so each person's numbers are looked up at most once a rule."""

    def lacks(numbers: QuerySet) -> Q:
        return ~Q(Exists(numbers.filter(person=OuterRef("pk"))))

    rules = [
        lacks(ContactPhone.objects.all()),
        Q(do_not_contact=True),
        Q(do_not_phone=True),
        Q(deceased=True),
        Q(erased_at__isnull=False) | Q(merged_into__isnull=False),
        lacks(_numbers_not_refused()),
        lacks(_numbers_not_refused_or_wrong()),
        lacks(_numbers_dialable()),
        lacks(_numbers_callable()),
    ]
    reason = Case(
        *(When(rule, then=Value(index)) for index, rule in enumerate(rules)),
        default=Value(len(rules)),
        output_field=IntegerField(),
    )
    counts = dict(
        people_qs.order_by()
        .annotate(skip_reason=reason)
        .values_list("skip_reason")
        .annotate(people=Count("pk"))
    )
    names = [*CALL_SKIP_REASONS, "callable_count"]
    return {name: counts.get(index, 0) for index, name in enumerate(names)}


def callable_count(people_qs: QuerySet) -> int:
    """How many of `people_qs` have at least one number that may be called."""
    return people_with_consent(people_qs, "phone").count()


def people_with_consent(people: QuerySet, channel: str) -> QuerySet:
    """Filter `people` to those reachable on `channel` ("email", "sms" or "phone")."""
    numbers = {
        "email": emailable_addresses,
        "sms": textable_numbers,
        "phone": callable_numbers,
    }[channel]()
    return people.filter(Exists(numbers.filter(person=OuterRef("pk"))))
