"""Writes for accounts, roles and background jobs, each in one transaction with its audit entry."""

import datetime
import logging
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import connection, connections, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from clp.access import (
    forget_cached_grants,
    grants_for,
    has_role,
    polling_districts_for_user,
)
from clp.audit import audit_record, audit_security_event
from clp.models import AuditEntry, Job, RoleGrant, User
from clp.roles import INVITING_ROLES, RoleCode

log = logging.getLogger(__name__)

# Only the IT manager may hand out the roles that reach everyone's data.
_ROLES_ONLY_IT_MANAGER_GRANTS = {RoleCode.IT_MANAGER, RoleCode.ORGANISER}


def _check_may_grant(actor, *, role: str, area) -> None:
    if has_role(actor, RoleCode.IT_MANAGER):
        return
    if role in _ROLES_ONLY_IT_MANAGER_GRANTS or not has_role(actor, *INVITING_ROLES):
        raise PermissionDenied("You cannot grant that role.")
    # Organisers may grant within their own areas only.
    from members.models import Constituency, PollingDistrict, Ward

    mine = polling_districts_for_user(actor, RoleCode.ORGANISER, RoleCode.AREA_ORGANISER)
    if isinstance(area, Constituency):
        # Their CLP-wide grant, even before the constituency has any districts.
        whole = {g.constituency_id for g in grants_for(actor, RoleCode.ORGANISER)}
        inside = has_role(actor, RoleCode.ORGANISER) and (
            area.pk in whole or mine.filter(constituency=area).exists()
        )
    elif isinstance(area, Ward):
        inside = not PollingDistrict.objects.filter(ward=area).exclude(pk__in=mine).exists()
    elif isinstance(area, PollingDistrict):
        inside = mine.filter(pk=area.pk).exists()
    else:  # a branch
        inside = (
            not PollingDistrict.objects.filter(ward__branches=area).exclude(pk__in=mine).exists()
        )
    if not inside:
        raise PermissionDenied("You can only grant roles in your own areas.")


def _area_field(area) -> str:
    from members.models import Branch, Constituency, PollingDistrict, Ward

    for model, field in (
        (Constituency, "constituency"),
        (Ward, "ward"),
        (Branch, "branch"),
        (PollingDistrict, "polling_district"),
    ):
        if isinstance(area, model):
            return field
    raise ValidationError("A role is granted for the CLP, a ward, a branch or a polling district.")


def role_grant(
    *,
    actor,
    user: User,
    role: str,
    area,
    expires_on: datetime.date | None = None,
    request=None,
) -> RoleGrant:
    """Give `user` the `role` over `area` (until `expires_on`, if given)."""
    if role not in RoleCode.values:
        raise ValidationError(f"Unknown role {role!r}.")
    if expires_on and expires_on < timezone.localdate():
        raise ValidationError("The expiry date is in the past.")
    if actor is not None:
        _check_may_grant(actor, role=role, area=area)
    with transaction.atomic():
        grant = RoleGrant.objects.create(
            user=user,
            role_id=role,
            expires_on=expires_on,
            granted_by=actor if getattr(actor, "is_authenticated", False) else None,
            **{_area_field(area): area},
        )
        audit_record(
            actor=actor,
            action="role.grant",
            target=user,
            request=request,
            details={"role": role, "area": str(area), "expires_on": str(expires_on or "")},
        )
    forget_cached_grants(user)
    return grant


# Called (actor=, user=, request=) in the transaction of a revoked role, once the grant is
# gone, so that apps let go of what the user held through it (canvassing: walk lists). Expired
# grants are swept by each app's own nightly job (clp/periodic.py).
ROLE_ENDED_HOOKS: list[Callable] = []


def role_ended_hook_register(hook: Callable) -> None:
    if hook not in ROLE_ENDED_HOOKS:
        ROLE_ENDED_HOOKS.append(hook)


def role_revoke(*, actor, grant: RoleGrant, request=None) -> None:
    """Take a role away; whatever the user held through it (walk lists) is released."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="role.revoke",
            target=grant.user,
            request=request,
            details={"role": grant.role_id, "area": str(grant.area)},
        )
        grant.delete()
        forget_cached_grants(grant.user)
        for hook in ROLE_ENDED_HOOKS:
            hook(actor=actor, user=grant.user, request=request)
    forget_cached_grants(grant.user)


def may_manage_grant(actor, grant: RoleGrant) -> bool:
    """Whether `actor` may revoke or extend `grant`: the IT manager any; organisers the roles
    they could grant, in their own areas."""
    try:
        _check_may_grant(actor, role=grant.role_id, area=grant.area)
    except PermissionDenied:
        return False
    return True


def role_extend(*, actor, grant: RoleGrant, expires_on: datetime.date, request=None) -> RoleGrant:
    """Move the end date of a volunteer's role (to keep them on for a new campaign, say)."""
    if expires_on < timezone.localdate():
        raise ValidationError("The new end date is in the past.")
    if actor is not None:
        _check_may_grant(actor, role=grant.role_id, area=grant.area)
    with transaction.atomic():
        before = grant.expires_on
        grant.expires_on = expires_on
        grant.save(update_fields=["expires_on", "updated_at"])
        audit_record(
            actor=actor,
            action="role.extend",
            target=grant.user,
            request=request,
            details={
                "role": grant.role_id,
                "area": str(grant.area),
                "from": str(before or ""),
                "to": str(expires_on),
            },
        )
    forget_cached_grants(grant.user)
    return grant


def user_invite(
    *,
    actor,
    email: str,
    full_name: str,
    role: str,
    area,
    expires_on: datetime.date | None = None,
    request=None,
) -> User:
    """Create an account for a volunteer, grant a role and email them a link to set a password.

    The email is sent inside the transaction: if it cannot be sent, no account is left behind
    that nobody knows about.
    """
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(f"{email} already has an account; grant them a role instead.")
    with transaction.atomic():
        user = User.objects.create_user(
            email=email, password=None, full_name=full_name.strip(), invited_by=actor
        )
        # The login address, not yet proved: following the invitation link proves it
        # (see login_email_prove_by_link).
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
        audit_record(actor=actor, action="user.invite", target=user, request=request)
        role_grant(
            actor=actor, user=user, role=role, area=area, expires_on=expires_on, request=request
        )
        _send_invitation(user=user, inviter=actor, request=request)
    return user


def invitation_link(user: User, request=None) -> str:
    """A one-use link where an invited volunteer chooses a password (allauth's reset flow)."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    return request.build_absolute_uri(path) if request else path


def _send_invitation(*, user: User, inviter, request) -> None:
    inviter_name = inviter.get_full_name() if inviter else "The IT manager"
    send_mail(
        subject="You are invited to the CLP campaign platform",
        message=(
            f"Hello {user.get_short_name()},\n\n"
            f"{inviter_name} has invited you to the CLP campaign platform. "
            "Choose your password here (the link works once):\n\n"
            f"{invitation_link(user, request)}\n\nYour login is this email address.\n"
        ),
        from_email=None,
        recipient_list=[user.email],
    )


# --- Background jobs ---------------------------------------------------------------------------
# A job row says what a page shows; the Celery message only says "run job N". Messages can be
# lost (Redis restarted) or delivered twice (a late redelivery), and workers can die mid-run, so
# the row decides: a worker claims a job with a conditional UPDATE (job_mark_running), keeps it
# alive with a heartbeat (job_heartbeat), and the sweeper (jobs_sweep, every minute) starts again
# what a dead worker left and sends again what waited too long. See docs/security.md,
# "Background jobs: stalls, retries and lost messages".

STALLED_NOTICE = "The worker stopped while running this job; it has been started again."
RESENT_NOTICE = (
    "No worker had picked this job up, so its message may have been lost (for example when the "
    "message broker restarted); it has been sent again."
)


@dataclass(frozen=True)
class JobKind:
    """What the app that owns a kind of job does when it fails or is started again, so that
    its own record (an import batch) says the same as the job, whoever failed it."""

    on_fail: Callable[[Job], None] | None = None
    # A plain-English reason the job cannot run again (its file was deleted), or "".
    retry_refusal: Callable[[Job], str] | None = None
    on_retry: Callable[[Job], None] | None = None
    # Links to what the user usually does once such a job has finished: (job, user) →
    # [(label, url), …], only to pages that user may open.
    next_steps: Callable[[Job, object], list[tuple[str, str]]] | None = None


_JOB_KINDS: dict[str, JobKind] = {}


def job_kind_register(prefix: str, **hooks) -> None:
    """Called from an app's AppConfig.ready for the jobs whose kind starts with `prefix`."""
    _JOB_KINDS[prefix] = JobKind(**hooks)


def _job_kind(job: Job) -> JobKind:
    for prefix, kind in _JOB_KINDS.items():
        if job.kind.startswith(prefix):
            return kind
    return JobKind()


def _send(job_id: int, task_name: str) -> None:
    """Send "run job N" to the workers. If the broker cannot be reached the job stays waiting
    and the sweeper sends it again, so the page that started it still works."""
    from kombu.exceptions import OperationalError

    from clp.celery import app

    try:
        app.tasks[task_name].delay(job_id)
    except OperationalError:
        log.exception("Could not send job %s; the sweeper will send it again.", job_id)


def login_failure_record(*, email: str, request) -> None:
    """Audit a failed login: the address typed and where it came from (the trusted address).

    The login rate limits bound how many of these one address can write.
    """
    email = (email or "").strip().lower()[:254]
    audit_security_event(
        actor=None,
        action="login.failed",
        target=User.objects.filter(email__iexact=email).first() if email else None,
        request=request,
        details={"email": email},
    )


def mfa_failure_record(*, user: User, request, reauthentication: bool) -> None:
    """Audit a wrong authenticator code (at login, or when confirming a sensitive change)."""
    audit_security_event(
        actor=None if not reauthentication else user,
        action="login.mfa_failed" if not reauthentication else "reauthenticate.mfa_failed",
        target=user,
        request=request,
    )


def login_email_prove_by_link(*, user: User, request=None) -> None:
    """Mark an invited volunteer's address proved once they follow a link sent to it.

    Only when the account has no proved address yet and one address in all: then the link
    (an invitation, or a password reset asked for before first login) can only have gone there.
    """
    addresses = list(EmailAddress.objects.filter(user=user))
    if any(address.verified for address in addresses) or len(addresses) > 1:
        return
    with transaction.atomic():
        if addresses:
            address = addresses[0]
            address.verified = True
            address.primary = True
            address.save(update_fields=["verified", "primary"])
        else:
            EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
        audit_record(
            actor=user,
            action="user.email_verified",
            target=user,
            request=request,
            kind=AuditEntry.Kind.SECURITY,
            details={"email": user.email, "how": "link sent to it"},
        )


def login_email_change_request(*, user: User, new_email: str, request=None) -> None:
    """Audit a request to change the login email and tell the current address at once.

    The new address replaces the old only when its confirmation link is followed (allauth's
    ACCOUNT_CHANGE_EMAIL); the owner hears about it before that can happen.
    """
    from allauth.account.adapter import get_adapter

    current = EmailAddress.objects.get_primary_email(user) or user.email
    login_email_event_record(
        user=user,
        action="user.email_change_requested",
        request=request,
        details={"from": current, "to": new_email},
    )
    if current and current.lower() != new_email.lower():
        get_adapter(request).send_notification_mail(
            "account/email/email_change_requested",
            user,
            context={"from_email": current, "to_email": new_email},
            email=current,
        )


def login_email_event_record(
    *, user: User, action: str, request=None, details: dict | None = None
) -> None:
    """Audit a change to the addresses a person logs in with (added, confirmed, changed...)."""
    audit_security_event(actor=user, action=action, target=user, request=request, details=details)


def job_start(*, actor, kind: str, params: dict | None = None, task, request=None) -> Job:
    """Record a background job and enqueue `task(job_id)` once the transaction commits."""
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            params=params or {},
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            task_name=task.name,
            enqueued_at=timezone.now(),
        )
        audit_record(actor=actor, action=f"job.start:{kind}", target=job, request=request)
        transaction.on_commit(lambda: _send(job.pk, task.name))
    return job


def _silent_since(cutoff: datetime.datetime) -> Q:
    return Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, updated_at__lt=cutoff)


def job_mark_running(job: Job, *, total: int = 0) -> bool:
    """Claim a job for this worker. False when it has finished or another worker is running it
    (a message delivered twice, or redelivered late): only one run of a job ever proceeds.

    A job still marked running whose worker has fallen silent is claimed again, as long as it
    has attempts left (a redelivery that arrives before the sweeper does the sweeper's work).
    """
    now = timezone.now()
    stalled = Q(status=Job.Status.RUNNING, attempts__lt=settings.JOB_MAX_ATTEMPTS) & _silent_since(
        now - datetime.timedelta(seconds=settings.JOB_STALL_SECONDS)
    )
    claimed = (
        Job.objects.filter(pk=job.pk)
        .filter(Q(status=Job.Status.QUEUED) | stalled)
        .update(
            status=Job.Status.RUNNING,
            started_at=now,
            heartbeat_at=now,
            progress_total=total,
            progress_done=0,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    )
    job.refresh_from_db()
    return bool(claimed)


def job_progress(job: Job, *, done: int, total: int | None = None, message: str = "") -> None:
    job.progress_done = done
    job.heartbeat_at = timezone.now()
    fields = ["progress_done", "heartbeat_at", "updated_at"]
    if total is not None:
        job.progress_total = total
        fields.append("progress_total")
    if message:
        job.message = message
        fields.append("message")
    job.save(update_fields=fields)


def job_finish(job: Job, *, result: dict | None = None, message: str = "") -> None:
    job.status = Job.Status.SUCCEEDED
    job.result = result or {}
    job.message = message
    job.finished_at = timezone.now()
    # The total too: another connection may have moved it on since this copy was read.
    job.progress_total = max(job.progress_total, 1)
    job.progress_done = job.progress_total
    job.save(
        update_fields=[
            "status",
            "result",
            "message",
            "finished_at",
            "progress_done",
            "progress_total",
            "updated_at",
        ]
    )


def job_fail(job: Job, *, message: str) -> None:
    """Mark the job failed and tell the app that owns it (an import batch becomes "Failed")."""
    with transaction.atomic():
        job.status = Job.Status.FAILED
        job.message = message
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "message", "finished_at", "updated_at"])
        if hook := _job_kind(job).on_fail:
            hook(job)


def job_wait(job: Job, *, message: str) -> None:
    """The job stopped to ask its user something (nothing done yet): it has not failed, and
    it is not listed as failed; the answer starts a new job."""
    job.status = Job.Status.WAITING
    job.message = message
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "finished_at", "updated_at"])


def job_next_steps(job: Job, user) -> list[tuple[str, str]]:
    """Where `user` may go once `job` has finished, as its app says (or, for a job waiting
    for an answer, where to give it); nothing while it runs or after it failed."""
    if job.status not in (Job.Status.SUCCEEDED, Job.Status.WAITING):
        return []
    hook = _job_kind(job).next_steps
    return hook(job, user) if hook else []


@contextmanager
def job_heartbeat(job: Job, *, every: float | None = None):
    """While the block runs, touch the job's heartbeat every JOB_HEARTBEAT_SECONDS from a
    thread with its own database connection, so a long step that reports no progress still
    reads as alive, and a worker that dies reads as stalled within JOB_STALL_SECONDS.

    The UPDATE skips a row another transaction holds rather than wait for it, so the thread
    never blocks the job's own work. PostgreSQL only (SQLite has one writer at a time).
    """
    if connection.vendor != "postgresql":
        yield
        return
    every = every or settings.JOB_HEARTBEAT_SECONDS
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(every):
                with connections["default"].cursor() as cursor:
                    cursor.execute(
                        "UPDATE clp_job SET heartbeat_at = %s WHERE id IN (SELECT id FROM "
                        "clp_job WHERE id = %s AND status = %s FOR UPDATE SKIP LOCKED)",
                        [timezone.now(), job.pk, Job.Status.RUNNING],
                    )
        except Exception:
            log.exception("The heartbeat of job %s stopped.", job.pk)
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(target=beat, name=f"job-{job.pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def jobs_sweep() -> dict:
    """Start again each running job whose worker has fallen silent (failing it once it has used
    JOB_MAX_ATTEMPTS), and send again each job that has waited JOB_QUEUED_RESEND_SECONDS.

    Every change is a conditional UPDATE on the state the sweep read, so two sweeps at once, or
    a sweep racing a late redelivery, start a job once; the task itself runs a job once whatever
    it receives (job_mark_running). Returns how many jobs it restarted, failed and resent.
    """
    now = timezone.now()
    counts = {"restarted": 0, "failed": 0, "resent": 0}
    stall_cutoff = now - datetime.timedelta(seconds=settings.JOB_STALL_SECONDS)
    for job in Job.objects.filter(status=Job.Status.RUNNING).filter(_silent_since(stall_cutoff)):
        unchanged = Job.objects.filter(
            pk=job.pk,
            status=Job.Status.RUNNING,
            attempts=job.attempts,
            heartbeat_at=job.heartbeat_at,
        )
        with transaction.atomic():
            if job.attempts >= settings.JOB_MAX_ATTEMPTS or not job.task_name:
                message = (
                    f"The worker stopped each of the {job.attempts} times it ran this job, so "
                    "it has not been started again. The IT manager can find why in the "
                    "worker's log; you can then try again."
                )
                if unchanged.update(
                    status=Job.Status.FAILED, message=message, finished_at=now, updated_at=now
                ):
                    job.refresh_from_db()
                    if hook := _job_kind(job).on_fail:
                        hook(job)
                    audit_record(
                        actor=None,
                        action="job.fail:stalled",
                        target=job,
                        details={"attempts": job.attempts},
                    )
                    counts["failed"] += 1
                continue
            if unchanged.update(
                status=Job.Status.QUEUED,
                restarts=F("restarts") + 1,
                notice=STALLED_NOTICE,
                enqueued_at=now,
                updated_at=now,
            ):
                audit_record(
                    actor=None,
                    action="job.restart:stalled",
                    target=job,
                    details={"attempts": job.attempts, "last_heartbeat": str(job.heartbeat_at)},
                )
                transaction.on_commit(partial(_send, job.pk, job.task_name))
                counts["restarted"] += 1
    resend_cutoff = now - datetime.timedelta(seconds=settings.JOB_QUEUED_RESEND_SECONDS)
    waiting = (
        Job.objects.filter(status=Job.Status.QUEUED)
        .exclude(task_name="")
        .filter(
            Q(enqueued_at__lt=resend_cutoff)
            | Q(enqueued_at__isnull=True, created_at__lt=resend_cutoff)
        )
    )
    for job in waiting:
        with transaction.atomic():
            if Job.objects.filter(
                pk=job.pk, status=Job.Status.QUEUED, enqueued_at=job.enqueued_at
            ).update(enqueued_at=now, notice=RESENT_NOTICE, updated_at=now):
                audit_record(actor=None, action="job.resend", target=job)
                transaction.on_commit(partial(_send, job.pk, job.task_name))
                counts["resent"] += 1
    return counts


def job_retry_check(job: Job, user) -> tuple[bool, str]:
    """Whether `user` may start `job` again now, and if not, why (for the job's page).

    A failed job, a stalled one or one that has waited too long may be started again by the
    person who started it or the IT manager, unless its app says it cannot run again.
    """
    if not (job.status == Job.Status.FAILED or job.is_stalled or job.is_stuck_waiting):
        return False, ""
    if not job.task_name:
        return False, "This job cannot be started again from here."
    if job.created_by_id != user.pk and not has_role(user, RoleCode.IT_MANAGER):
        return False, "Only the person who started this job, or the IT manager, can retry it."
    refusal = _job_kind(job).retry_refusal
    reason = refusal(job) if refusal else ""
    return not reason, reason


def job_retry(*, actor, job: Job, request=None) -> bool:
    """Start a failed, stalled or long-waiting job again, with fresh attempts. The caller has
    fetched the job through get_job_for_user. Returns False if someone else already did."""
    allowed, reason = job_retry_check(job, actor)
    if not allowed:
        raise ValidationError(reason or "This job is not stuck or failed, so it needs no retry.")
    now = timezone.now()
    with transaction.atomic():
        if not Job.objects.filter(pk=job.pk, status=job.status, attempts=job.attempts).update(
            status=Job.Status.QUEUED,
            attempts=0,
            restarts=F("restarts") + 1,
            notice=f"Started again by {actor.get_full_name() or actor.email}.",
            message="",
            progress_done=0,
            finished_at=None,
            enqueued_at=now,
            updated_at=now,
        ):
            return False
        job.refresh_from_db()
        if hook := _job_kind(job).on_retry:
            hook(job)
        audit_record(actor=actor, action=f"job.retry:{job.kind}", target=job, request=request)
        transaction.on_commit(partial(_send, job.pk, job.task_name))
    return True
