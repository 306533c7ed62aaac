"""The segment builder's filters on the shared contact record (issue 10): what people told
us, when we last reached them, on which channel, their answers, postal vote and membership;
saved from the page, listed on the segment's page, shown again when the segment is edited."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clp.roles import RoleCode
from members.models import Channel, Elector, Membership, Outcome, Question, Segment
from members.services.contacts import ContactRecord, contacts_record, question_create
from members.services.segments import segment_save
from members.tests.test_pages import register  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _people():
    electors = Elector.objects.select_related("person", "polling_district")
    return {f"{e.polling_district.code}{e.number}": e.person for e in electors}


def _ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def _day(days_ago: int) -> str:
    return (timezone.localdate() - datetime.timedelta(days=days_ago)).isoformat()


def _contact(person, days_ago, *, outcome=Outcome.SPOKE, channel=Channel.DOORSTEP, **extra):
    contacts_record(
        [
            ContactRecord(
                person_id=person.pk,
                contacted_at=_ago(days_ago),
                channel=channel,
                source="test",
                source_id=f"{person.pk}-{days_ago}-{outcome}-{channel}",
                outcome=outcome,
                **extra,
            )
        ],
        actor=None,
    )


@pytest.fixture
def history(register):  # noqa: F811
    """Contacts of several dates and channels, an answered question, a postal voter, a member."""
    p = _people()
    postal_vote = question_create(
        actor=None,
        constituency=register["constituency"],
        text="Would you like a postal vote?",
        kind=Question.Kind.YES_NO,
        choices=[],
    )
    yes = {postal_vote.pk: "yes"}
    _contact(p["CA1"], 60, intention="LAB", strength=5, answers=yes)  # wanted below
    _contact(p["CA1"], 5, outcome=Outcome.NOT_IN)  # a knock unanswered: not "spoken to"
    _contact(p["CA2"], 60, intention="LAB", strength=5, answers=yes)
    _contact(p["CA2"], 10)  # spoken to 10 days ago
    _contact(p["CA3"], 60, intention="LAB", strength=4, channel=Channel.PHONE)
    _contact(p["CA4"], 50, intention="CON", strength=5)
    _contact(p["RA1"], 60, intention="LAB", strength=5, answers=yes)  # the other ward
    _contact(p["RA2"], 3, outcome=Outcome.NOT_IN)  # tried, never reached
    Elector.objects.filter(person=p["CA1"]).update(is_postal_voter=True)
    Membership.objects.create(person=p["CA2"], number="L1", status=Membership.Status.MEMBER)
    return {"people": p, "question": postal_vote, **register}


def _save(client, data) -> Segment:
    response = client.post(reverse("members:segment_create"), data)
    assert response.status_code == 302, response.context["form"].errors
    return Segment.objects.get(name=data["name"])


def _listed(client, segment) -> set[int]:
    page = client.get(reverse("members:segment_detail", args=[segment.pk]))
    return {person.pk for person in page.context["page"]}


def _pks(people, *keys) -> set[int]:
    return {people[key].pk for key in keys}


def test_a_segment_saved_from_the_page_stores_only_the_filters_given_and_lists_its_people(
    history, client_for
):
    p, castle = history["people"], history["wards"]["Castle"]
    client = client_for(RoleCode.ORGANISER)
    segment = _save(
        client,
        {
            "name": "Strong Labour, postal vote wanted, not seen in four weeks",
            "wards": [castle.pk],
            "intentions": ["LAB"],
            "min_strength": "4",
            "not_contacted_since": _day(28),
            "contact_outcome": "reached",
            "answer_question": history["question"].pk,
            "answer_value": "Yes",  # any case: stored as the question's own "yes"
            "postal_voter": "",
            "member": "",
        },
    )
    assert segment.filters == {
        "wards": [castle.pk],
        "intentions": ["LAB"],
        "min_strength": "4",
        "not_contacted_since": _day(28),
        "answers": [{"question": history["question"].pk, "value": "yes"}],
    }
    # CA2 was spoken to 10 days ago, CA3 never answered the question, CA4 said Conservative,
    # RA1 lives in the other ward; CA1's unanswered knock 5 days ago is not contact.
    assert _listed(client, segment) == _pks(p, "CA1")


def test_contacted_since_on_a_channel_and_any_attempt_or_never(history, client_for):
    p, river = history["people"], history["wards"]["Riverside"]
    client = client_for(RoleCode.ORGANISER)
    by_phone = _save(
        client,
        {"name": "Phoned", "contacted_since": _day(90), "contact_channels": [Channel.PHONE]},
    )
    assert by_phone.filters == {"contacted_since": _day(90), "contact_channels": ["phone"]}
    assert _listed(client, by_phone) == _pks(p, "CA3")

    never_reached = _save(
        client, {"name": "Never reached", "wards": [river.pk], "never_contacted": "on"}
    )
    assert never_reached.filters == {"wards": [river.pk], "never_contacted": True}
    assert _listed(client, never_reached) == _pks(p, "RA2", "RA3", "RA4")

    never_tried = _save(
        client,
        {
            "name": "Never tried",
            "wards": [river.pk],
            "never_contacted": "on",
            "contact_outcome": "any",
        },
    )
    assert never_tried.filters["contact_outcome"] == "any"
    assert _listed(client, never_tried) == _pks(p, "RA3", "RA4")

    recently_knocked = _save(
        client, {"name": "Knocked lately", "contacted_since": _day(7), "contact_outcome": "any"}
    )
    assert _listed(client, recently_knocked) == _pks(p, "CA1", "RA2")


def test_postal_voter_and_party_member_filters(history, client_for):
    p, castle = history["people"], history["wards"]["Castle"]
    client = client_for(RoleCode.ORGANISER)
    postal = _save(client, {"name": "Postal", "postal_voter": "yes"})
    assert postal.filters == {"postal_voter": "yes"}
    assert _listed(client, postal) == _pks(p, "CA1")
    not_members = _save(client, {"name": "Not members", "wards": [castle.pk], "member": "no"})
    assert _listed(client, not_members) == _pks(p, "CA1", "CA3", "CA4")
    weak = _save(client, {"name": "Weak", "max_strength": "4", "intentions": ["LAB"]})
    assert _listed(client, weak) == _pks(p, "CA3")


def test_editing_a_segment_shows_its_saved_values(history, client_for):
    question = history["question"]
    filters = {
        "intentions": ["LAB", "UND"],
        "min_strength": "3",
        "max_strength": "5",
        "contacted_since": "2026-01-05",
        "not_contacted_since": "2026-11-01",
        "contact_channels": ["phone", "doorstep"],
        "contact_outcome": "any",
        "never_contacted": True,
        "answers": [{"question": question.pk, "value": "no"}],
        "postal_voter": "no",
        "member": "yes",
    }
    segment = segment_save(
        actor=None,
        constituency=history["constituency"],
        name="Everything",
        description="",
        filters=filters,
    )
    client = client_for(RoleCode.ORGANISER)
    page = client.get(reverse("members:segment_edit", args=[segment.pk]))
    form = page.context["form"]
    shown = {name: form[name].value() for name in form.fields}
    assert shown["intentions"] == ["LAB", "UND"]
    assert (shown["min_strength"], shown["max_strength"]) == ("3", "5")
    assert shown["contacted_since"] == "2026-01-05"
    assert shown["contact_channels"] == ["phone", "doorstep"]
    assert shown["contact_outcome"] == "any" and shown["never_contacted"] is True
    assert shown["answer_question"] == question.pk and shown["answer_value"] == "no"
    assert (shown["postal_voter"], shown["member"]) == ("no", "yes")
    html = page.content.decode()
    assert 'type="date" name="not_contacted_since" value="2026-11-01"' in html
    assert f'<option value="{question.pk}" selected>' in html
    for legend in ("What they told us", "When we last reached them", "Register and membership"):
        assert f"<legend>{legend}</legend>" in html

    # Saved again as shown, nothing is lost.
    resubmit = {"name": "Everything", "description": ""}
    for name, value in shown.items():
        if value in (None, False, "", []):
            continue
        resubmit[name] = value
    response = client.post(reverse("members:segment_edit", args=[segment.pk]), resubmit)
    assert response.status_code == 302
    segment.refresh_from_db()
    assert segment.filters == filters


def test_an_answer_the_question_cannot_take_is_refused_with_a_clear_error(history, client_for):
    client = client_for(RoleCode.ORGANISER)
    question = history["question"]
    response = client.post(
        reverse("members:segment_create"),
        {"name": "Maybe", "answer_question": question.pk, "answer_value": "maybe"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["answer_value"] == [
        "“maybe” is not an answer to “Would you like a postal vote?”. Answers it can take: yes, no."
    ]
    assert "is not an answer to" in response.content.decode()
    response = client.post(
        reverse("members:segment_create"), {"name": "No question", "answer_value": "yes"}
    )
    assert response.context["form"].errors["answer_question"] == [
        "Choose the question this answer is to."
    ]
    response = client.post(
        reverse("members:segment_create"), {"name": "No value", "answer_question": question.pk}
    )
    assert "answer_value" in response.context["form"].errors
    assert not Segment.objects.exists()


def test_any_answer_to_a_free_text_question_may_be_looked_for(history, client_for):
    issue = question_create(
        actor=None,
        constituency=history["constituency"],
        text="What matters most to you?",
        kind=Question.Kind.TEXT,
        choices=[],
    )
    p = history["people"]
    _contact(p["CA4"], 2, answers={issue.pk: "Potholes"})
    client = client_for(RoleCode.ORGANISER)
    segment = _save(
        client, {"name": "Potholes", "answer_question": issue.pk, "answer_value": "Potholes"}
    )
    assert _listed(client, segment) == _pks(p, "CA4")


def test_the_builder_offers_only_questions_of_the_users_constituency(history, client_for):
    from members.models import Constituency

    elsewhere = Constituency.objects.create(name="Elsewhere")
    theirs = question_create(
        actor=None, constituency=elsewhere, text="Elsewhere?", kind="yesno", choices=[]
    )
    client = client_for(RoleCode.ORGANISER)
    form = client.get(reverse("members:segment_create")).context["form"]
    assert list(form.fields["answer_question"].queryset) == [history["question"]]
    response = client.post(
        reverse("members:segment_create"),
        {"name": "Theirs", "answer_question": theirs.pk, "answer_value": "yes"},
    )
    assert response.context["form"].errors["answer_question"] == [
        "That question is not in your question bank."
    ]
