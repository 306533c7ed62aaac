"""Chainable filters over electors and people, named like adjectives."""

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

ADDRESS_MATCH_LIMIT = 2000


def _search_terms(text: str) -> list[str]:
    return [t for t in text.replace(",", " ").split() if t][:5]


def _at_address_matching(term: str) -> Q:
    """Rows whose property's address contains `term`. The addresses are found first (trigram
    index), as a list of ids, so that the OR this goes into needs no join to every address; a
    term that matches very many addresses goes in as a subquery, which Postgres hashes once."""
    from members.models import Property

    at_address = Property.objects.filter(address_key__icontains=term.upper()).values("pk")
    addresses = [row["pk"] for row in at_address[: ADDRESS_MATCH_LIMIT + 1]]
    if len(addresses) > ADDRESS_MATCH_LIMIT:
        return Q(property_id__in=at_address)
    return Q(property_id__in=addresses)


class ElectorQuerySet(QuerySet):
    def on_register(self):
        return self.filter(on_register=True)

    def off_register(self):
        return self.filter(on_register=False)

    def knockable(self):
        """Whose door we may knock on, canvassing or knocking up: on the register, a current
        person (not erased, not merged into another), alive and not asking to be left alone
        (do not contact, do not canvass)."""
        return self.filter(
            on_register=True,
            person__is_current=True,
            person__do_not_canvass=False,
            person__do_not_contact=False,
            person__deceased=False,
        )

    def in_polling_districts(self, polling_districts):
        return self.filter(polling_district__in=polling_districts)

    def in_ward(self, ward):
        return self.filter(polling_district__ward=ward)

    def with_marker(self, letter: str):
        return self.filter(markers__contains=letter.upper())

    def matching(self, text: str):
        """Search by name, address or PD/number (e.g. "CA-12", "Smith", "Mill Lane").

        On Postgres the icontains lookups below use the trigram indexes (pg_trgm); elsewhere
        they are plain scans, fine for a laptop-sized trial.
        """
        from members.importers.records import parse_elector_number

        text = text.strip()
        if not text:
            return self
        number = parse_elector_number(text)
        if number is not None:
            pd_code, num, suffix = number
            found = Q(polling_district__code__iexact=pd_code, number=num)
            if suffix is not None:
                found &= Q(suffix=suffix)
            return self.filter(found)
        for term in _search_terms(text):
            self = self.filter(Q(search_name__icontains=term) | _at_address_matching(term))
        return self


class PersonQuerySet(QuerySet):
    def current(self):
        """Not erased and not merged into another record."""
        return self.filter(is_current=True)

    def living(self):
        """Not known to have died: everyone a target, list, call queue or mailing may reach.

        `Person.deceased` is the one flag every reader checks; `deceased_on` only says when it
        was reported (both are set together by people_reported_deceased and person_update)."""
        return self.filter(deceased=False)

    def in_polling_districts(self, polling_districts):
        """People whose home is in these districts (Person.polling_district)."""
        return self.filter(polling_district__in=polling_districts)

    def members(self, statuses=None):
        if statuses:
            return self.filter(membership__status__in=statuses)
        return self.filter(membership__isnull=False)

    def with_email(self):
        from members.models import ContactEmail

        return self.filter(Exists(ContactEmail.objects.filter(person=OuterRef("pk"))))

    def with_phone(self):
        from members.models import ContactPhone

        return self.filter(Exists(ContactPhone.objects.filter(person=OuterRef("pk"))))

    def tagged(self, tag_ids):
        return self.filter(tags__in=tag_ids).distinct()

    def matching(self, text: str):
        for term in _search_terms(text):
            self = self.filter(
                Q(last_name__icontains=term)
                | Q(first_name__icontains=term)
                | _at_address_matching(term)
            )
        return self


def is_postgres() -> bool:
    return connection.vendor == "postgresql"
