"""Writes for canvassing, each in one transaction with its audit entry."""

import datetime
import re
import secrets
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from canvassing.models import (
    CanvassCampaign,
    CanvasserProfile,
    CanvassResult,
    Intention,
    Outcome,
    SurveyQuestion,
    Target,
    WalkList,
    WalkListAssignment,
    WalkListEntry,
)
from canvassing.targeting import target_electors
from clp.audit import audit_record, audit_security_event, client_ip

DEFAULT_LEASE_HOURS = 48
MAX_SYNC_BATCH = 500
# Phones' clocks drift: accept a result stamped a little in the future.
CLOCK_SKEW = datetime.timedelta(minutes=10)
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed
# 31**8 ≈ 8.5e11 codes. Lists cut before codes grew from 6 keep their 6-letter codes, which
# still work: a code is looked up as typed, whatever its length.
JOIN_CODE_LENGTH = 8
# Wrong codes allowed per canvasser and per address in a window, before every join from them
# is refused until the window ends (a correct code included, so guessing cannot go on).
JOIN_FAILURE_LIMITS = {"user": 10, "address": 50}
JOIN_FAILURE_WINDOW = 15 * 60


class WalkListTaken(Exception):
    """The walk list is checked out to someone else and their lease has not expired."""


# --- campaigns, questions, targets -------------------------------------------------------------


def campaign_create(
    *,
    actor,
    constituency,
    name: str,
    script: str = "",
    intentions: list[str] | None = None,
    outcomes: list[str] | None = None,
    request=None,
) -> CanvassCampaign:
    """Start a canvass campaign with its script and the codes offered on the doorstep."""
    intentions = [c for c in (intentions or []) if c in Intention.values]
    outcomes = [c for c in (outcomes or []) if c in Outcome.values]
    if CanvassCampaign.objects.filter(constituency=constituency, name=name).exists():
        raise ValidationError(f"There is already a campaign called {name!r}.")
    with transaction.atomic():
        campaign = CanvassCampaign(
            constituency=constituency, name=name, script=script, created_by=actor
        )
        if intentions:
            campaign.intentions = intentions
        if outcomes:
            campaign.outcomes = outcomes
        campaign.save()
        audit_record(
            actor=actor, action="canvass.campaign.create", target=campaign, request=request
        )
    return campaign


def question_add(
    *, actor, campaign, text: str, kind: str, options: list[str], request=None
) -> SurveyQuestion:
    options = _question_options(kind, options)
    with transaction.atomic():
        question = SurveyQuestion.objects.create(
            campaign=campaign,
            text=text,
            kind=kind,
            options=options,
            order=campaign.questions.count() + 1,
        )
        audit_record(actor=actor, action="canvass.question.add", target=campaign, request=request)
    return question


def campaign_update(
    *,
    actor,
    campaign: CanvassCampaign,
    name: str,
    script: str,
    intentions: list[str],
    outcomes: list[str],
    request=None,
) -> CanvassCampaign:
    """Change a campaign's name, script and the codes offered on the doorstep and the sheet.

    Results already recorded keep their codes; phones pick up the change when they next open
    the list with signal.
    """
    intentions = [c for c in Intention.values if c in intentions]
    outcomes = [c for c in Outcome.values if c in outcomes]
    if not intentions or not outcomes:
        raise ValidationError("Offer at least one voting intention and one outcome.")
    if Outcome.SPOKE not in outcomes:
        raise ValidationError("Keep the outcome “Spoke to them”: intentions are recorded with it.")
    clash = CanvassCampaign.objects.filter(constituency=campaign.constituency, name=name)
    if clash.exclude(pk=campaign.pk).exists():
        raise ValidationError(f"There is already a campaign called {name!r}.")
    changes = {
        field: {"from": getattr(campaign, field), "to": value}
        for field, value in {
            "name": name,
            "script": script,
            "intentions": intentions,
            "outcomes": outcomes,
        }.items()
        if getattr(campaign, field) != value
    }
    if not changes:
        return campaign
    with transaction.atomic():
        for field, change in changes.items():
            setattr(campaign, field, change["to"])
        campaign.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor,
            action="canvass.campaign.update",
            target=campaign,
            request=request,
            details={"changes": changes},
        )
    return campaign


def _question_options(kind: str, options: list[str]) -> list[str]:
    options = [o.strip() for o in options if o.strip()]
    if kind != SurveyQuestion.Kind.TEXT and len(options) < 2:
        raise ValidationError("A choice question needs at least two choices, one per line.")
    return options if kind != SurveyQuestion.Kind.TEXT else []


def question_update(
    *, actor, question: SurveyQuestion, text: str, kind: str, options: list[str], request=None
) -> SurveyQuestion:
    """Reword a survey question or change its choices. Answers already given are kept."""
    options = _question_options(kind, options)
    with transaction.atomic():
        before = {"text": question.text, "kind": question.kind, "options": question.options}
        question.text, question.kind, question.options = text, kind, options
        question.save(update_fields=["text", "kind", "options", "updated_at"])
        audit_record(
            actor=actor,
            action="canvass.question.update",
            target=question.campaign,
            request=request,
            details={"question": question.pk, "before": before},
        )
    return question


def question_remove(*, actor, question: SurveyQuestion, request=None) -> None:
    """Stop asking a survey question. Answers already given stay on the results."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="canvass.question.remove",
            target=question.campaign,
            request=request,
            details={"question": question.pk, "text": question.text},
        )
        question.delete()


def target_create(
    *, actor, campaign, name: str, filters: dict, segment=None, request=None
) -> Target:
    with transaction.atomic():
        target = Target.objects.create(
            campaign=campaign, name=name, filters=filters, segment=segment, created_by=actor
        )
        audit_record(
            actor=actor,
            action="canvass.target.create",
            target=target,
            request=request,
            details={"filters": filters},
        )
    return target


# --- walk lists: cutting and ordering ----------------------------------------------------------


_NUMBER_RE = re.compile(r"(\d+)")


def _natural(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p.lower() for p in _NUMBER_RE.split(text or "") if p)


def walk_order_key(prop, elector=None) -> tuple:
    """Sort key for walking: by street; up the odd side, back down the even side; then flat.

    Numbered houses come before named ones on a street; electors with no known address last.
    """
    if prop is None:
        return (2, "", 0, 0, (), (), _elector_key(elector))
    street = prop.street.name if prop.street_id else _street_from_lines(prop.address_lines)
    if prop.house_number is None:
        return (
            0,
            street.lower(),
            2,
            0,
            _natural(" ".join(prop.address_lines)),
            (),
            _elector_key(elector),
        )
    odd = prop.house_number % 2 == 1
    # Odd side walked upwards, even side walked back downwards (negated number).
    number = prop.house_number if odd else -prop.house_number
    return (
        0,
        street.lower(),
        0 if odd else 1,
        number,
        _natural(prop.house_suffix),
        _natural(prop.flat),
        _elector_key(elector),
    )


def _street_from_lines(lines) -> str:
    """Without a linked street, take it from the first line that names one ("12a High St")."""
    for line in lines or []:
        words = [w for w in line.replace(",", " ").split() if not any(c.isdigit() for c in w)]
        if words and words[0].lower() not in ("flat", "apartment", "unit"):
            return " ".join(words)
    return ""


def _elector_key(elector) -> tuple:
    if elector is None:
        return ()
    return (elector.number, elector.suffix)


def _new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


@dataclass
class _Household:
    key: tuple
    electors: list


def walk_lists_cut(
    *,
    actor,
    target: Target,
    polling_district,
    size: int,
    streets: list | None = None,
    request=None,
) -> list[WalkList]:
    """Cut the target's electors in one polling district (and optional streets) into walk lists
    of at most `size` electors, in walk order, never splitting a household.

    Electors already on another list of the same campaign are left out, so two teams do not
    knock the same door for the same campaign.
    """
    if size < 1:
        raise ValidationError("A walk list needs room for at least one elector.")
    electors = target_electors(
        campaign=target.campaign, filters=target.filters, user=actor, segment=target.segment
    ).filter(polling_district=polling_district)
    if streets:
        electors = electors.filter(property__street__in=streets)
    already = WalkListEntry.objects.filter(walk_list__campaign=target.campaign).values("elector")
    electors = electors.exclude(pk__in=already).select_related("property", "property__street")
    households: OrderedDict = OrderedDict()
    for elector in electors:
        group = elector.property_id or f"e{elector.pk}"
        household = households.setdefault(group, _Household(walk_order_key(elector.property), []))
        household.electors.append(elector)
    ordered = sorted(households.values(), key=lambda h: h.key)
    chunks: list[list] = []
    for household in ordered:
        household.electors.sort(key=lambda e: (e.number, e.suffix))
        if chunks and len(chunks[-1]) + len(household.electors) <= size:
            chunks[-1].extend(household.electors)
        else:
            chunks.append(list(household.electors))
    existing = WalkList.objects.filter(campaign=target.campaign, polling_district=polling_district)
    first_number = existing.count() + 1
    created = []
    with transaction.atomic():
        for offset, chunk in enumerate(chunks):
            first = chunk[0].property
            street = first.street.name if first and first.street_id else "mixed streets"
            # The campaign's name too: a volunteer's lists from two campaigns are told apart.
            number = f"{polling_district.code} {first_number + offset}"
            name = f"{target.campaign.name} · {number}: {street}"
            walk_list = _create_walk_list(
                campaign=target.campaign,
                target=target,
                polling_district=polling_district,
                name=name[: WalkList._meta.get_field("name").max_length],
                actor=actor,
            )
            WalkListEntry.objects.bulk_create(
                WalkListEntry(walk_list=walk_list, elector=elector, position=i)
                for i, elector in enumerate(chunk, start=1)
            )
            created.append(walk_list)
        audit_record(
            actor=actor,
            action="canvass.walk_lists.cut",
            target=target,
            request=request,
            details={
                "polling_district": polling_district.code,
                "lists": len(created),
                "electors": sum(len(c) for c in chunks),
            },
        )
    return created


def _create_walk_list(**fields) -> WalkList:
    actor = fields.pop("actor")
    for _ in range(10):
        try:
            with transaction.atomic():
                return WalkList.objects.create(
                    join_code=_new_join_code(), created_by=actor, **fields
                )
        except IntegrityError:
            continue  # the random join code was taken; draw another
    raise RuntimeError("Could not find a free join code.")


# --- leases ------------------------------------------------------------------------------------


def walk_list_checkout(
    *,
    actor,
    walk_list: WalkList,
    holder,
    team: list | None = None,
    hours: int = DEFAULT_LEASE_HOURS,
    request=None,
) -> WalkList:
    """Hand `walk_list` to `holder` (the canvasser, or a team's board runner) for `hours`.

    Raises WalkListTaken if someone else holds an unexpired lease. The check and the hand-out
    are one conditional UPDATE, so of two simultaneous requests exactly one wins.
    """
    now = timezone.now()
    expires = now + datetime.timedelta(hours=hours)
    team = [member for member in (team or []) if member.pk != holder.pk]
    with transaction.atomic():
        won = (
            WalkList.objects.filter(pk=walk_list.pk)
            .filter(
                Q(checked_out_to__isnull=True)
                | Q(lease_expires_at__isnull=True)
                | Q(lease_expires_at__lte=now)
                | Q(checked_out_to=holder)
            )
            .update(checked_out_to=holder, lease_expires_at=expires, updated_at=now)
        )
        if not won:
            raise WalkListTaken(f"{walk_list} is checked out to someone else.")
        WalkListAssignment.objects.filter(walk_list=walk_list, ended_at__isnull=True).update(
            ended_at=now
        )
        WalkListAssignment.objects.bulk_create(
            WalkListAssignment(
                walk_list=walk_list,
                user=user,
                is_board_runner=bool(team) and user.pk == holder.pk,
                started_at=now,
                expires_at=expires,
                assigned_by=actor,
            )
            for user in [holder, *team]
        )
        audit_record(
            actor=actor,
            action="canvass.walk_list.checkout",
            target=walk_list,
            request=request,
            details={
                "holder": holder.email,
                "team": [m.email for m in team],
                "expires_at": expires.isoformat(),
            },
        )
    walk_list.checked_out_to = holder
    walk_list.lease_expires_at = expires
    return walk_list


def walk_list_return(*, actor, walk_list: WalkList, request=None) -> None:
    """End the lease: the list may be handed to someone else."""
    now = timezone.now()
    with transaction.atomic():
        WalkList.objects.filter(pk=walk_list.pk).update(
            checked_out_to=None, lease_expires_at=None, updated_at=now
        )
        WalkListAssignment.objects.filter(walk_list=walk_list, ended_at__isnull=True).update(
            ended_at=now
        )
        audit_record(
            actor=actor, action="canvass.walk_list.return", target=walk_list, request=request
        )
    walk_list.checked_out_to = None
    walk_list.lease_expires_at = None


def walk_lists_release_without_role(*, actor=None, user=None, request=None) -> int:
    """Let go of the walk lists held by people who no longer hold a canvasser role over the
    list's polling district (a role revoked or expired).

    Their assignment ends; when they held the list itself (alone, or as a team's board
    runner), the whole list goes back to unassigned, as if returned, so an organiser can hand
    it to someone else. Each release is audited. `user`: only theirs (a role just revoked);
    otherwise everyone's (the nightly sweep for roles that expired). Returns how many
    assignments ended.
    """
    from clp.access import forget_cached_grants, polling_districts_for_user
    from clp.roles import RoleCode

    now = timezone.now()
    current = WalkListAssignment.objects.filter(ended_at__isnull=True, expires_at__gt=now)
    if user is not None:
        current = current.filter(user=user)
    by_user: dict = {}
    for assignment in current.select_related("user", "walk_list"):
        by_user.setdefault(assignment.user_id, []).append(assignment)
    ended = 0
    for assignments in by_user.values():
        holder = assignments[0].user
        forget_cached_grants(holder)
        allowed = set(
            polling_districts_for_user(holder, RoleCode.CANVASSER).values_list("pk", flat=True)
        )
        lost = [a for a in assignments if a.walk_list.polling_district_id not in allowed]
        for assignment in lost:
            walk_list = assignment.walk_list
            with transaction.atomic():
                if not WalkListAssignment.objects.filter(
                    pk=assignment.pk, ended_at__isnull=True
                ).update(ended_at=now):
                    continue
                ended += 1
                released = WalkList.objects.filter(pk=walk_list.pk, checked_out_to=holder).update(
                    checked_out_to=None, lease_expires_at=None, updated_at=now
                )
                if released:
                    # The team went out with the holder: the list is free again.
                    WalkListAssignment.objects.filter(
                        walk_list=walk_list, ended_at__isnull=True
                    ).update(ended_at=now)
                audit_record(
                    actor=actor,
                    action="canvass.walk_list.release",
                    target=walk_list,
                    request=request,
                    details={
                        "holder": holder.email,
                        "why": "no canvasser role for this polling district any more",
                        "list_unassigned": bool(released),
                    },
                )
    return ended


def _role_ended(*, actor, user, request=None) -> None:
    walk_lists_release_without_role(actor=actor, user=user, request=request)


def walk_list_join(*, actor, code: str, request=None) -> WalkList:
    """A canvasser takes a free walk list by its join code (typed, or scanned from the sheet).

    Wrong codes are audited as security events and counted per canvasser and per address;
    past JOIN_FAILURE_LIMITS every join from them is refused until the window ends.
    """
    from clp.access import polling_districts_for_user
    from clp.roles import RoleCode

    code = re.sub(r"[^A-Za-z0-9]", "", code or "").upper()
    counters = _join_failure_counters(actor, request)
    if _join_limited(counters):
        _join_refused(
            actor=actor, counters=counters, reason="too many wrong codes", request=request
        )
        raise ValidationError(
            "Too many wrong codes. Wait 15 minutes, or ask your organiser to hand you the list."
        )
    walk_list = (
        WalkList.objects.filter(
            join_code=code,
            polling_district__in=polling_districts_for_user(actor, RoleCode.CANVASSER),
        )
        .select_related("polling_district")
        .first()
    )
    if walk_list is None:
        _join_refused(actor=actor, counters=counters, reason="wrong code", request=request)
        raise ValidationError("No walk list in your area has that code. Check it and try again.")
    held = WalkListAssignment.objects.filter(
        walk_list=walk_list, user=actor, ended_at__isnull=True, expires_at__gt=timezone.now()
    ).exists()
    if held:
        return walk_list
    return walk_list_checkout(actor=actor, walk_list=walk_list, holder=actor, request=request)


def _join_failure_counters(actor, request) -> dict[str, str]:
    """Cache keys counting wrong join codes: one per canvasser, one per address."""
    counters = {"user": f"canvassing:join-failures:user:{actor.pk}"}
    address = client_ip(request)
    if address:
        counters["address"] = f"canvassing:join-failures:address:{address}"
    return counters


def _join_limited(counters: dict[str, str]) -> bool:
    counts = cache.get_many(list(counters.values()))
    return any(counts.get(key, 0) >= JOIN_FAILURE_LIMITS[scope] for scope, key in counters.items())


def _join_refused(*, actor, counters: dict[str, str], reason: str, request) -> None:
    """Count a refused join against the canvasser and the address, and audit it."""
    for key in counters.values():
        cache.add(key, 0, JOIN_FAILURE_WINDOW)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, JOIN_FAILURE_WINDOW)
    audit_security_event(
        actor=actor,
        action="canvass.walk_list.join_refused",
        request=request,
        details={"reason": reason},
    )


# --- results -----------------------------------------------------------------------------------

# Ids sent by a phone must fit the database's 64-bit keys.
MAX_ID = 2**63 - 1
LATE_TAKEN_BACK = "Sent after the list was taken back from the canvasser."
LATE_LEASE_ENDED = "Sent after the canvasser's lease on the list ended."


@dataclass
class SyncOutcome:
    accepted: list[str]
    duplicates: list[str]
    rejected: list[dict]
    held_for_review: list[dict]

    def as_dict(self) -> dict:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "held_for_review": self.held_for_review,
        }


class _Reject(Exception):
    pass


def _as_id(value) -> int | None:
    """A database id as a phone sends it: a whole number, or its digits, that fits a key."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    return None


def _storable(text: str) -> str:
    """Text the database can store: no NUL characters, no lone surrogates."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _short(text: str) -> str:
    return text if len(text) <= 20 else text[:20] + "…"


def _text(event: dict, key: str, limit: int) -> str:
    value = event.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Reject(f"“{key}” must be text.")
    return _storable(value)[:limit]


def _event_id(event) -> str:
    value = event.get("id") if isinstance(event, dict) else None
    return value[:64] if isinstance(value, str) else ""


def _recorded_at(value) -> datetime.datetime:
    try:
        recorded_at = parse_datetime(value[:40]) if isinstance(value, str) else None
    except ValueError:  # well formed but impossible, e.g. 30 February
        recorded_at = None
    if recorded_at is None:
        raise _Reject("The result has no valid time.")
    try:
        if timezone.is_naive(recorded_at):
            recorded_at = timezone.make_aware(recorded_at, datetime.UTC)
        return recorded_at.astimezone(datetime.UTC)
    except (OverflowError, ValueError) as exc:
        raise _Reject("The result has no valid time.") from exc


def _lease_end(assignment) -> datetime.datetime:
    return min(assignment.expires_at, assignment.ended_at or assignment.expires_at)


def _late_reason(recorded_at, assignments: list, now) -> str:
    """Whether the list was `actor`'s when the result says it was recorded, and how it counts.

    Returns "" when the canvasser holds the list now (the result counts as usual), or the
    reason it waits for review when the list has since been taken back or its lease ended:
    the phone's clock cannot be trusted, so an organiser decides. Raises _Reject when the list
    was not theirs at the time the result gives.
    """
    live = [a for a in assignments if a.ended_at is None and a.expires_at > now]
    ended = [a for a in assignments if a not in live]
    matching = [a for a in live if a.started_at - CLOCK_SKEW <= recorded_at] + [
        a for a in ended if a.started_at - CLOCK_SKEW <= recorded_at <= _lease_end(a) + CLOCK_SKEW
    ]
    if not matching:
        if ended and not live and recorded_at > max(_lease_end(a) for a in ended):
            raise _Reject("Recorded after the list was taken back from you or your lease ended.")
        raise _Reject("This walk list was not assigned to you when the result was recorded.")
    if live:
        return ""
    last = max(matching, key=_lease_end)
    taken_back = last.ended_at is not None and last.ended_at < last.expires_at
    return LATE_TAKEN_BACK if taken_back else LATE_LEASE_ENDED


def _clean_answers(raw, questions: dict) -> dict:
    if not raw:
        return {}
    if not isinstance(raw, dict):
        raise _Reject("Survey answers must be a set of question → answer.")
    answers = {}
    for key, value in raw.items():
        question = questions.get(key)
        if question is None:
            raise _Reject(f"Question {_short(key)} is not in this campaign.")
        if value in ("", None, []):
            continue
        if question.kind == SurveyQuestion.Kind.TEXT:
            if not isinstance(value, str):
                raise _Reject(f"The answer to “{question.text}” must be text.")
            answers[key] = _storable(value)[:500]
        elif question.kind == SurveyQuestion.Kind.SINGLE:
            if not isinstance(value, str) or value not in question.options:
                raise _Reject(f"That is not a choice for “{question.text}”.")
            answers[key] = value
        else:
            values = value if isinstance(value, list) else [value]
            if any(not isinstance(v, str) or v not in question.options for v in values):
                raise _Reject(f"Not all answers are choices for “{question.text}”.")
            answers[key] = values
    return answers


def _build_result(event: dict, *, actor, lists, assignments, entries, questions, review, now):
    try:
        result_id = uuid.UUID(event["id"]) if isinstance(event.get("id"), str) else None
    except ValueError:
        result_id = None
    if result_id is None:
        raise _Reject("The result has no valid id.")
    list_id, elector_id = _as_id(event.get("walk_list")), _as_id(event.get("elector"))
    if list_id is None or elector_id is None:
        raise _Reject("The result does not say which list and elector it is for.")
    walk_list = lists.get(list_id)
    if walk_list is None:
        raise _Reject("That walk list does not exist.")
    recorded_at = _recorded_at(event.get("recorded_at"))
    if recorded_at > now + CLOCK_SKEW:
        raise _Reject("The result is dated in the future; check the phone's clock.")
    late = _late_reason(recorded_at, assignments.get(list_id, []), now)
    person_id = entries.get((list_id, elector_id))
    if person_id is None:
        raise _Reject("That elector is not on this walk list.")
    campaign = walk_list.campaign
    outcome = _text(event, "outcome", 100)
    if outcome not in campaign.outcomes:
        raise _Reject(f"{_short(outcome)!r} is not an outcome in this campaign.")
    intention = _text(event, "intention", 100)
    if intention and intention not in campaign.intentions:
        raise _Reject(f"{_short(intention)!r} is not a voting intention in this campaign.")
    if intention and outcome != Outcome.SPOKE:
        raise _Reject("A voting intention needs the outcome “Spoke to them”.")
    strength = event.get("strength")
    if strength in ("", None):
        strength = None
    elif _as_id(strength) is None or not 1 <= _as_id(strength) <= 5:
        raise _Reject("Support strength must be 1 to 5.")
    else:
        strength = _as_id(strength)
    poster = _text(event, "poster", 100)
    if poster not in CanvassResult.Poster.values:
        raise _Reject("Poster must be a window poster or a garden board.")
    return CanvassResult(
        id=result_id,
        campaign_id=campaign.pk,
        walk_list_id=list_id,
        elector_id=elector_id,
        person_id=person_id,
        recorded_by=actor,
        recorded_at=recorded_at,
        received_at=now,
        source=CanvassResult.Source.DOORSTEP,
        outcome=outcome,
        intention=intention,
        strength=strength,
        answers=_clean_answers(event.get("answers"), questions.get(campaign.pk, {})),
        issues=_text(event, "issues", 300),
        wants_postal_vote=event.get("wants_postal_vote") is True,
        wants_to_volunteer=event.get("wants_to_volunteer") is True,
        poster=poster,
        note=_text(event, "note", 2000),
        review_status=CanvassResult.Review.PENDING if late else review,
        review_reason=late,
    )


def _person_outcomes_apply(*, actor, results, request=None) -> None:
    """What counting results say about the person, applied in the results' transaction:
    "deceased" marks them deceased (off every target, list, call queue and mailing), "moved
    away" flags them for the next register. A result waiting for review does nothing until
    it is accepted (results_review). "Do not return" needs no mark on the person: targets
    leave out whoever has such a result in their campaign (targeting.target_electors)."""
    from members.services.people import people_reported_deceased, people_reported_moved_away

    reports: dict[str, dict[int, datetime.date]] = {Outcome.DECEASED: {}, Outcome.MOVED: {}}
    for result in results:
        if result.review_status != CanvassResult.Review.ACCEPTED or result.outcome not in reports:
            continue
        day = timezone.localdate(result.recorded_at)
        seen = reports[result.outcome]
        seen[result.person_id] = min(day, seen.get(result.person_id, day))
    source = "doorstep result"
    if reports[Outcome.DECEASED]:
        people_reported_deceased(
            actor=actor, reports=reports[Outcome.DECEASED], source=source, request=request
        )
    if reports[Outcome.MOVED]:
        people_reported_moved_away(
            actor=actor, reports=reports[Outcome.MOVED], source=source, request=request
        )


def needs_review(user) -> bool:
    return CanvasserProfile.objects.filter(user=user, is_new=True).exists()


def results_sync(*, actor, events: list, request=None) -> SyncOutcome:
    """Store a batch of doorstep results from a phone, each at most once.

    The results are independent observations: each is checked on its own (the list was
    assigned to `actor` when it was recorded, the elector is on the list, the codes are the
    campaign's, every field has the right type) and each bad one is refused with its own reason
    while the good ones are kept. Results sent after the list was taken back from `actor` (or
    their lease ended) are stored but wait for an organiser's review, whatever time they carry.
    Valid results are inserted in one transaction with their client ids as primary keys,
    ignoring ids already stored, so the same batch sent twice, or by two phones, yields one set.
    """
    if not isinstance(events, list):
        raise ValidationError("Send a list of results.")
    if len(events) > MAX_SYNC_BATCH:
        raise ValidationError(f"Send at most {MAX_SYNC_BATCH} results at a time.")
    now = timezone.now()
    fields = [e for e in events if isinstance(e, dict)]
    list_ids = {i for e in fields if (i := _as_id(e.get("walk_list")))}
    elector_ids = {i for e in fields if (i := _as_id(e.get("elector")))}
    lists = {w.pk: w for w in WalkList.objects.filter(pk__in=list_ids).select_related("campaign")}
    assignments: dict[int, list] = {}
    for a in WalkListAssignment.objects.filter(walk_list__in=list_ids, user=actor):
        assignments.setdefault(a.walk_list_id, []).append(a)
    entries = {
        (row["walk_list_id"], row["elector_id"]): row["elector__person_id"]
        for row in WalkListEntry.objects.filter(
            walk_list__in=list_ids, elector__in=elector_ids
        ).values("walk_list_id", "elector_id", "elector__person_id")
    }
    questions: dict[int, dict] = {}
    for question in SurveyQuestion.objects.filter(
        campaign__in={w.campaign_id for w in lists.values()}
    ):
        questions.setdefault(question.campaign_id, {})[str(question.pk)] = question
    review = CanvassResult.Review.PENDING if needs_review(actor) else CanvassResult.Review.ACCEPTED

    built, rejected = [], []
    for event in events:
        if not isinstance(event, dict):
            rejected.append({"id": "", "error": "A result must be a set of fields."})
            continue
        try:
            built.append(
                _build_result(
                    event,
                    actor=actor,
                    lists=lists,
                    assignments=assignments,
                    entries=entries,
                    questions=questions,
                    review=review,
                    now=now,
                )
            )
        except _Reject as exc:
            rejected.append({"id": _event_id(event), "error": str(exc)})
    # One result per id even inside a batch.
    unique = {result.id: result for result in built}
    with transaction.atomic():
        stored = set(CanvassResult.objects.filter(pk__in=unique).values_list("pk", flat=True))
        fresh = [r for pk, r in unique.items() if pk not in stored]
        CanvassResult.objects.bulk_create(fresh, ignore_conflicts=True)
        _person_outcomes_apply(actor=actor, results=fresh, request=request)
        held = [{"id": str(r.id), "reason": r.review_reason} for r in fresh if r.review_reason]
        if fresh or rejected:
            audit_record(
                actor=actor,
                action="canvass.results.sync",
                request=request,
                details={
                    "stored": len(fresh),
                    "held_for_review": len(held),
                    "refused": rejected[:50],
                    "walk_lists": sorted({r.walk_list_id for r in fresh}),
                },
            )
    return SyncOutcome(
        accepted=[str(r.id) for r in fresh],
        duplicates=[str(pk) for pk in unique if pk in stored],
        rejected=rejected,
        held_for_review=held,
    )


# --- paper re-entry ----------------------------------------------------------------------------

# "PV" on the sheet has only ever meant "wants a postal vote"; "POSTAL" is the same and cannot be
# confused with the register's postal-voter marker, which the sheet prints as "Postal voter".
_FLAGS = {"PV": "wants_postal_vote", "POSTAL": "wants_postal_vote", "VOL": "wants_to_volunteer"}
_POSTERS = {"POSTER": CanvassResult.Poster.POSTER, "BOARD": CanvassResult.Poster.BOARD}
_ENO_RE = re.compile(r"^(?:[A-Z]{1,4}-)?(\d+)(?:/(\d+))?$")


@dataclass
class PaperEntryOutcome:
    stored: int
    already_saved: bool  # the same sheet (form) was sent before: nothing stored twice


def _paper_lines(walk_list: WalkList, text: str) -> tuple[list[tuple[int, tuple, dict]], list]:
    """Read typed paper lines: ([(line number, (elector id, person id), fields)], errors).

    Every problem on every line is reported, so the typist fixes the sheet in one go.
    """
    campaign = walk_list.campaign
    entries = {
        (row["elector__number"], row["elector__suffix"]): (
            row["elector_id"],
            row["elector__person_id"],
        )
        for row in WalkListEntry.objects.filter(walk_list=walk_list).values(
            "elector_id", "elector__number", "elector__suffix", "elector__person_id"
        )
    }
    errors, rows = [], []
    for line_no, line in enumerate(text.splitlines(), start=1):
        tokens = line.upper().replace(",", " ").split()
        if not tokens:
            continue
        match = _ENO_RE.match(tokens[0])
        problems = []
        found = None
        if not match:
            problems.append("start with the elector number, e.g. 123 or 123/1.")
        else:
            number, suffix = int(match.group(1)), int(match.group(2) or 0)
            found = entries.get((number, suffix))
            if found is None:
                problems.append(f"elector {tokens[0]} is not on this walk list.")
        fields = {"outcome": "", "intention": "", "strength": None, "poster": ""}
        for token in tokens[1:]:
            if token in campaign.outcomes:
                fields["outcome"] = token
            elif token in campaign.intentions:
                fields["intention"] = token
            elif token.isdigit() and 1 <= int(token) <= 5:
                fields["strength"] = int(token)
            elif token in _FLAGS:
                fields[_FLAGS[token]] = True
            elif token in _POSTERS:
                fields["poster"] = _POSTERS[token]
            else:
                problems.append(f"{token!r} is not a code on the sheet.")
        if fields["intention"] and not fields["outcome"]:
            fields["outcome"] = Outcome.SPOKE
        if not fields["outcome"]:
            problems.append("give an outcome code, e.g. S or NI.")
        elif fields["intention"] and fields["outcome"] != Outcome.SPOKE:
            problems.append("a voting intention needs the outcome S.")
        if problems:
            errors.extend(f"Line {line_no}: {problem}" for problem in problems)
        else:
            rows.append((line_no, found, fields))
    if not rows and not errors:
        errors.append("Type at least one line.")
    return rows, errors


def paper_lines_check(*, walk_list: WalkList, text: str) -> list[str]:
    """The problems with typed paper lines, without saving anything."""
    return _paper_lines(walk_list, text)[1]


def paper_results_enter(
    *,
    actor,
    walk_list: WalkList,
    text: str,
    batch: uuid.UUID,
    on: datetime.date,
    canvassed_by=None,
    request=None,
) -> PaperEntryOutcome:
    """Type paper walk-sheet results back in: one line per elector, e.g. "123/1 S LAB 4 PV".

    The results are the canvasser's (`canvassed_by`: they count in their tallies and history);
    the typist is kept as `entered_by`. All lines are stored or none: every bad line is
    reported with its line number. Ids are derived from the form's batch id and the line, so
    submitting the same form twice stores the lines once, and says so.
    """
    campaign = walk_list.campaign
    rows, errors = _paper_lines(walk_list, text)
    if errors:
        raise ValidationError(errors)
    recorded_at = timezone.make_aware(datetime.datetime.combine(on, datetime.time(12, 0)))
    canvasser = canvassed_by or actor
    results = [
        CanvassResult(
            id=uuid.uuid5(batch, str(line_no)),
            campaign=campaign,
            walk_list=walk_list,
            elector_id=found[0],
            person_id=found[1],
            recorded_by=canvasser,
            entered_by=actor,
            recorded_at=recorded_at,
            source=CanvassResult.Source.PAPER,
            **fields,
        )
        for line_no, found, fields in rows
    ]
    with transaction.atomic():
        stored = set(
            CanvassResult.objects.filter(pk__in=[r.id for r in results]).values_list(
                "pk", flat=True
            )
        )
        fresh = [r for r in results if r.id not in stored]
        if not fresh:
            return PaperEntryOutcome(stored=0, already_saved=True)
        CanvassResult.objects.bulk_create(fresh, ignore_conflicts=True)
        _person_outcomes_apply(actor=actor, results=fresh, request=request)
        audit_record(
            actor=actor,
            action="canvass.results.paper_entry",
            target=walk_list,
            request=request,
            details={
                "stored": len(fresh),
                "canvassed_by": canvasser.pk if canvasser else None,
                "on": on.isoformat(),
            },
        )
    return PaperEntryOutcome(stored=len(fresh), already_saved=bool(stored))


# --- review ------------------------------------------------------------------------------------


def results_review(*, actor, results, accept: bool, request=None) -> int:
    """Accept (they count) or reject (they never count) results waiting for review."""
    status = CanvassResult.Review.ACCEPTED if accept else CanvassResult.Review.REJECTED
    with transaction.atomic():
        ids = list(
            results.filter(review_status=CanvassResult.Review.PENDING).values_list("pk", flat=True)
        )
        changed = CanvassResult.objects.filter(pk__in=ids).update(
            review_status=status, reviewed_by=actor, reviewed_at=timezone.now()
        )
        if accept:
            # What the results say about the person applies now that they count.
            _person_outcomes_apply(
                actor=actor,
                results=CanvassResult.objects.filter(
                    pk__in=ids, outcome__in=[Outcome.DECEASED, Outcome.MOVED]
                ),
                request=request,
            )
        audit_record(
            actor=actor,
            action=f"canvass.results.{'accept' if accept else 'reject'}",
            request=request,
            details={"count": changed, "ids": [str(i) for i in ids[:100]]},
        )
    return changed


def canvasser_flag(*, actor, user, is_new: bool, request=None) -> CanvasserProfile:
    """Mark a volunteer as new (their results wait for review) or trusted."""
    with transaction.atomic():
        profile, _ = CanvasserProfile.objects.get_or_create(user=user)
        profile.is_new = is_new
        profile.save(update_fields=["is_new", "updated_at"])
        audit_record(
            actor=actor,
            action="canvass.canvasser.flag",
            target=user,
            request=request,
            details={"is_new": is_new},
        )
    return profile
