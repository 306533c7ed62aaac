"""The server side of a phone's outbox (static/js/outbox.js): reading the batch of records it
sends (doorstep results, tellers' numbers, knocks) as JSON."""

import json


def _json_int(text: str):
    # Integers too big for a database key stay text (as do floats, Infinity and NaN below), so
    # the one record carrying them is refused with its reason and the rest of the batch kept.
    return int(text) if len(text) <= 19 else text


def outbox_records(request, field: str):
    """What the phone sent under `field` of its JSON body (None when it sent nothing there).
    Raises ValueError when the body is not JSON."""
    try:
        payload = json.loads(
            request.body or b"{}", parse_int=_json_int, parse_float=str, parse_constant=str
        )
    except RecursionError as exc:
        raise ValueError("nested too deep") from exc
    return payload.get(field) if isinstance(payload, dict) else None
