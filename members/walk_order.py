"""Walk order: the order a volunteer walks a street's doors in, for walk lists and knock-up
lists alike. By street; up the odd side, back down the even side; then suffix and flat.
Numbered houses come before named ones on a street; electors with no known address last."""

import re

_NUMBER_RE = re.compile(r"(\d+)")


def _natural(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p.lower() for p in _NUMBER_RE.split(text or "") if p)


def street_name(prop) -> str:
    """The property's street; without a linked street, the first address line that names one
    ("12a High St")."""
    if prop is None:
        return ""
    if prop.street_id:
        return prop.street.name
    for line in prop.address_lines or []:
        words = [w for w in line.replace(",", " ").split() if not any(c.isdigit() for c in w)]
        if words and words[0].lower() not in ("flat", "apartment", "unit"):
            return " ".join(words)
    return ""


def walk_order_key(prop, elector=None) -> tuple:
    """Sort key for walking a property (and, inside it, an elector by number)."""
    tail = (elector.number, elector.suffix) if elector is not None else ()
    if prop is None:
        return (2, "", 0, 0, (), (), tail)
    street = street_name(prop).lower()
    if prop.house_number is None:
        return (0, street, 2, 0, _natural(" ".join(prop.address_lines)), (), tail)
    odd = prop.house_number % 2 == 1
    # Odd side walked upwards, even side walked back downwards (negated number).
    number = prop.house_number if odd else -prop.house_number
    return (
        0,
        street,
        0 if odd else 1,
        number,
        _natural(prop.house_suffix),
        _natural(prop.flat),
        tail,
    )


def doors_in_walk_order(electors) -> list[list]:
    """Electors grouped by door (their property; one with no known address is a door of their
    own), the doors in walk order and the electors of each door by number. Select the
    electors' property and street with them."""
    doors: dict = {}
    for elector in electors:
        doors.setdefault(elector.property_id or f"e{elector.pk}", []).append(elector)
    ordered = sorted(doors.values(), key=lambda door: walk_order_key(door[0].property))
    for door in ordered:
        door.sort(key=lambda e: (e.number, e.suffix))
    return ordered
