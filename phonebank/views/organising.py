"""Organisers' pages: phone banks, their settings, call list, script and join code."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from clp.access import role_required
from clp.roles import ORGANISING_ROLES
from members.selectors import tps_status
from phonebank import selectors
from phonebank.forms import CampaignForm, JoinCodeForm, ScriptStepForm
from phonebank.models import QueueEntry
from phonebank.services import campaigns as campaign_services
from phonebank.services import queue


@role_required(*ORGANISING_ROLES)
def campaign_list(request):
    campaigns = (
        selectors.campaigns_for_organiser(request.user)
        .select_related("constituency")
        .annotate(
            queued=Count("queue"),
            left=Count("queue", filter=Q(queue__state__in=["waiting", "leased"])),
        )
    )
    return render(
        request,
        "phonebank/campaign_list.html",
        {"campaigns": campaigns},
    )


@require_http_methods(["GET", "POST"])
@role_required(*ORGANISING_ROLES)
def campaign_create(request):
    form = CampaignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaign_services.campaign_create(
                actor=request.user,
                constituency=form.cleaned_data["constituency"],
                values=form.settings(),
                request=request,
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, "Phone bank set up. Build its call list next.")
            return redirect("phonebank:campaign_detail", campaign.pk)
    return render(request, "phonebank/campaign_edit.html", {"form": form, "campaign": None})


@role_required(*ORGANISING_ROLES)
def campaign_detail(request, pk):
    campaign = selectors.get_campaign_for_organiser(request.user, pk)
    states = dict(
        QueueEntry.objects.filter(campaign=campaign)
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    return render(
        request,
        "phonebank/campaign_detail.html",
        {
            "campaign": campaign,
            "states": {label: states.get(value, 0) for value, label in QueueEntry.State.choices},
            "queued": sum(states.values()),
            "steps": campaign.steps.select_related("question").order_by("position"),
            "join_form": JoinCodeForm(),
            "join_url": request.build_absolute_uri(
                reverse("phonebank:join_code", args=[campaign.join_code])
            )
            if campaign.join_code
            else "",
            "tps": tps_status(),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(*ORGANISING_ROLES)
def campaign_edit(request, pk):
    campaign = selectors.get_campaign_for_organiser(request.user, pk)
    form = CampaignForm(request.POST or None, user=request.user, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            campaign_services.campaign_update(
                actor=request.user, campaign=campaign, values=form.settings(), request=request
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, "Saved. Rebuild the call list if you changed whom to call.")
            return redirect("phonebank:campaign_detail", campaign.pk)
    return render(request, "phonebank/campaign_edit.html", {"form": form, "campaign": campaign})


@require_POST
@role_required(*ORGANISING_ROLES)
def queue_build(request, pk):
    campaign = selectors.get_campaign_for_organiser(request.user, pk)
    built = queue.queue_build(actor=request.user, campaign=campaign, request=request)
    skipped = ", ".join(f"{n} {why.lower()}" for why, n in built.skipped.items() if n)
    if built.in_queue == 0:
        messages.error(
            request,
            "Nobody this phone bank selects has a number we may call"
            + (f". Skipped: {skipped}." if skipped else "."),
        )
    else:
        messages.success(
            request,
            f"Added {built.added} to the call list ({built.in_queue} in all)."
            + (f" Not called: {skipped}." if skipped else ""),
        )
    return redirect("phonebank:campaign_detail", campaign.pk)


@require_POST
@role_required(*ORGANISING_ROLES)
def campaign_status(request, pk):
    campaign = selectors.get_campaign_for_organiser(request.user, pk)
    try:
        campaign_services.campaign_status_set(
            actor=request.user,
            campaign=campaign,
            status=request.POST.get("status"),
            request=request,
        )
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, f"The phone bank is now: {campaign.get_status_display()}.")
    return redirect("phonebank:campaign_detail", campaign.pk)


@require_POST
@role_required(*ORGANISING_ROLES)
def join_code_issue(request, pk):
    campaign = selectors.get_campaign_for_organiser(request.user, pk)
    form = JoinCodeForm(request.POST)
    if form.is_valid():
        code = campaign_services.join_code_issue(
            actor=request.user, campaign=campaign, days=form.cleaned_data["days"], request=request
        )
        messages.success(request, f"New join code: {code}. The old one no longer works.")
    else:
        messages.error(request, "A join code lasts between 1 and 60 days.")
    return redirect("phonebank:campaign_detail", campaign.pk)


@require_POST
@role_required(*ORGANISING_ROLES)
def join_code_end(request, pk):
    campaign = selectors.get_campaign_for_organiser(request.user, pk)
    campaign_services.join_code_end(actor=request.user, campaign=campaign, request=request)
    messages.success(request, "The join code no longer works. Callers who joined keep calling.")
    return redirect("phonebank:campaign_detail", campaign.pk)


@require_http_methods(["GET", "POST"])
@role_required(*ORGANISING_ROLES)
def script_step_add(request, pk):
    campaign = selectors.get_campaign_for_organiser(request.user, pk)
    return _step_form(request, campaign, None)


@require_http_methods(["GET", "POST"])
@role_required(*ORGANISING_ROLES)
def script_step_edit(request, pk):
    step = selectors.get_step_for_organiser(request.user, pk)
    return _step_form(request, step.campaign, step)


def _step_form(request, campaign, step):
    form = ScriptStepForm(request.POST or None, campaign=campaign, step=step)
    if request.method == "POST" and form.is_valid():
        try:
            campaign_services.script_step_save(
                actor=request.user,
                campaign=campaign,
                step=step,
                text=form.cleaned_data["text"],
                question=form.cleaned_data["question"],
                branches=form.cleaned_data["branches"],
                request=request,
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, "Script saved.")
            return redirect("phonebank:campaign_detail", campaign.pk)
    return render(
        request, "phonebank/step_edit.html", {"form": form, "campaign": campaign, "step": step}
    )


@require_POST
@role_required(*ORGANISING_ROLES)
def script_step_remove(request, pk):
    step = selectors.get_step_for_organiser(request.user, pk)
    campaign = step.campaign
    campaign_services.script_step_remove(actor=request.user, step=step, request=request)
    messages.success(request, "Step removed.")
    return redirect("phonebank:campaign_detail", campaign.pk)
