"""Organisers' pages: campaigns, targeting, walk lists, sheets, paper entry, review."""

import datetime

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from canvassing import selectors
from canvassing.forms import (
    AssignForm,
    CampaignEditForm,
    CampaignForm,
    CutForm,
    FlagForm,
    PaperEntryForm,
    QuestionForm,
    TargetForm,
)
from canvassing.models import WalkList
from canvassing.progress import campaign_progress
from canvassing.services import campaigns as campaign_services
from canvassing.services import results as result_services
from canvassing.services import walk_lists as walk_list_services
from canvassing.targeting import target_counts, target_electors
from canvassing.views.doorstep import _households
from clp.access import role_required
from clp.audit import audit_bulk_read
from clp.roles import ORGANISING_ROLES
from members.forms.segments import BankQuestionForm
from members.services.contacts import RECENT_DAYS, question_update

# --- targeting (organisers) --------------------------------------------------------------------


@role_required(*ORGANISING_ROLES)
def campaign_list(request):
    campaigns = selectors.campaigns_for_user(request.user).select_related("constituency")
    return render(
        request,
        "canvassing/campaign_list.html",
        {"campaigns": campaigns, "form": CampaignForm(user=request.user)},
    )


@require_POST
@role_required(*ORGANISING_ROLES)
def campaign_create(request):
    form = CampaignForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            campaign = campaign_services.campaign_create(
                actor=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error("name", exc)
        else:
            messages.success(request, f"Campaign “{campaign}” created.")
            return redirect("canvassing:campaign_detail", pk=campaign.pk)
    campaigns = selectors.campaigns_for_user(request.user)
    return render(
        request, "canvassing/campaign_list.html", {"campaigns": campaigns, "form": form}, status=400
    )


def _campaign_page(request, campaign, *, question_form=None, target_form=None, status=200):
    walk_lists = selectors.walk_list_progress(
        selectors.walk_lists_organised_by(request.user).filter(campaign=campaign)
    ).select_related("polling_district", "checked_out_to")
    return render(
        request,
        "canvassing/campaign_detail.html",
        {
            "campaign": campaign,
            "questions": campaign.questions.all(),
            "targets": campaign.targets.all(),
            "walk_lists": walk_lists,
            "question_form": question_form or QuestionForm(campaign=campaign),
            "target_form": target_form or TargetForm(user=request.user, campaign=campaign),
            "progress": campaign_progress(campaign, user=request.user, recent_days=RECENT_DAYS),
            "recent_days": RECENT_DAYS,
            "recently": timezone.now() - datetime.timedelta(days=RECENT_DAYS),
        },
        status=status,
    )


@role_required(*ORGANISING_ROLES)
def campaign_detail(request, pk):
    campaign = selectors.get_campaign_for_user(request.user, pk)
    return _campaign_page(request, campaign)


@require_POST
@role_required(*ORGANISING_ROLES)
def question_add(request, pk):
    campaign = selectors.get_campaign_for_user(request.user, pk)
    form = QuestionForm(request.POST, campaign=campaign)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            campaign_services.question_add(
                actor=request.user,
                campaign=campaign,
                question=data.pop("existing"),
                request=request,
                **data,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Question added.")
            return redirect("canvassing:campaign_detail", pk=campaign.pk)
    return _campaign_page(request, campaign, question_form=form, status=400)


@require_http_methods(["GET", "POST"])
@role_required(*ORGANISING_ROLES)
def campaign_edit(request, pk):
    """The campaign's script, survey questions and the codes it offers, changed by organisers."""
    campaign = selectors.get_campaign_for_user(request.user, pk)
    initial = {
        "name": campaign.name,
        "script": campaign.script,
        "intentions": campaign.intentions,
        "outcomes": campaign.outcomes,
    }
    form = CampaignEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            campaign_services.campaign_update(
                actor=request.user, campaign=campaign, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Campaign saved.")
            return redirect("canvassing:campaign_edit", pk=campaign.pk)
    return render(
        request,
        "canvassing/campaign_edit.html",
        {"campaign": campaign, "form": form, "questions": campaign.questions.all()},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(*ORGANISING_ROLES)
def question_edit(request, pk):
    """Reword the bank question a campaign asks (wherever it is asked), from the campaign."""
    question = selectors.get_question_for_user(request.user, pk)
    bank = question.question
    form = BankQuestionForm(request.POST or None, question=bank)
    if request.method == "POST" and form.is_valid():
        try:
            question_update(actor=request.user, question=bank, request=request, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Question saved.")
            return redirect("canvassing:campaign_edit", pk=question.campaign_id)
    return render(
        request,
        "canvassing/question_edit.html",
        {
            "question": question,
            "campaign": question.campaign,
            "form": form,
            "asked_in": bank.canvass_uses.count(),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@role_required(*ORGANISING_ROLES)
def question_remove(request, pk):
    question = selectors.get_question_for_user(request.user, pk)
    campaign_services.question_remove(actor=request.user, question=question, request=request)
    messages.success(request, f"Question “{question.text}” removed.")
    return redirect("canvassing:campaign_edit", pk=question.campaign_id)


@role_required(*ORGANISING_ROLES)
def target_preview(request, pk):
    """The count a target would reach, for the form's live preview (htmx) — counts only."""
    campaign = selectors.get_campaign_for_user(request.user, pk)
    form = TargetForm(request.GET or None, user=request.user, campaign=campaign)
    counts = None
    if form.is_bound:
        form.fields["name"].required = False
        if form.is_valid():
            counts = target_counts(
                target_electors(
                    campaign=campaign,
                    filters=form.filters(),
                    user=request.user,
                    segment=form.cleaned_data.get("segment"),
                )
            )
            audit_bulk_read(
                actor=request.user,
                what="canvassing.target_preview",
                count=counts["electors"],
                why="organiser previewed a target's count",
                request=request,
                details={"campaign": campaign.pk, "filters": form.filters()},
            )
    # The fragment for the form's htmx preview; a whole page when the link is opened directly.
    template = "canvassing/_target_count.html" if request.htmx else "canvassing/target_preview.html"
    return render(request, template, {"counts": counts, "form": form, "campaign": campaign})


@require_POST
@role_required(*ORGANISING_ROLES)
def target_create(request, pk):
    campaign = selectors.get_campaign_for_user(request.user, pk)
    form = TargetForm(request.POST, user=request.user, campaign=campaign)
    if form.is_valid():
        target = campaign_services.target_create(
            actor=request.user,
            campaign=campaign,
            name=form.cleaned_data["name"],
            filters=form.filters(),
            segment=form.cleaned_data.get("segment"),
            request=request,
        )
        return redirect("canvassing:target_detail", pk=target.pk)
    return _campaign_page(request, campaign, target_form=form, status=400)


def _target_page(request, target, form=None, status=200):
    counts = target_counts(
        target_electors(
            campaign=target.campaign,
            filters=target.filters,
            user=request.user,
            segment=target.segment,
        )
    )
    audit_bulk_read(
        actor=request.user,
        what="canvassing.target",
        count=counts["electors"],
        why="organiser viewed a target's count",
        request=request,
        details={"target": target.pk},
    )
    return render(
        request,
        "canvassing/target_detail.html",
        {
            "target": target,
            "counts": counts,
            "form": form or CutForm(user=request.user, target=target),
            "walk_lists": selectors.walk_list_progress(
                selectors.walk_lists_organised_by(request.user).filter(target=target)
            ).select_related("polling_district", "checked_out_to"),
        },
        status=status,
    )


@role_required(*ORGANISING_ROLES)
def target_detail(request, pk):
    target = selectors.get_target_for_user(request.user, pk)
    chosen = request.GET.get("polling_district")
    form = CutForm(user=request.user, target=target, initial={"polling_district": chosen})
    if request.htmx:
        # The district was changed in the cut form: only its streets are sent back.
        return render(request, "canvassing/_cut_streets.html", {"form": form, "target": target})
    return _target_page(request, target, form)


@require_POST
@role_required(*ORGANISING_ROLES)
def walk_lists_cut(request, pk):
    target = selectors.get_target_for_user(request.user, pk)
    form = CutForm(request.POST, user=request.user, target=target)
    if form.is_valid():
        created = walk_list_services.walk_lists_cut(
            actor=request.user,
            target=target,
            polling_district=form.cleaned_data["polling_district"],
            streets=list(form.cleaned_data["streets"]),
            size=form.cleaned_data["size"],
            skip_recent=form.cleaned_data["skip_recent"],
            request=request,
        )
        if created:
            messages.success(request, f"Cut {len(created)} walk list(s).")
        else:
            messages.warning(
                request,
                "Nobody left to put on a list there: every matching elector is already on one.",
            )
        return redirect("canvassing:target_detail", pk=target.pk)
    return _target_page(request, target, form, status=400)


def _qr_svg(request, walk_list) -> str:
    url = request.build_absolute_uri(reverse("canvassing:join_code", args=[walk_list.join_code]))
    return segno.make(url, error="m").svg_inline(scale=3, omitsize=False)


@role_required(*ORGANISING_ROLES)
def walk_list_detail(request, pk):
    walk_list = selectors.get_walk_list_for_organiser(request.user, pk)
    walk_list = selectors.walk_list_progress(
        WalkList.objects.filter(pk=walk_list.pk)
    ).select_related("campaign", "polling_district", "checked_out_to")[0]
    entries = list(selectors.walk_list_entries(walk_list))
    audit_bulk_read(
        actor=request.user,
        what="canvassing.walk_list",
        count=len(entries),
        why="organiser viewed a walk list",
        request=request,
        details={"walk_list": walk_list.pk},
    )
    return render(
        request,
        "canvassing/walk_list_detail.html",
        {
            "walk_list": walk_list,
            "households": _households(entries),
            "assignments": walk_list.assignments.select_related("user")[:10],
            "assign_form": AssignForm(walk_list=walk_list),
            "qr_svg": _qr_svg(request, walk_list),
        },
    )


@require_POST
@role_required(*ORGANISING_ROLES)
def walk_list_assign(request, pk):
    walk_list = selectors.get_walk_list_for_organiser(request.user, pk)
    form = AssignForm(request.POST, walk_list=walk_list)
    if form.is_valid():
        try:
            walk_list_services.walk_list_checkout(
                actor=request.user,
                walk_list=walk_list,
                holder=form.cleaned_data["canvasser"],
                team=list(form.cleaned_data["team"]),
                hours=form.cleaned_data["hours"],
                request=request,
            )
        except walk_list_services.WalkListTaken:
            messages.error(
                request,
                "This list is checked out to someone else. Take it back first, or wait for the "
                "lease to end.",
            )
        else:
            messages.success(request, f"{walk_list} handed to {form.cleaned_data['canvasser']}.")
    else:
        messages.error(request, "Choose a canvasser from the list.")
    return redirect("canvassing:walk_list_detail", pk=walk_list.pk)


@require_POST
@role_required(*ORGANISING_ROLES)
def walk_list_take_back(request, pk):
    walk_list = selectors.get_walk_list_for_organiser(request.user, pk)
    walk_list_services.walk_list_return(actor=request.user, walk_list=walk_list, request=request)
    messages.success(request, f"{walk_list} is back with you and can be handed out again.")
    return redirect("canvassing:walk_list_detail", pk=walk_list.pk)


@role_required(*ORGANISING_ROLES)
def walk_sheet_pdf(request, pk):
    from weasyprint import HTML

    walk_list = selectors.get_walk_list_for_organiser(request.user, pk)
    entries = list(selectors.walk_list_entries(walk_list))
    audit_bulk_read(
        actor=request.user,
        what="canvassing.walk_sheet_pdf",
        count=len(entries),
        why="printed walk sheet",
        request=request,
        details={"walk_list": walk_list.pk},
    )
    questions = list(walk_list.campaign.questions.all())
    html = render_to_string(
        "canvassing/walk_sheet.html",
        {
            "walk_list": walk_list,
            "campaign": walk_list.campaign,
            "households": _households(entries),
            "qr_svg": _qr_svg(request, walk_list),
            "outcomes": walk_list.campaign.outcome_choices(),
            "intentions": walk_list.campaign.intention_choices(),
            "printed": timezone.localtime(),
            "questions": questions,
            # No., name, notes, the code boxes, 1–5, one per question, the three flags, comments
            "columns": len(walk_list.campaign.outcomes)
            + len(walk_list.campaign.intentions)
            + len(questions)
            + 8,
        },
    )
    pdf = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="walk-sheet-{walk_list.join_code}.pdf"'
    return response


@require_http_methods(["GET", "POST"])
@role_required(*ORGANISING_ROLES)
def paper_entry(request, pk):
    walk_list = selectors.get_walk_list_for_organiser(request.user, pk)
    form = PaperEntryForm(request.POST or None, walk_list=walk_list)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                outcome = result_services.paper_results_enter(
                    actor=request.user,
                    walk_list=walk_list,
                    text=form.cleaned_data["lines"],
                    batch=form.cleaned_data["batch"],
                    on=form.cleaned_data["on"],
                    canvassed_by=form.cleaned_data["canvassed_by"],
                    request=request,
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("lines", message)
            else:
                if outcome.already_saved and not outcome.stored:
                    messages.info(
                        request, "This sheet was already saved. Nothing has been saved twice."
                    )
                else:
                    messages.success(
                        request, f"{outcome.stored} result(s) saved from the paper sheet."
                    )
                return redirect("canvassing:paper_entry", pk=walk_list.pk)
        elif "lines" in form.cleaned_data:
            # Show every problem at once: the lines too, not only the missing date or name.
            for message in result_services.paper_lines_check(
                walk_list=walk_list, text=form.cleaned_data["lines"]
            ):
                form.add_error("lines", message)
        status = 400
    return render(
        request,
        "canvassing/paper_entry.html",
        {
            "walk_list": walk_list,
            "form": form,
            "outcomes": walk_list.campaign.outcome_choices(),
            "intentions": walk_list.campaign.intention_choices(),
        },
        status=status,
    )


@role_required(*ORGANISING_ROLES)
def review_queue(request):
    pending = (
        selectors.pending_results_for_user(request.user)
        .select_related("elector", "recorded_by", "walk_list", "campaign")
        .order_by("recorded_by__email", "recorded_at")[:500]
    )
    audit_bulk_read(
        actor=request.user,
        what="canvassing.review_queue",
        count=len(pending),
        why="organiser reviewed volunteers' results",
        request=request,
    )
    return render(
        request,
        "canvassing/review_queue.html",
        {"pending": pending, "flag_form": FlagForm(user=request.user)},
    )


@require_POST
@role_required(*ORGANISING_ROLES)
def review_decide(request):
    decision = request.POST.get("decision")
    if decision not in ("accept", "reject"):
        messages.error(request, "Choose accept or reject.")
        return redirect("canvassing:review_queue")
    ids = request.POST.getlist("result")
    results = selectors.pending_results_for_user(request.user).filter(pk__in=ids)
    changed = result_services.results_review(
        actor=request.user, results=results, accept=decision == "accept", request=request
    )
    messages.success(request, f"{changed} result(s) {decision}ed.")
    return redirect("canvassing:review_queue")


@require_POST
@role_required(*ORGANISING_ROLES)
def canvasser_flag(request):
    form = FlagForm(request.POST, user=request.user)
    if form.is_valid():
        result_services.canvasser_flag(
            actor=request.user,
            user=form.cleaned_data["user"],
            is_new=form.cleaned_data["is_new"],
            request=request,
        )
        state = "new (results reviewed)" if form.cleaned_data["is_new"] else "trusted"
        messages.success(request, f"{form.cleaned_data['user']} is now {state}.")
    else:
        messages.error(request, "Choose a volunteer.")
    return redirect("canvassing:review_queue")
