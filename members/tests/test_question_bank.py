"""The question bank page (issue 10): organisers add questions and change their wording and
choices; area organisers read the bank; each question's answers are counted in one query."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clp.models import AuditEntry
from clp.roles import RoleCode
from members.models import Channel, Constituency, Elector, Outcome, Question, Review
from members.services.contacts import ContactRecord, contacts_record, question_create
from members.tests.test_pages import register  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def _bank(constituency, text="Would you like a postal vote?", kind="yesno", choices=()):
    return question_create(
        actor=None, constituency=constituency, text=text, kind=kind, choices=list(choices)
    )


def _answer(person, question, value, *, review=Review.ACCEPTED, n=0):
    contacts_record(
        [
            ContactRecord(
                person_id=person.pk,
                contacted_at=timezone.now() - datetime.timedelta(days=n),
                channel=Channel.PHONE,
                source="test",
                source_id=f"{person.pk}-{question.pk}-{n}",
                outcome=Outcome.SPOKE,
                review_status=review,
                answers={question.pk: value},
            )
        ],
        actor=None,
    )


def test_organiser_adds_a_question_to_the_bank_and_sees_it_listed(register, client_for):  # noqa: F811
    client = client_for(RoleCode.ORGANISER)
    assert client.get(reverse("members:question_create")).status_code == 200
    response = client.post(
        reverse("members:question_create"),
        {"text": " What matters most to you? ", "kind": "single", "choices": "Housing\n\nJobs\n"},
    )
    assert response.status_code == 302
    question = Question.objects.get()
    assert (question.text, question.kind, question.choices) == (
        "What matters most to you?",
        "single",
        ["Housing", "Jobs"],
    )
    assert question.constituency == register["constituency"]
    assert AuditEntry.objects.filter(action="question.create").count() == 1
    page = client.get(reverse("members:question_list")).content.decode()
    assert "What matters most to you?" in page and "Housing, Jobs" in page
    assert question.key in page and "Single choice" in page
    assert reverse("members:question_edit", args=[question.pk]) in page


def test_a_choice_question_with_one_choice_is_refused_on_the_form(register, client_for):  # noqa: F811
    response = client_for(RoleCode.ORGANISER).post(
        reverse("members:question_create"),
        {"text": "Colour?", "kind": "single", "choices": "Red"},
    )
    assert response.status_code == 400
    assert "A choice question needs at least two choices" in response.content.decode()
    assert not Question.objects.exists()


def test_organiser_rewords_a_question_and_its_key_stays(register, client_for):  # noqa: F811
    question = _bank(register["constituency"], "Colour?", "single", ["Red", "Blue"])
    client = client_for(RoleCode.ORGANISER)
    url = reverse("members:question_edit", args=[question.pk])
    form = client.get(url).context["form"]
    assert form["text"].value() == "Colour?" and form["choices"].value() == "Red\nBlue"
    response = client.post(
        url, {"text": "Which colour do you like?", "kind": "single", "choices": "Red\nBlue\nGreen"}
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.text == "Which colour do you like?" and question.key == "colour"
    assert question.choices == ["Red", "Blue", "Green"]
    assert AuditEntry.objects.get(action="question.update").details["before"]["text"] == "Colour?"


def test_the_kind_of_an_answered_question_cannot_change(register, client_for):  # noqa: F811
    question = _bank(register["constituency"])
    _answer(Elector.objects.first().person, question, "yes")
    response = client_for(RoleCode.ORGANISER).post(
        reverse("members:question_edit", args=[question.pk]),
        {"text": question.text, "kind": "text", "choices": ""},
    )
    assert response.status_code == 400
    assert "cannot change" in response.content.decode()
    question.refresh_from_db()
    assert question.kind == "yesno"


def test_the_list_counts_accepted_answers_in_one_query(register, client_for):  # noqa: F811
    people = [e.person for e in Elector.objects.select_related("person").order_by("pk")]
    postal = _bank(register["constituency"])
    _answer(people[0], postal, "yes")
    _answer(people[1], postal, "no")
    _answer(people[1], postal, "yes", n=3)  # two answers from one person count as two
    _answer(people[2], postal, "yes", review=Review.PENDING)  # waiting for review
    client = client_for(RoleCode.ORGANISER)
    response = client.get(reverse("members:question_list"))
    counts = {q.text: q.answer_count for q in response.context["questions"]}
    assert counts == {"Would you like a postal vote?": 3}

    with CaptureQueriesContext(connection) as one:
        client.get(reverse("members:question_list"))
    for n in range(5):
        question = _bank(register["constituency"], f"Question {n}?", "scale")
        _answer(people[n], question, "4")
    with CaptureQueriesContext(connection) as six:
        response = client.get(reverse("members:question_list"))
    assert len(response.context["questions"]) == 6
    assert len(six) == len(one)


def test_area_organiser_reads_the_bank_but_cannot_change_it(register, client_for):  # noqa: F811
    question = _bank(register["constituency"])
    client = client_for(RoleCode.AREA_ORGANISER)
    page = client.get(reverse("members:question_list"))
    assert page.status_code == 200 and question.text in page.content.decode()
    assert reverse("members:question_edit", args=[question.pk]) not in page.content.decode()
    assert reverse("members:question_create") not in page.content.decode()
    assert client.get(reverse("members:question_create")).status_code == 403
    refused = client.post(
        reverse("members:question_create"), {"text": "Sneaky?", "kind": "yesno", "choices": ""}
    )
    assert refused.status_code == 403
    edit = reverse("members:question_edit", args=[question.pk])
    assert client.post(edit, {"text": "Changed?", "kind": "yesno"}).status_code == 403
    assert Question.objects.get().text == "Would you like a postal vote?"


def test_questions_of_another_constituency_are_not_shown_or_editable(register, client_for):  # noqa: F811
    elsewhere = _bank(Constituency.objects.create(name="Elsewhere"), "Elsewhere?")
    ours = _bank(register["constituency"])
    client = client_for(RoleCode.ORGANISER)
    listed = client.get(reverse("members:question_list")).context["questions"]
    assert list(listed) == [ours]
    response = client.get(reverse("members:question_edit", args=[elsewhere.pk]))
    assert response.status_code == 404


def test_the_segment_list_links_to_the_question_bank(register, client_for):  # noqa: F811
    page = client_for(RoleCode.AREA_ORGANISER).get(reverse("members:segment_list"))
    assert reverse("members:question_list") in page.content.decode()
