"""The call queue: who a campaign will call, and handing them out one at a time.

`queue_build` puts everyone the campaign selects, with a number we may call, in the queue (one
INSERT … SELECT, however many). `contact_hand_out` gives a caller the next person under a lease
that expires. On Postgres one statement does it in one round trip: the contact the caller holds
already, else the next row claimed with `FOR UPDATE SKIP LOCKED` (fifty callers asking at once
each get a different row without waiting on each other), and whether its number may still be
called. Elsewhere a conditional UPDATE claims the row. Whoever is claimed is checked once more
against the consent rule and the recent-contact rule, since both can change after the list was
built, and set aside if they fail.
"""

import datetime
import re
import uuid
import weakref
from dataclasses import dataclass, field
from functools import cache

from django.db import IntegrityError, connection, transaction
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from clp.access import grants_for, polling_district_scope, polling_districts_for_user
from clp.audit import audit_record
from clp.roles import BROAD_ROLES, ORGANISING_ROLES, RoleCode
from members import consent
from members.models import ContactSummary, Person, PollingDistrict
from members.segments import MEMBER_STATUSES, segment_queryset
from phonebank.models import CallCampaign, CampaignCaller, QueueEntry
from phonebank.window import calling_window_open, calling_window_today

# Claimed entries that turn out not to be callable are set aside, and the next one claimed,
# this many times per request at most.
MAX_SET_ASIDE = 25
# A call-back is kept for the caller who arranged it this long after the time asked.
CALL_BACK_RESERVED = datetime.timedelta(minutes=30)


class CannotCall(Exception):
    """Why this caller cannot be handed a contact now, in words for them."""


@dataclass
class QueueBuilt:
    added: int
    in_queue: int
    skipped: dict[str, int] = field(default_factory=dict)


# --- building -------------------------------------------------------------------------------


def campaign_people(campaign: CallCampaign, *, actor) -> QuerySet:
    """Everyone the campaign selects, within the areas `actor` organises."""
    if campaign.mode == CallCampaign.Mode.SEGMENT and campaign.segment_id:
        people = segment_queryset(campaign.segment)
    else:
        people = Person.objects.current().living().filter(constituency=campaign.constituency_id)
    if campaign.mode == CallCampaign.Mode.MEMBERS:
        statuses = campaign.member_statuses or MEMBER_STATUSES
        tag_ids = list(campaign.tags.values_list("pk", flat=True))
        people = people.filter(membership__status__in=statuses)
        if tag_ids:
            people = people.filter(tags__in=tag_ids).distinct()
    districts = PollingDistrict.objects.filter(constituency=campaign.constituency_id)
    ward_ids = list(campaign.wards.values_list("pk", flat=True))
    district_ids = list(campaign.polling_districts.values_list("pk", flat=True))
    if ward_ids or district_ids:
        districts = districts.filter(Q(ward__in=ward_ids) | Q(pk__in=district_ids))
    if not _organises_whole_clp(actor, campaign) or ward_ids or district_ids:
        scope = polling_district_scope(actor, *ORGANISING_ROLES)
        districts = districts.filter(scope) if scope is not None else districts.none()
        people = people.filter(polling_district__in=districts.values("pk"))
    return people


def _organises_whole_clp(actor, campaign) -> bool:
    return any(
        g.constituency_id == campaign.constituency_id for g in grants_for(actor, *BROAD_ROLES)
    )


def _numbers_to_dial(person) -> QuerySet:
    """A person's numbers we may call, best first: their primary, then mobiles, then others."""
    mobile_first = Case(
        When(kind="mobile", then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        consent.callable_numbers()
        .filter(person=person)
        .order_by("-is_primary", mobile_first, "pk")
        .values_list("pk", flat=True)
    )


def _best_number() -> Subquery:
    return Subquery(_numbers_to_dial(OuterRef("pk"))[:1])


def queue_build(*, actor, campaign: CallCampaign, request=None) -> QueueBuilt:
    """Add everyone the campaign selects who has a number we may call and is not in its queue
    yet. Run again, it adds only those who joined the selection since."""
    people = campaign_people(campaign, actor=actor)
    now = timezone.now()
    # Whether someone has a number we may call is their best number's lookup (an index scan
    # per person), not a second Exists: without statistics, straight after an import, Postgres
    # planned that Exists as a join that compared every person with every number (minutes).
    fresh = (
        people.exclude(Exists(QueueEntry.objects.filter(campaign=campaign, person=OuterRef("pk"))))
        .annotate(best_number=_best_number())
        .values_list("pk", "best_number")
    )
    sql, params = fresh.query.sql_with_params()
    table = QueueEntry._meta.db_table
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Django's own SQL for the selection, wrapped in an INSERT.
            insert = (
                f"INSERT INTO {table} (person_id, phone_id, campaign_id, state, available_at, "  # noqa: S608
                "attempts, last_outcome, skip_reason) "
                f"SELECT picked.*, %s, %s, %s, 0, '', '' FROM ({sql}) picked "
                "WHERE picked.best_number IS NOT NULL"
            )
            cursor.execute(insert, (campaign.pk, QueueEntry.State.WAITING, now, *params))
            added = cursor.rowcount
        campaign.queue_built_at = now
        campaign.save(update_fields=["queue_built_at", "updated_at"])
        audit_record(
            actor=actor,
            action="phonebank.queue_build",
            target=campaign,
            request=request,
            details={"added": added},
        )
    in_queue = QueueEntry.objects.filter(campaign=campaign).count()
    reasons = consent.call_skip_reasons(people)
    reasons.pop("callable_count")
    return QueueBuilt(added=added, in_queue=in_queue, skipped=reasons)


# --- who may call ------------------------------------------------------------------------------


def caller_for(campaign: CallCampaign, user, *, now=None) -> CampaignCaller:
    """The user's place among the campaign's callers, made on first use for holders of the
    caller role; CannotCall says why they may not call for it."""
    from clp.access import polling_districts_for_user
    from clp.roles import RoleCode

    now = now or timezone.now()
    caller = CampaignCaller.objects.filter(campaign=campaign, user=user).first()
    if caller is not None and caller.removed_at:
        raise CannotCall("The organiser has taken you off this phone bank.")
    by_code = caller is not None and caller.joined_by_code and caller.expires_at > now
    if not by_code:
        districts = polling_districts_for_user(user, RoleCode.CALLER).filter(
            constituency=campaign.constituency_id
        )
        if campaign.caller_ward_id:
            districts = districts.filter(ward=campaign.caller_ward_id)
        if not districts.exists():
            raise CannotCall("You are not a caller for this phone bank.")
        if caller is None:
            caller, _ = CampaignCaller.objects.get_or_create(campaign=campaign, user=user)
    if caller.paused_at:
        raise CannotCall("The organiser has paused your calling. They will be in touch.")
    return caller


def _open_for_calls(campaign: CallCampaign, now) -> None:
    if campaign.status != CallCampaign.Status.ACTIVE:
        raise CannotCall(
            {
                CallCampaign.Status.DRAFT: "This phone bank has not started yet.",
                CallCampaign.Status.PAUSED: "The organiser has paused this phone bank.",
                CallCampaign.Status.CLOSED: "This phone bank has finished. Thank you!",
            }[campaign.status]
        )
    if not calling_window_open(campaign, now):
        raise CannotCall(
            f"Calls are made between {calling_window_today(campaign, now)} (UK time) today. "
            "Please come back then."
        )


# --- handing out -------------------------------------------------------------------------------


def lease_held(campaign: CallCampaign, user, *, now=None) -> QueueEntry | None:
    """The contact `user` holds in this campaign, while the lease lasts."""
    now = now or timezone.now()
    return (
        QueueEntry.objects.filter(
            campaign=campaign,
            leased_by=user,
            state=QueueEntry.State.LEASED,
            available_at__gt=now,
        )
        .select_related("phone")
        .first()
    )


def contact_hand_out(*, campaign: CallCampaign, user, now=None) -> QueueEntry | None:
    """Hand `user` the next person to call, under a lease of campaign.lease_minutes; the one
    they hold already if they hold one. None when nobody is left to call now."""
    now = now or timezone.now()
    _open_for_calls(campaign, now)
    if _caller_role_covers(campaign, user):
        _caller_row_made(campaign, user)
    else:
        caller_for(campaign, user, now=now)  # joined by code, or CannotCall says why not
    hand_out = _hand_out_in_one_statement if connection.vendor == "postgresql" else _hand_out
    for _ in range(MAX_SET_ASIDE):
        try:
            with transaction.atomic():
                entry, held = hand_out(campaign, user, now)
        except IntegrityError:
            # The person is held by a lease in another campaign that has run out: free those,
            # then try again.
            _expired_leases_release(now)
            continue
        if entry is None:
            caller_for(campaign, user, now=now)  # paused or taken off: CannotCall says so
            return None
        if held or not _set_aside(entry, campaign, now):
            return entry
    return None


def _caller_row_made(campaign, user) -> None:
    """A role holder's place among the campaign's callers (for the board, and to be paused),
    made on first use; remembered on the user object for the rest of the request."""
    made = user.__dict__.setdefault("_phonebank_caller_rows", set())
    if campaign.pk not in made:
        CampaignCaller.objects.get_or_create(campaign=campaign, user=user)
        made.add(campaign.pk)


def _caller_role_covers(campaign, user) -> bool:
    """Whether a caller-role grant of `user` covers the area the campaign's callers come from
    (its caller ward, else its constituency). CLP and ward grants are read from the grants the
    request has cached; only branch and district grants ask the database."""
    grants = grants_for(user, RoleCode.CALLER)
    for grant in grants:
        if grant.constituency_id == campaign.constituency_id:
            return True
        in_constituency = grant.ward_id and grant.ward.constituency_id == campaign.constituency_id
        if in_constituency and campaign.caller_ward_id in (None, grant.ward_id):
            return True
    if not any(grant.branch_id or grant.polling_district_id for grant in grants):
        return False
    districts = polling_districts_for_user(user, RoleCode.CALLER).filter(
        constituency=campaign.constituency_id
    )
    if campaign.caller_ward_id:
        districts = districts.filter(ward=campaign.caller_ward_id)
    return districts.exists()


def _hand_out(campaign, user, now) -> tuple[QueueEntry | None, bool]:
    """The portable hand-out: the contact held already, else one claimed by a conditional
    UPDATE (`_claim_conditional`), with what `_set_aside` needs to know about them.
    Returns (entry, whether it was held already)."""
    held = lease_held(campaign, user, now=now)
    if held is not None:
        return held, True
    if CampaignCaller.objects.filter(
        Q(paused_at__isnull=False) | Q(removed_at__isnull=False), campaign=campaign, user=user
    ).exists():
        return None, False
    values = {
        "state": QueueEntry.State.LEASED,
        "lease_id": uuid.uuid4(),
        "leased_by_id": user.pk,
        "leased_at": now,
        "available_at": now + datetime.timedelta(minutes=campaign.lease_minutes),
        "dialled_at": None,
    }
    entry_id = _claim_conditional(campaign, user, now, values)
    if entry_id is None:
        return None, False
    entry = QueueEntry.objects.annotate(
        number_ok=Exists(consent.callable_numbers().filter(pk=OuterRef("phone_id"))),
        last_contact=Subquery(
            ContactSummary.objects.filter(person=OuterRef("person_id")).values("contacted_at")
        ),
    ).get(pk=entry_id)
    return entry, False


def _hand_out_in_one_statement(campaign, user, now) -> tuple[QueueEntry | None, bool]:
    """Postgres: the held contact, or a new one claimed, and what `_set_aside` needs, in one
    round trip (fifty callers asking at once spend their time in the database, not in
    building queries). The statement is prepared once per connection: planning it took four
    times as long as running it."""
    hand_out_prepared()
    with connection.cursor() as cursor:
        cursor.execute(
            "EXECUTE phonebank_hand_out (%s, %s, %s, %s, %s)",
            [
                campaign.pk,
                user.pk,
                now,
                uuid.uuid4(),
                now + datetime.timedelta(minutes=campaign.lease_minutes),
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None, False
    (pk, person_id, phone_id, lease_id, leased_at, available_at, last_called_at, held) = row[:8]
    entry = QueueEntry(
        pk=pk,
        campaign=campaign,
        person_id=person_id,
        phone_id=phone_id,
        state=QueueEntry.State.LEASED,
        leased_by_id=user.pk,
        lease_id=lease_id,
        leased_at=leased_at,
        available_at=available_at,
        last_called_at=last_called_at,
    )
    entry.number_ok, entry.last_contact = row[8], row[9]
    return entry, held


# The database connections (psycopg's) on which the hand-out statement is prepared.
_prepared_on: "weakref.WeakSet" = weakref.WeakSet()
_HAND_OUT_PARAMETERS = ("campaign", "user", "now", "lease_id", "available_at")


def hand_out_prepared() -> None:
    """Prepare the hand-out statement on this connection, unless it is already."""
    connection.ensure_connection()
    if connection.connection not in _prepared_on:
        with connection.cursor() as cursor:
            cursor.execute(_hand_out_prepare_sql())
        _prepared_on.add(connection.connection)


@cache
def _hand_out_prepare_sql() -> str:
    """PREPARE for the hand-out statement, with the consent rule's own SQL for "a number we
    may call" (members.consent.callable_numbers, compiled by Django, its values inlined)."""
    callable_sql, callable_params = consent.callable_numbers().values("pk").query.sql_with_params()
    body = _HAND_OUT_SQL.replace(
        "{callable_numbers}", connection.ops.compose_sql(callable_sql, callable_params)
    )
    body = re.sub(r"%\((\w+)\)s", lambda m: f"${_HAND_OUT_PARAMETERS.index(m.group(1)) + 1}", body)
    return f"PREPARE phonebank_hand_out (bigint, bigint, timestamptz, uuid, timestamptz) AS {body}"


# The hand-out in one statement: the contact the caller holds already, if any; else, unless
# the organiser paused them or took them off, the claim above; and for a new claim whether
# its number is one we may call and when the person was last contacted.
_HAND_OUT_SQL = """
    WITH held AS (
        SELECT id, person_id, phone_id, lease_id, leased_at, available_at, last_called_at
        FROM phonebank_queueentry
        WHERE leased_by_id = %(user)s AND campaign_id = %(campaign)s AND state = 'leased'
          AND available_at > %(now)s
        LIMIT 1
    ), blocked AS (
        SELECT 1 FROM phonebank_campaigncaller
        WHERE campaign_id = %(campaign)s AND user_id = %(user)s
          AND (paused_at IS NOT NULL OR removed_at IS NOT NULL)
    ), mine AS (
        SELECT id FROM phonebank_queueentry q
        WHERE reserved_for_id = %(user)s
          AND campaign_id = %(campaign)s AND state IN ('waiting', 'leased')
          AND available_at <= %(now)s
          AND NOT EXISTS (SELECT 1 FROM held) AND NOT EXISTS (SELECT 1 FROM blocked)
          AND NOT EXISTS (
              SELECT 1 FROM phonebank_queueentry other
              WHERE other.person_id = q.person_id AND other.state = 'leased'
                AND other.campaign_id <> q.campaign_id AND other.available_at > %(now)s)
        ORDER BY available_at LIMIT 1
        FOR UPDATE SKIP LOCKED
    ), next_in_line AS (
        SELECT id FROM phonebank_queueentry q
        WHERE campaign_id = %(campaign)s AND state IN ('waiting', 'leased')
          AND available_at <= %(now)s
          AND (reserved_for_id IS NULL OR reserved_until <= %(now)s)
          AND NOT EXISTS (SELECT 1 FROM mine)
          AND NOT EXISTS (SELECT 1 FROM held) AND NOT EXISTS (SELECT 1 FROM blocked)
          AND NOT EXISTS (
              SELECT 1 FROM phonebank_queueentry other
              WHERE other.person_id = q.person_id AND other.state = 'leased'
                AND other.campaign_id <> q.campaign_id AND other.available_at > %(now)s)
        ORDER BY available_at, id LIMIT 1
        FOR UPDATE SKIP LOCKED
    ), claimed AS (
        UPDATE phonebank_queueentry SET state = 'leased', lease_id = %(lease_id)s,
            leased_by_id = %(user)s, leased_at = %(now)s,
            available_at = %(available_at)s, dialled_at = NULL
        WHERE id = (SELECT id FROM mine UNION ALL SELECT id FROM next_in_line LIMIT 1)
        RETURNING id, person_id, phone_id, lease_id, leased_at, available_at, last_called_at
    )
    SELECT handed.*,
        EXISTS (SELECT 1 FROM ({callable_numbers}) may WHERE may.pk = handed.phone_id),
        (SELECT contacted_at FROM members_contactsummary s WHERE s.person_id = handed.person_id)
    FROM (
        SELECT claimed.*, false AS held FROM claimed
        UNION ALL
        SELECT held.*, true FROM held
    ) handed
"""


def _claim_conditional(campaign, user, now, values) -> int | None:
    """The portable claim: pick candidates, then take the first whose row is still claimable
    by an UPDATE that re-checks it (only one concurrent UPDATE can match). When others took
    every candidate first, look again: "nobody left" only when there are no candidates."""
    claimable = Q(
        campaign=campaign,
        state__in=[QueueEntry.State.WAITING, QueueEntry.State.LEASED],
        available_at__lte=now,
    )
    held_elsewhere = QueueEntry.objects.filter(
        person=OuterRef("person"), state=QueueEntry.State.LEASED, available_at__gt=now
    ).exclude(campaign=campaign)
    queue = QueueEntry.objects.filter(claimable).exclude(Exists(held_elsewhere))
    mine = queue.filter(reserved_for=user)
    others = queue.filter(Q(reserved_for__isnull=True) | Q(reserved_until__lte=now))
    for candidates in (mine, others):
        for _ in range(MAX_SET_ASIDE):
            pks = list(candidates.order_by("available_at", "pk").values_list("pk", flat=True)[:10])
            if not pks:
                break
            for pk in pks:
                if QueueEntry.objects.filter(claimable, pk=pk).update(**values):
                    return pk
    return None


def _expired_leases_release(now) -> None:
    QueueEntry.objects.filter(state=QueueEntry.State.LEASED, available_at__lte=now).release(now)


def _set_aside(entry: QueueEntry, campaign, now) -> bool:
    """Set the claimed entry aside if its person may not be called now (they were contacted
    recently by someone else, or have no number we may call any more): until their recent
    contact is old enough, or for good with the reason. True when set aside."""
    free = {"leased_by": None, "lease_id": None, "leased_at": None}
    last_contact = entry.last_contact
    contacted_by_others = last_contact and (
        entry.last_called_at is None or last_contact > entry.last_called_at
    )
    recent_until = (
        last_contact + datetime.timedelta(days=campaign.recent_days) if last_contact else None
    )
    if contacted_by_others and recent_until > now:
        QueueEntry.objects.filter(pk=entry.pk).update(
            state=QueueEntry.State.WAITING, available_at=recent_until, **free
        )
        return True
    if entry.number_ok:
        return False
    other_number = _numbers_to_dial(entry.person_id).first()
    if other_number is not None:
        QueueEntry.objects.filter(pk=entry.pk).update(phone_id=other_number)
        entry.phone_id = other_number
        return False
    person = Person.objects.get(pk=entry.person_id)
    QueueEntry.objects.filter(pk=entry.pk).update(
        state=QueueEntry.State.SKIPPED, skip_reason=_why_not_callable(person), **free
    )
    return True


def _why_not_callable(person) -> str:
    if person.deceased:
        return "Deceased"
    if not person.is_current:
        return "Erased or merged"
    if person.do_not_contact:
        return "Asked not to be contacted"
    if person.do_not_phone:
        return "Asked not to be called"
    return "No number we may call (TPS, refused or wrong)"


def lease_release(*, campaign: CallCampaign, user, lease_id, now=None) -> bool:
    """The caller hands the contact back unused (they cannot call now): it goes back in line.
    One plain statement: callers hand back as often as they take."""
    now = now or timezone.now()
    lease = QueueEntry._meta.get_field("lease_id").get_db_prep_value(lease_id, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE phonebank_queueentry SET state = 'waiting', available_at = %s, "
            "leased_by_id = NULL, lease_id = NULL "
            "WHERE lease_id = %s AND campaign_id = %s AND leased_by_id = %s AND state = 'leased'",
            [now, lease, campaign.pk, user.pk],
        )
        return cursor.rowcount == 1


def leases_release_for(*, campaign: CallCampaign, user) -> int:
    """Free every contact `user` holds in the campaign (they were paused or removed)."""
    return QueueEntry.objects.filter(
        campaign=campaign, leased_by=user, state=QueueEntry.State.LEASED
    ).release(timezone.now())
