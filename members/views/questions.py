"""The question bank pages: every question a campaign, phone bank or survey may ask, with
how often it has been answered. Organisers add and reword; area organisers read."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clp.access import constituencies_for_user, has_role, role_required
from clp.roles import RoleCode
from members.forms.segments import BankQuestionForm
from members.models import Review
from members.selectors import READERS, get_question_for_organiser, questions_for_user
from members.services.contacts import question_create, question_update

WRITERS = (RoleCode.ORGANISER,)


@role_required(*READERS)
def question_list(request):
    # The answer counts come with the questions: one query however long the bank.
    questions = (
        questions_for_user(request.user)
        .annotate(answer_count=Count("answers", filter=Q(answers__review_status=Review.ACCEPTED)))
        .order_by("text", "pk")
    )
    return render(
        request,
        "members/question_list.html",
        {"questions": questions, "can_edit": has_role(request.user, *WRITERS)},
    )


def _question_page(request, form, question=None):
    return render(
        request,
        "members/question_form.html",
        {"form": form, "question": question},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@role_required(*WRITERS)
def question_create_view(request):
    form = BankQuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            question = question_create(
                actor=request.user,
                constituency=constituencies_for_user(request.user, *WRITERS).first(),
                text=form.cleaned_data["text"],
                kind=form.cleaned_data["kind"],
                choices=form.cleaned_data["choices"],
                request=request,
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, f"Added “{question.text}” to the question bank.")
            return redirect("members:question_list")
    return _question_page(request, form)


@require_http_methods(["GET", "POST"])
@role_required(*WRITERS)
def question_edit(request, pk):
    question = get_question_for_organiser(request.user, pk)
    form = BankQuestionForm(request.POST or None, question=question)
    if request.method == "POST" and form.is_valid():
        try:
            question_update(
                actor=request.user,
                question=question,
                text=form.cleaned_data["text"],
                kind=form.cleaned_data["kind"],
                choices=form.cleaned_data["choices"],
                request=request,
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, f"Saved “{question.text}”.")
            return redirect("members:question_list")
    return _question_page(request, form, question)
