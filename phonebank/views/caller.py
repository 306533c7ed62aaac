"""Callers' pages: my phone banks, join by code, and the call page (one contact at a time)."""

import datetime
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from phonebank.board import caller_totals, team_totals
from phonebank.caller_page import contact_in_hand
from phonebank.forms import CallResultForm, JoinForm
from phonebank.models import CampaignCaller
from phonebank.selectors import campaigns_for_caller, get_campaign_for_caller
from phonebank.services import calls as call_services
from phonebank.services import campaigns as campaign_services
from phonebank.services import queue
from phonebank.telephony import telephony_provider
from phonebank.window import calling_window_open, calling_window_today

SITTING_STARTED = "phonebank:sitting-started"


def _lease(request) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.POST.get("lease", ""))
    except ValueError:
        return None


@login_required
def my_phone_banks(request):
    campaigns = campaigns_for_caller(request.user).order_by("name")
    return render(
        request,
        "phonebank/my_phone_banks.html",
        {"campaigns": campaigns, "join_form": JoinForm()},
    )


@require_POST
@login_required
def join(request):
    form = JoinForm(request.POST)
    if form.is_valid():
        try:
            campaign = campaign_services.campaign_join(
                actor=request.user, code=form.cleaned_data["code"], request=request
            )
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
        else:
            messages.success(request, f"You are a caller for “{campaign.name}”. Thank you!")
            return redirect("phonebank:call", campaign.pk)
    else:
        messages.error(request, "Type the join code your organiser gave you.")
    return redirect("phonebank:my_phone_banks")


@login_required
def join_code(request, code):
    """A join link (sent by the organiser): confirm, then join with the code in it."""
    return render(request, "phonebank/join_confirm.html", {"code": code})


@login_required
def call(request, pk):
    return _call_page(request, get_campaign_for_caller(request.user, pk))


def _call_page(request, campaign, *, form=None, status=200):
    """The call page: the contact in hand with the script and the result form (`form` when a
    result sent back needs correcting), else "Next contact"; the sitting's totals."""
    now = timezone.now()
    context = {"campaign": campaign, "window": calling_window_today(campaign, now)}
    try:
        caller = queue.caller_for(campaign, request.user, now=now)
    except queue.CannotCall as cannot:
        return render(request, "phonebank/call.html", {**context, "cannot": str(cannot)})
    started = request.session.get(SITTING_STARTED, {}).get(str(campaign.pk))
    context.update(
        caller=caller,
        open=calling_window_open(campaign, now) and campaign.status == "active",
        summary=caller_totals(
            campaign,
            request.user,
            since=datetime.datetime.fromisoformat(started) if started else now,
        ),
        team=team_totals(campaign) if caller.shows_totals else None,
        bridged=telephony_provider() is not None,
    )
    held = queue.lease_held(campaign, request.user, now=now)
    if held is not None:
        contact = contact_in_hand(held, campaign, steps=form.steps if form else None)
        if form is None:
            form = CallResultForm(
                campaign=campaign, steps=contact.steps, initial={"lease": held.lease_id}
            )
        context.update(contact=contact, form=form, lease_ends=held.available_at)
    return render(request, "phonebank/call.html", context, status=status)


@require_POST
@login_required
def next_contact(request, pk):
    campaign = get_campaign_for_caller(request.user, pk)
    _hand_out(request, campaign)
    return redirect("phonebank:call", campaign.pk)


def _hand_out(request, campaign) -> None:
    sittings = request.session.setdefault(SITTING_STARTED, {})
    if str(campaign.pk) not in sittings:
        sittings[str(campaign.pk)] = timezone.now().isoformat()
        request.session.modified = True
    try:
        entry = queue.contact_hand_out(campaign=campaign, user=request.user)
    except queue.CannotCall as cannot:
        messages.error(request, str(cannot))
        return
    if entry is None:
        messages.info(
            request,
            "Nobody is left to call right now. Call-backs and second tries come back later.",
        )


@require_POST
@login_required
def record(request, pk):
    campaign = get_campaign_for_caller(request.user, pk)
    held = queue.lease_held(campaign, request.user)
    steps = list(campaign.steps.select_related("question").order_by("position"))
    form = CallResultForm(request.POST, campaign=campaign, steps=steps)
    if not form.is_valid():
        if held is None:
            messages.error(request, "Your time with that contact ran out. Nothing was saved.")
            return redirect("phonebank:call", campaign.pk)
        return _call_page(request, campaign, form=form, status=400)
    data = form.cleaned_data
    result = call_services.CallResult(
        outcome=data["outcome"],
        intention=data.get("intention") or "",
        strength=data.get("strength"),
        answers=form.answers(),
        note=data.get("note", ""),
        call_back_at=data.get("call_back_at"),
    )
    try:
        recorded = call_services.call_record(
            actor=request.user,
            campaign=campaign,
            lease_id=data["lease"],
            result=result,
            request=request,
        )
    except ValidationError as refused:
        if held is not None and held.lease_id == data["lease"]:
            form.add_error(None, refused)
            return _call_page(request, campaign, form=form, status=400)
        messages.error(request, " ".join(refused.messages))
        return redirect("phonebank:call", campaign.pk)
    if recorded.already_saved:
        messages.info(request, "That call was already saved.")
    else:
        messages.success(request, "Saved.")
    if "stop" not in request.POST:
        _hand_out(request, campaign)
    return redirect("phonebank:call", campaign.pk)


@require_POST
@login_required
def release(request, pk):
    campaign = get_campaign_for_caller(request.user, pk)
    if queue.lease_release(
        campaign=campaign, user=request.user, lease_id=request.POST.get("lease")
    ):
        messages.info(request, "Handed back: someone else will call them.")
    return redirect("phonebank:call", campaign.pk)


@require_POST
@login_required
def dialled(request, pk):
    campaign = get_campaign_for_caller(request.user, pk)
    lease = _lease(request)
    if lease:
        call_services.call_dialled(actor=request.user, campaign=campaign, lease_id=lease)
    return HttpResponse(status=204)


@require_POST
@login_required
def bridge(request, pk):
    campaign = get_campaign_for_caller(request.user, pk)
    try:
        call_services.call_bridge(
            actor=request.user,
            campaign=campaign,
            lease_id=_lease(request),
            caller_number=request.POST.get("caller_number", ""),
        )
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, "Your phone will ring in a moment: answer it to be connected.")
    return redirect("phonebank:call", campaign.pk)


@require_POST
@login_required
def totals(request, pk):
    campaign = get_campaign_for_caller(request.user, pk)
    caller = CampaignCaller.objects.filter(campaign=campaign, user=request.user).first()
    if caller is not None:
        campaign_services.caller_totals_show(caller=caller, show=request.POST.get("show") == "1")
    return redirect("phonebank:call", campaign.pk)
