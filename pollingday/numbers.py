"""Elector numbers as tellers type them on polling day.

A teller at the station door writes down what the voter says or shows: `888`, `888/1`,
`888.1`, `AB888`, `AB-888`, `AB/888`, `ab 888.1`... Each is an elector number (with a
suffix after `/` or `.`) and, optionally, the polling district code in front. The code must
be one of the station's districts; a bare number goes to the district the teller chose.

Plain functions; anything that is not a number the teller could mean raises NumberRefused
with words to show them.
"""

import re
from dataclasses import dataclass

EXAMPLE = "Type a number, e.g. 888 or CA888."


def _example(codes: list[str]) -> str:
    return f"Type a number, e.g. 888 or {codes[0]}888." if codes else EXAMPLE


# Longer than any register's numbers: the teller typed something else (a phone number?).
MAX_DIGITS = 6

_BARE_RE = re.compile(r"^(\d+)(?:[/.](\d+))?$")
_NUMBER_RE = re.compile(r"^[-/.]?(\d+)(?:[/.](\d+))?$")
_PREFIX_RE = re.compile(r"^([A-Z][A-Z0-9]*?)[-/.]?(\d+)(?:[/.](\d+))?$")
# Several numbers at once: lines, commas, semicolons, tabs or spaces between them.
_BATCH_SPLIT_RE = re.compile(r"[\n\r,;\t]+")


class NumberRefused(ValueError):
    """What the teller typed cannot be taken, with the reason in their words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class TypedNumber:
    district: str  # the district's code
    number: int
    suffix: int = 0

    def __str__(self) -> str:
        return f"{self.district}-{self.number}" + (f"/{self.suffix}" if self.suffix else "")


def _digits(number: str, suffix: str | None, shown: str, example: str) -> tuple[int, int]:
    if len(number) > MAX_DIGITS or (suffix and len(suffix) > 3):
        raise NumberRefused(f"“{shown}” is too long for an elector number. {example}")
    value = int(number)
    if value == 0:
        raise NumberRefused(f"“{shown}”: elector numbers start at 1. {example}")
    return value, int(suffix) if suffix else 0


def parse_number(
    text,
    *,
    codes: list[str],
    chosen: str | None = None,
    elsewhere: dict[str, str] | None = None,
) -> TypedNumber:
    """One typed number → TypedNumber, for a station whose districts have `codes`.

    `chosen` is the district the teller picked on the page (used for a bare number when the
    station has several districts); `elsewhere` maps other districts' codes in this election
    to the station where they vote, to tell the teller where that voter should have gone.
    """
    codes = [c.upper() for c in codes]
    example = _example(codes)
    if not isinstance(text, str):
        raise NumberRefused(example)
    cleaned = "".join(text.split()).upper()
    shown = text.strip()
    if not cleaned:
        raise NumberRefused(example)
    bare = _BARE_RE.match(cleaned)
    if bare:
        number, suffix = _digits(bare.group(1), bare.group(2), shown, example)
        if len(codes) == 1:
            return TypedNumber(codes[0], number, suffix)
        if chosen and chosen.upper() in codes:
            return TypedNumber(chosen.upper(), number, suffix)
        raise NumberRefused(
            f"Which district is {shown} in? Choose {' or '.join(codes)} above, or type it "
            f"in front (e.g. {codes[0]}{number})."
        )
    # A known code first, longest first: codes may end in digits (AB1) or hold - and /.
    for code in sorted(codes, key=len, reverse=True):
        if cleaned.startswith(code):
            rest = _NUMBER_RE.match(cleaned[len(code) :])
            if rest:
                number, suffix = _digits(rest.group(1), rest.group(2), shown, example)
                return TypedNumber(code, number, suffix)
    match = _PREFIX_RE.match(cleaned)
    if not match:
        raise NumberRefused(f"“{shown}” is not an elector number. {example}")
    prefix = match.group(1)
    _digits(match.group(2), match.group(3), shown, example)
    where = (elsewhere or {}).get(prefix)
    here = ", ".join(codes)
    if where:
        raise NumberRefused(
            f"{prefix} is not a district at this station: it votes at {where}. Here: {here}."
        )
    raise NumberRefused(f"{prefix} is not a district at this station. Here: {here}.")


def split_batch(text: str) -> list[str]:
    """A pasted list → the numbers in it, one string each.

    Numbers may be on lines of their own or separated by commas, semicolons or spaces; a
    district code standing alone ("AB 888") belongs to the number after it.
    """
    if not isinstance(text, str):
        return []
    numbers = []
    for piece in _BATCH_SPLIT_RE.split(text):
        pending = ""
        for word in piece.split():
            if pending:
                word = pending + word
                pending = ""
            if not any(ch.isdigit() for ch in word) or word[-1] in "-/.":
                pending = word  # "AB" or "AB-": the number follows
                continue
            numbers.append(word)
        if pending:
            numbers.append(pending)
    return numbers
