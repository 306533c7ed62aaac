"""Segments on vote history: voted in an election, did not vote in it, postal voters who did
not return their ballot; offered on the segment builder and described in words."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clp.roles import RoleCode
from members.models import (
    AbsentVoter,
    Election,
    Elector,
    Person,
    PollingDistrict,
    RegisterEdition,
    Segment,
    VoteMethod,
    VoteRecord,
)
from members.segments import describe_filters, segment_queryset
from members.services.segments import segment_save

pytestmark = pytest.mark.django_db


def _elector(constituency, district, number, *, on_register=True):
    edition, _ = RegisterEdition.objects.get_or_create(
        constituency=constituency,
        label="Test",
        defaults={"published_on": datetime.date(2026, 1, 1)},
    )
    person = Person.objects.create(
        constituency=constituency,
        first_name=f"{district.code}{number}",
        last_name="Voter",
        polling_district=district,
    )
    return Elector.objects.create(
        constituency=constituency,
        polling_district=district,
        number=number,
        edition=edition,
        person=person,
        surname="Voter",
        forenames=person.first_name,
        on_register=on_register,
    )


@pytest.fixture
def history(geography):
    """A general election over CA and CB (marked register imported for CA only) and a later
    by-election in CA before its day."""
    constituency = geography["constituency"]
    ca = PollingDistrict.objects.get(constituency=constituency, code="CA")
    cb = PollingDistrict.objects.get(constituency=constituency, code="CB")
    general = Election.objects.create(
        constituency=constituency,
        name="General election 2024",
        kind=Election.Kind.PARLIAMENTARY,
        polls_on=datetime.date(2024, 7, 4),
    )
    general.polling_districts.set([ca, cb])
    by = Election.objects.create(
        constituency=constituency,
        name="Castle by-election",
        kind=Election.Kind.BY_ELECTION,
        polls_on=datetime.date(2027, 2, 4),
    )
    by.polling_districts.set([ca])
    e = {n: _elector(constituency, ca, n) for n in range(1, 6)}
    e[6] = _elector(constituency, ca, 6, on_register=False)
    e["cb"] = _elector(constituency, cb, 1)

    def voted(elector, method, flag=True):
        VoteRecord.objects.create(
            election=general,
            person=elector.person,
            elector=elector,
            polling_district=elector.polling_district,
            method=method,
            voted=flag,
        )

    def absent(election, elector, method=VoteMethod.POSTAL, returned_on=None):
        AbsentVoter.objects.create(
            election=election,
            elector=elector,
            person=elector.person,
            method=method,
            returned_on=returned_on,
        )

    voted(e[1], VoteMethod.IN_PERSON)
    absent(general, e[2], returned_on=datetime.date(2024, 6, 30))
    voted(e[2], VoteMethod.POSTAL)
    absent(general, e[3])
    voted(e[3], VoteMethod.POSTAL, flag=False)  # a postal voter who did not return
    # e[4] did not vote; e[6] is off the register; CB's marked register is not imported.
    absent(general, e[5])  # the returns list missed them, the marked register did not
    voted(e[5], VoteMethod.POSTAL)
    absent(by, e[1])
    absent(by, e[2], returned_on=datetime.date(2027, 1, 20))
    absent(by, e[4], method=VoteMethod.PROXY)
    return {"general": general, "by": by, "e": e, "constituency": constituency}


def _people(history, **filters):
    segment = Segment(constituency=history["constituency"], name=str(uuid.uuid4()), filters=filters)
    return sorted(p.first_name for p in segment_queryset(segment))


def test_voted_in_selects_exactly_those_marked_as_having_voted(history):
    assert _people(history, voted_in=history["general"].pk) == ["CA1", "CA2", "CA5"]


def test_did_not_vote_in_selects_the_register_in_districts_whose_marked_register_is_in(history):
    # CA3 (a postal voter who did not return) and CA4; not CA6 (off the register) and not
    # CB1 (CB's marked register has not been imported, so nobody there is known not to vote).
    assert _people(history, did_not_vote_in=history["general"].pk) == ["CA3", "CA4"]


def test_postal_not_returned_after_the_day_and_before_it(history):
    # After the day the marked register decides: CA5's ballot was marked though the returns
    # missed it.
    assert _people(history, postal_not_returned=history["general"].pk) == ["CA3"]
    # Before the day the postal returns decide; the proxy voter is not a postal voter.
    assert _people(history, postal_not_returned=history["by"].pk) == ["CA1"]


def test_vote_history_filters_combine_with_the_others(history):
    assert _people(
        history, voted_in=history["general"].pk, postal_not_returned=history["by"].pk
    ) == ["CA1"]


def test_each_vote_history_filter_is_one_exists_with_no_distinct(history):
    segment = Segment(
        constituency=history["constituency"],
        name="x",
        filters={
            "voted_in": history["general"].pk,
            "did_not_vote_in": history["general"].pk,
            "postal_not_returned": history["general"].pk,
        },
    )
    with CaptureQueriesContext(connection) as queries:
        sql = str(segment_queryset(segment).query)
    assert "DISTINCT" not in sql.upper()
    # One EXISTS a filter, with what it tests of vote records inside it: 1 + 2 + 3.
    assert sql.upper().count("EXISTS") == 6
    assert len(queries) == 1  # the districts whose marked register is in, once


def test_segment_builder_offers_elections_and_saves_and_describes_the_filters(history, client_for):
    client = client_for(RoleCode.ORGANISER)
    form_page = client.get(reverse("members:segment_create"))
    form = form_page.context["form"]
    assert list(form.fields["voted_in"].queryset) == [history["by"], history["general"]]
    # Only elections whose marked register was imported can say who did not vote.
    assert list(form.fields["did_not_vote_in"].queryset) == [history["general"]]
    assert "Vote history" in form_page.content.decode()

    response = client.post(
        reverse("members:segment_create"),
        {
            "name": "Postal voters to chase",
            "postal_not_returned": history["by"].pk,
            "voted_in": history["general"].pk,
            "contact_outcome": "reached",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    segment = Segment.objects.get(name="Postal voters to chase")
    assert segment.filters == {
        "voted_in": history["general"].pk,
        "postal_not_returned": history["by"].pk,
    }
    detail = client.get(reverse("members:segment_detail", args=[segment.pk])).content.decode()
    assert "Voted in General election 2024" in detail
    assert "Postal voters in Castle by-election whose ballot has not come back" in detail
    assert "CA1" in detail


def test_did_not_vote_in_an_election_without_a_marked_register_is_refused(history, client_for):
    response = client_for(RoleCode.ORGANISER).post(
        reverse("members:segment_create"),
        {"name": "Non-voters", "did_not_vote_in": history["by"].pk, "contact_outcome": "reached"},
    )
    assert response.status_code == 400
    assert "Choose one of the elections listed" in response.content.decode()


def test_filters_in_words_name_the_election(history):
    assert describe_filters({"intentions": ["LAB"], "postal_voter": "yes"}) == [
        "Postal voters",
        "Latest voting intention: Labour",
    ]
    saved = segment_save(
        actor=None,
        constituency=history["constituency"],
        name="Did not vote",
        description="",
        filters={"did_not_vote_in": history["general"].pk},
    )
    assert describe_filters(saved.filters) == [
        "Did not vote in General election 2024 (on the register, not marked as having voted)"
    ]
