from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from clp.access import active_grants, has_role, role_required, user_roles
from clp.audit import audit_bulk_read
from clp.forms import InviteForm, RoleExtendForm
from clp.models import Job
from clp.navigation import home_panels_for
from clp.roles import INVITING_ROLES, ORGANISING_ROLES, RoleCode
from clp.selectors import get_role_grant_for_user, users_visible_to
from clp.services import (
    job_next_steps,
    job_retry_check,
    job_start,
    may_manage_grant,
    role_extend,
    role_revoke,
    user_invite,
)
from clp.services import job_retry as job_retry_service
from clp.tasks import heartbeat


@login_required
def home(request):
    roles = user_roles(request.user)
    return render(
        request,
        "clp/home.html",
        {
            "roles": roles,
            "user_grants": active_grants(request.user),
            "panels": home_panels_for(request),
            "is_organiser": bool(roles & ORGANISING_ROLES),
            "is_it_manager": RoleCode.IT_MANAGER in roles,
            "is_canvasser": RoleCode.CANVASSER in roles,
            "is_teller": RoleCode.TELLER in roles,
            "is_member": RoleCode.MEMBER in roles,
        },
    )


@require_GET
@never_cache
def healthz(request):
    checks = {"database": "ok", "broker": "not configured"}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        checks["database"] = f"error: {exc.__class__.__name__}"
        healthy = False
    if settings.CELERY_BROKER_URL:
        try:
            from kombu import Connection

            with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["broker"] = f"error: {exc.__class__.__name__}"
            healthy = False
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", **checks}, status=200 if healthy else 503
    )


@role_required(RoleCode.IT_MANAGER)
def system_status(request):
    jobs = Job.objects.select_related("created_by")[:20]
    last_heartbeat = Job.objects.filter(kind="heartbeat", status=Job.Status.SUCCEEDED).first()
    return render(
        request,
        "clp/system_status.html",
        {
            "jobs": jobs,
            "last_heartbeat": last_heartbeat,
            "broker": "Redis"
            if settings.CELERY_BROKER_URL
            else "none (tasks run in the web process)",
            "database": connection.vendor,
        },
    )


@require_POST
@role_required(RoleCode.IT_MANAGER)
def heartbeat_run(request):
    job = job_start(actor=request.user, kind="heartbeat", task=heartbeat, request=request)
    return redirect("clp:job_detail", pk=job.pk)


def get_job_for_user(user, pk) -> Job:
    """The job, if `user` started it or is the IT manager; 404 otherwise."""
    job = get_object_or_404(Job, pk=pk)
    if job.created_by_id != user.pk and not has_role(user, RoleCode.IT_MANAGER):
        raise Http404("No such job.")
    return job


@login_required
def job_detail(request, pk):
    job = get_job_for_user(request.user, pk)
    template = "clp/_job_progress.html" if request.htmx else "clp/job_detail.html"
    return render(request, template, job_context(job, request.user))


def job_context(job, user) -> dict:
    """What clp/_job_progress.html needs, wherever it is included."""
    may_retry, retry_refusal = job_retry_check(job, user) if job else (False, "")
    return {
        "job": job,
        "may_retry": may_retry,
        "retry_refusal": retry_refusal,
        "next_steps": job_next_steps(job, user) if job else [],
    }


@require_POST
@login_required
def job_retry(request, pk):
    """The Retry button of a failed, stalled or long-waiting job; its starter's or the IT
    manager's only (get_job_for_user), and audited."""
    job = get_job_for_user(request.user, pk)
    try:
        started = job_retry_service(actor=request.user, job=job, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if started:
            messages.success(request, "The job has been started again.")
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("clp:job_detail", pk=job.pk)


@role_required(*INVITING_ROLES)
def volunteer_list(request):
    users = list(users_visible_to(request.user))
    audit_bulk_read(
        actor=request.user,
        what="volunteers",
        count=len(users),
        why="volunteer list page",
        request=request,
    )
    return render(request, "clp/volunteer_list.html", _volunteer_context(request, users))


def _volunteer_context(request, users, form=None) -> dict:
    # Each role shown with whether this organiser may revoke or extend it.
    for person in users:
        person.grants = [
            (grant, may_manage_grant(request.user, grant)) for grant in person.role_grants.all()
        ]
    return {
        "users": users,
        "form": form or InviteForm(user=request.user),
        "today": timezone.localdate(),
    }


@require_POST
@role_required(*INVITING_ROLES)
def role_revoke_view(request, pk):
    """Take a role away from a volunteer, without the admin."""
    grant = get_role_grant_for_user(request.user, pk)
    role_revoke(actor=request.user, grant=grant, request=request)
    messages.success(request, f"{grant.user}: {grant.role.name} ({grant.area}) revoked.")
    return redirect("clp:volunteer_list")


@require_POST
@role_required(*INVITING_ROLES)
def role_extend_view(request, pk):
    """Move the end date of a volunteer's role, without the admin."""
    grant = get_role_grant_for_user(request.user, pk)
    form = RoleExtendForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the new end date.")
        return redirect("clp:volunteer_list")
    try:
        role_extend(
            actor=request.user,
            grant=grant,
            expires_on=form.cleaned_data["expires_on"],
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"{grant.user}: {grant.role.name} ({grant.area}) now ends on "
            f"{grant.expires_on:%-d %b %Y}.",
        )
    return redirect("clp:volunteer_list")


@require_POST
@role_required(*INVITING_ROLES)
def volunteer_invite(request):
    form = InviteForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            invited = user_invite(actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Invitation sent to {invited.email}.")
            return redirect("clp:volunteer_list")
    return render(
        request,
        "clp/volunteer_list.html",
        _volunteer_context(request, list(users_visible_to(request.user)), form),
        status=400,
    )


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)
