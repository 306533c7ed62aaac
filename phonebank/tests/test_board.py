"""The organiser's live board: its figures against calls made through the real services, the
flags landing on the right caller, the polled fragment, and pausing or removing a caller."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clp.models import AuditEntry
from clp.roles import RoleCode
from conftest import make_user
from members.models import Outcome, Person, Question
from phonebank.board import (
    FLAG_NO_ANSWER_ONLY,
    FLAG_SAME_ANSWERS,
    FLAG_SHORT_CALLS,
    caller_totals,
    campaign_board,
    team_totals,
)
from phonebank.models import CampaignCaller, QueueEntry
from phonebank.services.calls import CallResult, call_record
from phonebank.services.campaigns import caller_pause, caller_totals_show, script_step_save
from phonebank.services.queue import contact_hand_out
from phonebank.tests.conftest import TUESDAY_11AM, add_person

SECOND = datetime.timedelta(seconds=1)
MINUTE = datetime.timedelta(minutes=1)
# When the board is read: calls that ended before 11:05:30 are more than an hour old.
BOARD_AT = TUESDAY_11AM + datetime.timedelta(hours=1, minutes=5, seconds=30)


def _call(campaign, caller, at, seconds, outcome=Outcome.SPOKE, **fields):
    entry = contact_hand_out(campaign=campaign, user=caller, now=at)
    return call_record(
        actor=caller,
        campaign=campaign,
        lease_id=entry.lease_id,
        result=CallResult(outcome=outcome, **fields),
        now=at + seconds * SECOND,
    ).call


def _caller(geography, name):
    user = make_user(RoleCode.CALLER, geography["constituency"], email=f"{name}@test.example")
    user.full_name = name
    user.save(update_fields=["full_name"])
    return user


@pytest.fixture
def people(geography, districts):
    constituency = geography["constituency"]
    return [
        add_person(constituency, districts[i % len(districts)], last=f"P{i}") for i in range(45)
    ]


@pytest.fixture
def questions(geography):
    constituency = geography["constituency"]
    support = Question.objects.create(
        constituency=constituency,
        key="support",
        text="Will you support us?",
        kind=Question.Kind.SINGLE,
        choices=["Yes", "No", "Maybe"],
    )
    issues = Question.objects.create(
        constituency=constituency,
        key="issues",
        text="What matters most to you?",
        kind=Question.Kind.MULTIPLE,
        choices=["Housing", "NHS", "Jobs"],
    )
    return support, issues


@pytest.fixture
def called(people, questions, users, geography, make_campaign):
    """A campaign and five callers, each calling in their own pattern from 11:00.

    short: 10 calls, 6 under 20 s, varied answers. no_answer: 10 calls, all no answer,
    voicemail or busy. same: 5 calls, the same answers each time. steady: 10 calls, 5 under
    20 s (not over half), varied answers, two call-backs. recent: one call at 12:01. holder
    holds a contact at 12:04; paused was paused.
    """
    support, issues = questions
    organiser = users[RoleCode.ORGANISER]
    campaign = make_campaign()
    for question in questions:
        script_step_save(actor=organiser, campaign=campaign, text="Ask", question=question)
    # Two people asked not to be called after the list was built: skipped when reached.
    first_two = sorted(p.pk for p in people)[:2]
    Person.objects.filter(pk__in=first_two).update(do_not_phone=True)
    c = {
        name: _caller(geography, name)
        for name in ["short", "no_answer", "same", "steady", "recent", "holder", "paused"]
    }
    for j in range(10):
        at = TUESDAY_11AM + 2 * j * MINUTE
        _call(
            campaign,
            c["short"],
            at,
            10 if j < 6 else 40,
            answers={support.pk: ["Yes", "No", "Maybe"][j % 3]},
        )
        no_answer = [Outcome.NOT_IN, Outcome.VOICEMAIL, Outcome.BUSY][j % 3]
        _call(campaign, c["no_answer"], at, 30, no_answer)
        if j < 5:
            _call(
                campaign,
                c["same"],
                at,
                45,
                answers={support.pk: "Yes", issues.pk: ["Housing", "NHS"]},
            )
        seconds = 15 if j % 2 else 50
        if j == 0:
            _call(
                campaign,
                c["steady"],
                at,
                seconds,
                Outcome.CALL_BACK,
                call_back_at=TUESDAY_11AM + 50 * MINUTE,
            )
        elif j == 1:
            _call(
                campaign,
                c["steady"],
                at,
                seconds,
                Outcome.CALL_BACK,
                call_back_at=TUESDAY_11AM + datetime.timedelta(days=1),
            )
        elif j < 5:
            _call(campaign, c["steady"], at, seconds, Outcome.NOT_IN)
        else:
            k = j - 5
            answers = {support.pk: ["Yes", "No", "Yes", "No", "Yes"][k]}
            if k == 0:
                answers[issues.pk] = ["Jobs", "NHS"]
            _call(campaign, c["steady"], at, seconds, answers=answers)
    _call(campaign, c["recent"], BOARD_AT - 4 * MINUTE, 30)
    contact_hand_out(campaign=campaign, user=c["holder"], now=BOARD_AT - 90 * SECOND)
    contact_hand_out(campaign=campaign, user=c["paused"], now=BOARD_AT - 2 * MINUTE)
    paused = CampaignCaller.objects.get(campaign=campaign, user=c["paused"])
    caller_pause(actor=organiser, caller=paused, paused=True)
    return campaign, c


def _rows(board):
    return {row.name: row for row in board.callers}


def test_the_board_counts_calls_conversations_and_outcomes(called):
    campaign, _ = called
    board = campaign_board(campaign, now=BOARD_AT)
    assert (board.calls, board.conversations, board.contact_rate) == (36, 21, 58)
    # Calls ended before 11:05:30 are over an hour old: the first three of four callers.
    assert board.calls_last_hour == 36 - 3 - 3 - 3 - 3
    # holder holds a contact; recent ended a call four minutes ago; nobody else since 11:20.
    assert board.active_callers == 2
    outcomes = dict(board.outcomes)
    assert outcomes["Spoke to them"] == 21
    assert outcomes["No answer"] == 4 + 3
    assert (outcomes["Voicemail"], outcomes["Busy"], outcomes["Call back"]) == (3, 3, 2)
    assert outcomes["Wrong number"] == 0


def test_answers_are_counted_per_question_with_each_choice_of_a_multiple_choice_answer(called):
    campaign, _ = called
    support, issues = campaign_board(campaign, now=BOARD_AT).questions
    assert support.question.key == "support" and support.answered == 20
    assert support.counts == [("Yes", 12), ("No", 5), ("Maybe", 3)]
    assert issues.answered == 6
    assert dict(issues.counts) == {"Housing": 5, "NHS": 6, "Jobs": 1}


def test_the_board_shows_how_much_of_the_list_is_left_and_the_call_backs(called, people):
    campaign, _ = called
    left = campaign_board(campaign, now=BOARD_AT).left
    assert left.total == len(people)
    assert left.skipped == 2 and left.skip_reasons == [("Asked not to be called", 2)]
    # The call-back asked for 11:50 is due; tomorrow's is later.
    assert (left.call_backs_due, left.call_backs_later) == (1, 1)
    assert left.with_callers == 1
    # Done: 10 + 5 spoken to (short, same), steady's 5, recent's 1; the no-answers wait.
    assert left.done == 21
    assert left.to_call == len(people) - 2 - 21


def test_each_flag_falls_on_the_caller_with_that_pattern_and_no_other(called):
    campaign, _ = called
    rows = _rows(campaign_board(campaign, now=BOARD_AT))
    assert rows["short"].flags == [FLAG_SHORT_CALLS]
    assert rows["no_answer"].flags == [FLAG_NO_ANSWER_ONLY]
    assert rows["same"].flags == [FLAG_SAME_ANSWERS]
    # Five of ten calls under 20 s is not over half; its answers differ.
    assert rows["steady"].flags == []
    assert rows["recent"].flags == rows["holder"].flags == []


def test_each_caller_has_their_calls_median_length_and_status(called):
    campaign, _ = called
    rows = _rows(campaign_board(campaign, now=BOARD_AT))
    short = rows["short"]
    assert (short.calls, short.conversations, short.median_seconds) == (10, 10, 10)
    assert (rows["steady"].calls, rows["steady"].conversations) == (10, 5)
    assert rows["steady"].median_seconds == 32  # between 15 and 50
    assert rows["no_answer"].median_seconds == 30
    assert rows["holder"].calls == 0 and rows["holder"].median_seconds is None
    assert rows["holder"].active and rows["recent"].active and not rows["short"].active
    assert rows["paused"].status_label == "Paused" and not rows["paused"].active
    assert rows["short"].status_label == "Calling"
    assert list(rows)[0] in {"short", "no_answer", "steady"}  # most calls first


def test_opted_in_callers_are_thanked_by_name_with_the_team_totals(called):
    campaign, c = called
    caller_totals_show(caller=CampaignCaller.objects.get(user=c["steady"]), show=True)
    team = team_totals(campaign)
    assert (team.calls, team.conversations) == (36, 21)
    assert [(t.name, t.calls, t.conversations) for t in team.thanked] == [("steady", 10, 5)]
    mine = caller_totals(campaign, c["same"], since=TUESDAY_11AM)
    assert (mine["all"].calls, mine["all"].conversations) == (5, 5)
    assert mine["today"] == mine["all"]  # every call of the fixture is after 11:00
    later = caller_totals(campaign, c["same"], since=TUESDAY_11AM + datetime.timedelta(days=1))
    assert (later["today"].calls, later["all"].calls) == (0, 5)


# --- pages ---------------------------------------------------------------------------------


def test_the_board_page_polls_its_live_fragment_and_logs_the_read(called, client_for):
    campaign, _ = called
    client = client_for(RoleCode.ORGANISER)
    live_url = reverse("phonebank:board_live", args=[campaign.pk])
    page = client.get(reverse("phonebank:board", args=[campaign.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'hx-get="{live_url}"' in html and 'hx-trigger="every 10s"' in html
    assert "Many calls under 20 seconds" in html and "<html" in html
    assert AuditEntry.objects.filter(action="read:phonebank.board").count() == 1

    fragment = client.get(live_url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "<html" not in body and "<h1" not in body
    assert "Callers active now" in body and "Same answers every call" in body
    # Opened directly, the fragment's address gives the page.
    assert client.get(live_url).url == reverse("phonebank:board", args=[campaign.pk])
    # Polling is not a new bulk read each time.
    assert AuditEntry.objects.filter(action="read:phonebank.board").count() == 1


def test_live_updates_can_be_stopped(called, client_for):
    campaign, _ = called
    page = client_for(RoleCode.ORGANISER).get(
        reverse("phonebank:board", args=[campaign.pk]), {"live": "off"}
    )
    assert "hx-trigger" not in page.content.decode()


def _caller_url(action, campaign, caller):
    return reverse(f"phonebank:caller_{action}", args=[campaign.pk, caller.pk])


def _noon_tomorrow():
    """Inside every calling window, and after the queue was built (at the real time): a
    hand-out at the real time is refused outside the window, e.g. in the evening. The pause
    and remove views then act at the real time."""
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    return tomorrow.replace(hour=12, minute=0, second=0, microsecond=0)


def test_pausing_or_removing_a_caller_puts_their_contact_back_in_the_queue(
    people, users, geography, make_campaign, client_for
):
    campaign = make_campaign()
    volunteer = users[RoleCode.CALLER]
    held = contact_hand_out(campaign=campaign, user=volunteer, now=_noon_tomorrow())
    caller = CampaignCaller.objects.get(campaign=campaign, user=volunteer)
    client = client_for(RoleCode.ORGANISER)

    response = client.post(_caller_url("pause", campaign, caller))
    assert response.status_code == 302
    assert response["Location"] == reverse("phonebank:board", args=[campaign.pk])
    assert QueueEntry.objects.get(pk=held.pk).state == QueueEntry.State.WAITING
    caller.refresh_from_db()
    assert caller.paused_at is not None

    client.post(_caller_url("resume", campaign, caller))
    caller.refresh_from_db()
    assert caller.paused_at is None
    held = contact_hand_out(campaign=campaign, user=volunteer, now=_noon_tomorrow())
    page = client.post(_caller_url("remove", campaign, caller), follow=True)
    assert "is off this phone bank" in page.content.decode()
    caller.refresh_from_db()
    assert caller.removed_at is not None
    assert QueueEntry.objects.get(pk=held.pk).state == QueueEntry.State.WAITING


def test_only_the_campaigns_organisers_may_pause_or_remove_its_callers(
    people, users, geography, make_campaign, client
):
    campaign = make_campaign()
    other = make_campaign("Other calls")
    volunteer = users[RoleCode.CALLER]
    held = contact_hand_out(campaign=campaign, user=volunteer, now=_noon_tomorrow())
    caller = CampaignCaller.objects.get(campaign=campaign, user=volunteer)
    for role, status in [(RoleCode.CALLER, 403), (RoleCode.CANVASSER, 403)]:
        client.force_login(users[role])
        assert client.post(_caller_url("pause", campaign, caller)).status_code == status
        assert client.post(_caller_url("remove", campaign, caller)).status_code == status
    # An organiser of another constituency sees no such phone bank.
    from members.models import Constituency

    elsewhere = Constituency.objects.create(name="Elsewhere", code="E14000999")
    client.force_login(make_user(RoleCode.ORGANISER, elsewhere, email="away@test.example"))
    assert client.post(_caller_url("pause", campaign, caller)).status_code == 404
    assert client.get(reverse("phonebank:board", args=[campaign.pk])).status_code == 404
    # The caller belongs to another phone bank than the one in the address.
    client.force_login(users[RoleCode.ORGANISER])
    assert client.post(_caller_url("pause", other, caller)).status_code == 404
    assert client.get(_caller_url("pause", campaign, caller)).status_code == 405
    caller.refresh_from_db()
    assert caller.paused_at is None and caller.removed_at is None
    assert QueueEntry.objects.get(pk=held.pk).state == QueueEntry.State.LEASED


def test_the_live_fragment_takes_the_same_queries_however_many_calls_and_callers(
    people, users, geography, make_campaign, client_for
):
    def queries_for(campaign, callers, calls_each):
        volunteers = [
            make_user(
                RoleCode.CALLER,
                geography["constituency"],
                email=f"{campaign.pk}-{n}@test.example",
            )
            for n in range(callers)
        ]
        for j in range(calls_each):
            for volunteer in volunteers:
                _call(campaign, volunteer, TUESDAY_11AM + j * MINUTE, 30)
        client = client_for(RoleCode.ORGANISER)
        url = reverse("phonebank:board_live", args=[campaign.pk])
        client.get(url, HTTP_HX_REQUEST="true")  # sessions and the like, on first use
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
        return len(queries)

    few = queries_for(make_campaign("Few"), callers=1, calls_each=3)
    many = queries_for(make_campaign("Many"), callers=6, calls_each=5)
    assert few == many <= 12  # the login and access checks, then seven reads for the board
