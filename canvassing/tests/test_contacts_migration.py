"""The data migration that makes canvass results contacts (issue 10): a database with
campaigns, questions and results from several dates is migrated, and every result, answer and
latest intention is found again in members, nothing lost."""

import datetime
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("canvassing", "0003_result_entered_by"),
    ("members", "0015_person_deceased_moved_away_edited_review"),
]
AFTER = [("canvassing", "0005_campaign_questions_only_link_the_bank")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _when(day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, 10, day, hour, tzinfo=datetime.UTC)


@pytest.mark.django_db(transaction=True)
def test_results_become_contacts_with_their_answers_and_nothing_is_lost():
    apps = _migrate(BEFORE)
    try:
        _check(apps)
    finally:
        leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
        _migrate(leaves)


def _check(apps):
    Constituency = apps.get_model("members", "Constituency")
    Person = apps.get_model("members", "Person")
    Campaign = apps.get_model("canvassing", "CanvassCampaign")
    OldQuestion = apps.get_model("canvassing", "SurveyQuestion")
    Result = apps.get_model("canvassing", "CanvassResult")
    User = apps.get_model("clp", "User")

    constituency = Constituency.objects.create(name="Northbridge")
    canvasser = User.objects.create(email="c@test.example", full_name="Cara")
    ann, bob, cat = (
        Person.objects.create(constituency=constituency, first_name=n, last_name="Test")
        for n in ("Ann", "Bob", "Cat")
    )
    spring = Campaign.objects.create(constituency=constituency, name="Spring")
    autumn = Campaign.objects.create(constituency=constituency, name="Autumn")
    lane_spring = OldQuestion.objects.create(
        campaign=spring, text="Back the bus lane?", kind="single", options=["Yes", "No"]
    )
    lane_autumn = OldQuestion.objects.create(
        campaign=autumn, text="Back the bus lane?", kind="single", options=["Yes", "No"]
    )
    issues = OldQuestion.objects.create(
        campaign=autumn, text="Issues?", kind="multiple", options=["Buses", "Bins", "Schools"]
    )
    note = OldQuestion.objects.create(campaign=autumn, text="Anything else?", kind="text")

    def result(person, day, **fields):
        return Result.objects.create(
            id=uuid.uuid4(),
            campaign=fields.pop("campaign", autumn),
            person=person,
            recorded_by=canvasser,
            recorded_at=_when(day),
            received_at=_when(day, 18),
            **fields,
        )

    results = [
        result(
            ann,
            1,
            campaign=spring,
            outcome="S",
            intention="LAB",
            strength=5,
            answers={str(lane_spring.pk): "Yes"},
        ),
        result(ann, 20, outcome="NI"),
        result(bob, 5, outcome="S", intention="CON", strength=2, source="paper"),
        result(
            bob,
            9,
            outcome="S",
            intention="LAB",
            strength=3,
            answers={
                str(lane_autumn.pk): "No",
                str(issues.pk): ["Schools", "Buses"],
                str(note.pk): "Fix the lights",
            },
        ),
        result(cat, 12, outcome="S", intention="GRN", strength=4, review_status="pending"),
    ]

    apps = _migrate(AFTER)
    Contact = apps.get_model("members", "Contact")
    Answer = apps.get_model("members", "Answer")
    Summary = apps.get_model("members", "ContactSummary")
    Question = apps.get_model("members", "Question")
    SurveyQuestion = apps.get_model("canvassing", "SurveyQuestion")

    # Every result is a contact with the same facts.
    assert Contact.objects.count() == len(results)
    for r in results:
        c = Contact.objects.get(source="canvassing.result", source_id=str(r.id))
        assert (c.person_id, c.contacted_at, c.outcome, c.intention, c.strength) == (
            r.person_id,
            r.recorded_at,
            r.outcome,
            r.intention,
            r.strength,
        )
        assert c.review_status == r.review_status and c.recorded_by_id == canvasser.pk
        assert c.channel == ("paper" if r.source == "paper" else "doorstep")
        assert c.context.startswith(("Spring", "Autumn"))

    # One bank question for the same wording in two campaigns; each campaign still asks it.
    assert Question.objects.filter(text="Back the bus lane?").count() == 1
    bank = {sq.pk: sq.question for sq in SurveyQuestion.objects.select_related("question")}
    assert bank[lane_spring.pk] == bank[lane_autumn.pk]
    assert (bank[issues.pk].kind, bank[issues.pk].choices) == (
        "multiple",
        ["Buses", "Bins", "Schools"],
    )

    # Every answer, multiple choices in the question's order, one per line.
    answers = {
        (a.person_id, a.question.text): a.value for a in Answer.objects.select_related("question")
    }
    assert answers == {
        (ann.pk, "Back the bus lane?"): "Yes",
        (bob.pk, "Back the bus lane?"): "No",
        (bob.pk, "Issues?"): "Buses\nSchools",
        (bob.pk, "Anything else?"): "Fix the lights",
    }

    # Latest accepted intention and last contacts; the pending result does not count yet.
    summaries = {s.person_id: s for s in Summary.objects.all()}
    assert set(summaries) == {ann.pk, bob.pk}
    assert (summaries[ann.pk].intention, summaries[ann.pk].strength) == ("LAB", 5)
    assert summaries[ann.pk].contacted_at == _when(20)  # the "not in" is the last contact
    assert summaries[ann.pk].spoke_at == _when(1)
    assert (summaries[bob.pk].intention, summaries[bob.pk].intention_at) == ("LAB", _when(9))
    assert summaries[bob.pk].intention_channel == "doorstep"
