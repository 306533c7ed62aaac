"""Writes for accounts, roles and background jobs, each in one transaction with its audit entry."""

import datetime

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clp.access import forget_cached_grants, has_role, polling_districts_for_user
from clp.audit import audit_record
from clp.models import AuditEntry, Job, RoleGrant, User
from clp.roles import INVITING_ROLES, RoleCode

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
        inside = has_role(actor, RoleCode.ORGANISER) and mine.filter(constituency=area).exists()
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


def role_revoke(*, actor, grant: RoleGrant, request=None) -> None:
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


def login_failure_record(*, email: str, request) -> None:
    """Audit a failed login: the address typed and where it came from (the trusted address).

    The login rate limits bound how many of these one address can write.
    """
    email = (email or "").strip().lower()[:254]
    with transaction.atomic():
        audit_record(
            actor=None,
            action="login.failed",
            target=User.objects.filter(email__iexact=email).first() if email else None,
            request=request,
            kind=AuditEntry.Kind.SECURITY,
            details={"email": email},
        )


def mfa_failure_record(*, user: User, request, reauthentication: bool) -> None:
    """Audit a wrong authenticator code (at login, or when confirming a sensitive change)."""
    with transaction.atomic():
        audit_record(
            actor=None if not reauthentication else user,
            action="login.mfa_failed" if not reauthentication else "reauthenticate.mfa_failed",
            target=user,
            request=request,
            kind=AuditEntry.Kind.SECURITY,
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
    with transaction.atomic():
        audit_record(
            actor=user,
            action=action,
            target=user,
            request=request,
            kind=AuditEntry.Kind.SECURITY,
            details=details or {},
        )


def job_start(*, actor, kind: str, params: dict | None = None, task, request=None) -> Job:
    """Record a background job and enqueue `task(job_id)` once the transaction commits."""
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            params=params or {},
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(actor=actor, action=f"job.start:{kind}", target=job, request=request)
        transaction.on_commit(lambda: task.delay(job.pk))
    return job


def job_mark_running(job: Job, *, total: int = 0) -> bool:
    """Claim a queued job for this worker. False when it already finished (a retried task)."""
    claimed = (
        Job.objects.filter(pk=job.pk)
        .exclude(status__in=[Job.Status.SUCCEEDED, Job.Status.FAILED])
        .update(
            status=Job.Status.RUNNING,
            started_at=timezone.now(),
            progress_total=total,
            attempts=job.attempts + 1,
        )
    )
    job.refresh_from_db()
    return bool(claimed)


def job_progress(job: Job, *, done: int, total: int | None = None, message: str = "") -> None:
    job.progress_done = done
    fields = ["progress_done", "updated_at"]
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
    job.progress_done = job.progress_total
    job.save(
        update_fields=["status", "result", "message", "finished_at", "progress_done", "updated_at"]
    )


def job_fail(job: Job, *, message: str) -> None:
    job.status = Job.Status.FAILED
    job.message = message
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "finished_at", "updated_at"])
