"""Branching scripts: which steps a call goes through, given the answers so far."""

from collections.abc import Iterable

END = 0  # a branch to step 0 ends the script


def script_path(steps: Iterable, answers: dict[int, str]) -> list:
    """The steps a call visits, in order: each step leads to the next, unless the answer given
    to its question is one its branches send elsewhere. `answers` maps question id → value
    (a multiple-choice value lists its choices one per line: the first that branches wins)."""
    steps = sorted(steps, key=lambda s: s.position)
    by_position = {s.position: i for i, s in enumerate(steps)}
    path, index = [], 0
    while index < len(steps):
        step = steps[index]
        path.append(step)
        index += 1
        value = answers.get(step.question_id) if step.question_id else None
        if not value or not step.branches:
            continue
        for choice in value.split("\n"):
            target = step.branches.get(choice)
            if target is None:
                continue
            if target == END:
                return path
            # Branches only go forward (checked when saved), so the path cannot loop.
            index = by_position.get(target, len(steps))
            break
    return path


def branch_problems(step, branches: dict, positions: Iterable[int]) -> list[str]:
    """What is wrong with `branches` for `step`, in words; [] when they are fine."""
    problems = []
    allowed = step.question.answer_values() if step.question_id else []
    positions = set(positions)
    for value, target in branches.items():
        if allowed and value not in allowed:
            problems.append(f"“{value}” is not an answer to “{step.question.text}”.")
        if target != END and (target not in positions or target <= step.position):
            problems.append(f"Step {target} is not a later step of this script.")
    if branches and not step.question_id:
        problems.append("Only a step with a question can branch.")
    return problems


def parse_branches(text: str) -> dict:
    """Read branches typed one per line, e.g. "no -> 5" or "Labour -> end"."""
    branches = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        value, arrow, target = line.rpartition("->")
        if not arrow:
            raise ValueError(f"Write each branch as “answer -> step”, not “{line.strip()}”.")
        target = target.strip().lower()
        if target == "end":
            branches[value.strip()] = END
        elif target.isdigit():
            branches[value.strip()] = int(target)
        else:
            raise ValueError(f"“{target}” is not a step number or “end”.")
    return branches


def format_branches(branches: dict) -> str:
    return "\n".join(f"{v} -> {'end' if t == END else t}" for v, t in branches.items())
