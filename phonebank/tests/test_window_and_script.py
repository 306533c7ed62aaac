"""The calling window by UK wall-clock time (both sides of the clock changes), and branching
scripts."""

import datetime

import pytest

from members.models import Question
from phonebank.models import CallCampaign, ScriptStep
from phonebank.script import END, branch_problems, parse_branches, script_path
from phonebank.window import calling_window_open, window_problems

UTC = datetime.UTC


def _at(*args):
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        # Friday 27 March 2026, GMT (UTC+0): 08:30 UTC is 08:30 in the UK, before 09:00.
        (_at(2026, 3, 27, 8, 30), False),
        (_at(2026, 3, 27, 9, 0), True),
        (_at(2026, 3, 27, 19, 59), True),
        (_at(2026, 3, 27, 20, 0), False),
        # Monday 30 March 2026, BST (UTC+1) after the clocks went forward on the 29th:
        # 08:30 UTC is 09:30 in the UK (open), 19:30 UTC is 20:30 (closed).
        (_at(2026, 3, 30, 8, 30), True),
        (_at(2026, 3, 30, 7, 59), False),
        (_at(2026, 3, 30, 19, 30), False),
        # Sunday 29 March, the day of the change: weekend window 10:00–18:00 BST.
        (_at(2026, 3, 29, 9, 0), True),  # 10:00 BST
        (_at(2026, 3, 29, 8, 59), False),
        (_at(2026, 3, 29, 17, 0), False),  # 18:00 BST
        # Monday 26 October 2026, GMT again after the clocks went back on the 25th.
        (_at(2026, 10, 23, 7, 30), False),  # Friday: 08:30 BST
        (_at(2026, 10, 26, 8, 30), False),  # Monday: 08:30 GMT
        (_at(2026, 10, 26, 9, 0), True),
        (_at(2026, 10, 26, 19, 30), True),  # 19:30 GMT
    ],
)
def test_the_calling_window_follows_uk_local_time(moment, open_):
    campaign = CallCampaign()  # defaults: weekdays 09:00–20:00, weekends 10:00–18:00
    assert calling_window_open(campaign, moment) is open_


def test_a_window_beyond_nine_to_nine_is_refused_and_never_applied():
    problems = window_problems(
        weekday=(datetime.time(8, 0), datetime.time(20, 0)),
        weekend=(datetime.time(12, 0), datetime.time(21, 30)),
    )
    assert problems == [
        "Weekdays: calls may only be made between 09:00 and 21:00.",
        "Weekends: calls may only be made between 09:00 and 21:00.",
    ]
    saved_badly = CallCampaign(weekday_start=datetime.time(7), weekday_end=datetime.time(23))
    assert not calling_window_open(saved_badly, _at(2026, 12, 8, 8, 0))  # Tuesday 08:00 GMT
    assert not calling_window_open(saved_badly, _at(2026, 12, 8, 21, 0))


def _steps(*specs):
    steps = []
    for position, (question_id, branches) in enumerate(specs, start=1):
        steps.append(ScriptStep(position=position, question_id=question_id, branches=branches))
    return steps


def test_the_path_follows_the_answers_given():
    steps = _steps((1, {"no": 4}), (2, {}), (3, {"Labour": END}), (4, {}), (5, {}))
    positions = lambda answers: [s.position for s in script_path(steps, answers)]  # noqa: E731
    assert positions({}) == [1, 2, 3, 4, 5]
    assert positions({1: "no"}) == [1, 4, 5]
    assert positions({1: "yes", 3: "Labour"}) == [1, 2, 3]
    # Multiple choice: the first chosen value that branches decides.
    assert positions({1: "maybe\nno"}) == [1, 4, 5]


def test_branches_are_typed_one_per_line_and_checked(geography):
    question = Question.objects.create(
        constituency=geography["constituency"], key="housing", text="Housing?", kind="yesno"
    )
    assert parse_branches("no -> 3\n\nyes -> end") == {"no": 3, "yes": END}
    with pytest.raises(ValueError, match="answer -> step"):
        parse_branches("no 3")
    step = ScriptStep(position=2, question=question)
    assert branch_problems(step, {"maybe": 3, "no": 1}, [1, 2, 3]) == [
        "“maybe” is not an answer to “Housing?”.",
        "Step 1 is not a later step of this script.",
    ]
