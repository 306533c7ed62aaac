"""The organiser's live board of a phone bank, and pausing, resuming or removing a caller."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from clp.access import role_required
from clp.audit import audit_bulk_read
from clp.roles import ORGANISING_ROLES
from phonebank.board import campaign_board
from phonebank.selectors import get_campaign_caller_for_organiser, get_campaign_for_organiser
from phonebank.services import campaigns as campaign_services

POLL_SECONDS = 10


@require_GET
@role_required(*ORGANISING_ROLES)
def board(request, pk):
    campaign = get_campaign_for_organiser(request.user, pk)
    figures = campaign_board(campaign)
    # The callers' names are personal data read in bulk; logged when the page is opened, not
    # at every poll of the figures.
    audit_bulk_read(
        actor=request.user,
        what="phonebank.board",
        count=len(figures.callers),
        why="organiser opened a phone bank's live board",
        request=request,
        details={"campaign": campaign.pk},
    )
    return render(
        request,
        "phonebank/board.html",
        {
            "campaign": campaign,
            "board": figures,
            "poll_seconds": POLL_SECONDS,
            # Moving figures can be stopped (WCAG 2.2.2), without any script of ours.
            "live": request.GET.get("live") != "off",
        },
    )


@require_GET
@role_required(*ORGANISING_ROLES)
def board_live(request, pk):
    """The board's figures alone, which the page fetches every few seconds; the whole page
    when the address is opened directly."""
    campaign = get_campaign_for_organiser(request.user, pk)
    if not request.htmx:
        return redirect("phonebank:board", pk=campaign.pk)
    return render(
        request,
        "phonebank/_board_live.html",
        {"campaign": campaign, "board": campaign_board(campaign)},
    )


@require_POST
@role_required(*ORGANISING_ROLES)
def caller_pause(request, pk, caller_pk):
    caller = get_campaign_caller_for_organiser(request.user, pk, caller_pk)
    if caller.removed_at:
        messages.error(request, f"{caller.user} was taken off this phone bank.")
    else:
        campaign_services.caller_pause(
            actor=request.user, caller=caller, paused=True, request=request
        )
        messages.success(
            request, f"{caller.user} is paused. Anyone they were calling is back in the queue."
        )
    return redirect("phonebank:board", pk=pk)


@require_POST
@role_required(*ORGANISING_ROLES)
def caller_resume(request, pk, caller_pk):
    caller = get_campaign_caller_for_organiser(request.user, pk, caller_pk)
    if caller.removed_at:
        messages.error(request, f"{caller.user} was taken off this phone bank.")
    else:
        campaign_services.caller_pause(
            actor=request.user, caller=caller, paused=False, request=request
        )
        messages.success(request, f"{caller.user} can call again.")
    return redirect("phonebank:board", pk=pk)


@require_POST
@role_required(*ORGANISING_ROLES)
def caller_remove(request, pk, caller_pk):
    caller = get_campaign_caller_for_organiser(request.user, pk, caller_pk)
    if not caller.removed_at:
        campaign_services.caller_remove(actor=request.user, caller=caller, request=request)
    messages.success(
        request,
        f"{caller.user} is off this phone bank. Anyone they were calling is back in the queue.",
    )
    return redirect("phonebank:board", pk=pk)
