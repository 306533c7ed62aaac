"""People pages: the list, a person's page, and editing details, contacts, membership."""

from django.contrib import messages
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clp.access import has_role, role_required
from clp.audit import audit_bulk_read
from clp.roles import RoleCode
from members import timeline
from members.forms.people import EmailForm, MembershipForm, PeopleFilterForm, PersonForm, PhoneForm
from members.models import ContactEmail, ContactPhone, ContactSummary, Membership
from members.pagination import IdsFirstPaginator
from members.selectors import (
    EDITORS,
    READERS,
    get_person_for_editor,
    get_person_for_user,
    people_for_user,
)
from members.services.people import (
    EditConflict,
    membership_update,
    person_contact_add,
    person_contact_delete,
    person_contact_update,
    person_update,
)
from members.views.common import PAGE_SIZE


@role_required(*READERS)
def people_list(request):
    """Everyone in the user's areas, members not (yet) on the register included."""
    form = PeopleFilterForm(request.GET or None)
    people = people_for_user(request.user)
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("membership") == "any":
        people = people.members()
    elif data.get("membership"):
        people = people.members([data["membership"]])
    if data.get("q"):
        people = people.matching(data["q"])
    people = people.order_by("last_name", "first_name", "pk")
    page = IdsFirstPaginator(people, PAGE_SIZE, related=("property", "membership")).get_page(
        request.GET.get("page")
    )
    audit_bulk_read(
        actor=request.user,
        what="people",
        count=len(page.object_list),
        why="search" if data.get("q") else "list",
        request=request,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/people_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@role_required(*READERS)
def person_detail(request, pk):
    person = get_person_for_user(request.user, pk)
    entries = person.elector_entries.select_related("polling_district", "edition", "property")
    household = []
    if person.property_id:
        household = (
            person.property.people.current().exclude(pk=person.pk).order_by("last_name")[:20]
        )
    audit_bulk_read(
        actor=request.user,
        what="person",
        count=1 + len(household),
        why="person page (and their household)",
        request=request,
        details={"person": person.pk},
    )
    return render(
        request,
        "members/person_detail.html",
        {
            "person": person,
            "entries": entries,
            "emails": person.emails.select_related("consent_recorded_by"),
            "phones": person.phones.select_related("consent_recorded_by"),
            "membership": getattr(person, "membership", None),
            "household": household,
            "events": timeline.events_for(person),
            "contacts": ContactSummary.objects.filter(person=person).first(),
            "tags": person.tags.all(),
            "can_edit": _may_edit(request.user, person),
        },
    )


def _may_edit(user, person) -> bool:
    if not has_role(user, *EDITORS):
        return False
    if not has_role(user, RoleCode.IT_MANAGER):
        return True  # they read people only through editing roles: this one is in their areas
    return people_for_user(user, EDITORS).filter(pk=person.pk).exists()


def _conflict_context(conflict: EditConflict) -> dict:
    return {"conflict": conflict, "changes": conflict.changes}


def _after_conflict(form_class, request, conflict: EditConflict, **kwargs):
    """The user's form as they filled it in, now based on the version that was saved: saving
    it again is a deliberate choice made after seeing what the other person changed."""
    data = request.POST.copy()
    data["version"] = conflict.person.version
    form = form_class(data, **kwargs)
    form.is_valid()
    return form


@role_required(*EDITORS)
def person_edit(request, pk):
    """Details, do-not-contact flags, deceased, tags and notes."""
    person = get_person_for_editor(request.user, pk)
    form = PersonForm(request.POST or None, instance=person)
    context = {"person": person}
    if request.method == "POST" and form.is_valid():
        try:
            changed = person_update(
                actor=request.user,
                person=person,
                changes=form.changes(),
                version=form.cleaned_data["version"],
                request=request,
            )
        except EditConflict as conflict:
            person.refresh_from_db()
            form = _after_conflict(PersonForm, request, conflict, instance=person)
            context.update(_conflict_context(conflict))
        else:
            messages.success(
                request, "Saved." if changed else "Nothing was changed, so nothing was saved."
            )
            return redirect("members:person_detail", pk=person.pk)
    context["form"] = form
    status = 409 if "conflict" in context else 400 if form.errors else 200
    return render(request, "members/person_edit.html", context, status=status)


CONTACT_KINDS = {
    "email": (ContactEmail, EmailForm, "email address"),
    "phone": (ContactPhone, PhoneForm, "phone number"),
}


def _contact_kind(kind: str):
    if kind not in CONTACT_KINDS:
        raise Http404("No such kind of contact detail.")
    return CONTACT_KINDS[kind]


@role_required(*EDITORS)
def person_contact_add_view(request, pk, kind):
    """A new email address or phone number, with its consent."""
    person = get_person_for_editor(request.user, pk)
    _model, form_class, noun = _contact_kind(kind)
    form = form_class(request.POST or None, person=person)
    context = {"person": person, "noun": noun, "adding": True}
    if request.method == "POST" and form.is_valid():
        try:
            person_contact_add(
                actor=request.user,
                person=person,
                kind=kind,
                details=form.details(),
                version=form.cleaned_data["version"],
                request=request,
            )
        except EditConflict as conflict:
            form = _after_conflict(form_class, request, conflict, person=conflict.person)
            context.update(_conflict_context(conflict))
        else:
            messages.success(request, f"Added the {noun}.")
            return redirect("members:person_detail", pk=person.pk)
    context["form"] = form
    status = 409 if "conflict" in context else 400 if form.errors else 200
    return render(request, "members/contact_form.html", context, status=status)


@role_required(*EDITORS)
def person_contact_edit(request, pk, kind, contact_pk):
    """Change a contact detail or record its consent (state, source, wording)."""
    person = get_person_for_editor(request.user, pk)
    model, form_class, noun = _contact_kind(kind)
    contact = get_object_or_404(model, pk=contact_pk, person=person)
    form = form_class(request.POST or None, instance=contact, person=person)
    context = {"person": person, "noun": noun, "contact": contact}
    if request.method == "POST" and form.is_valid():
        try:
            person_contact_update(
                actor=request.user,
                person=person,
                contact=model.objects.get(pk=contact.pk),
                details=form.details(),
                version=form.cleaned_data["version"],
                request=request,
            )
        except EditConflict as conflict:
            contact.refresh_from_db()
            form = _after_conflict(
                form_class, request, conflict, instance=contact, person=conflict.person
            )
            context.update(_conflict_context(conflict))
        else:
            messages.success(request, f"Saved the {noun}.")
            return redirect("members:person_detail", pk=person.pk)
    context["form"] = form
    status = 409 if "conflict" in context else 400 if form.errors else 200
    return render(request, "members/contact_form.html", context, status=status)


@require_POST
@role_required(*EDITORS)
def person_contact_remove(request, pk, kind, contact_pk):
    person = get_person_for_editor(request.user, pk)
    model, _form_class, noun = _contact_kind(kind)
    contact = get_object_or_404(model, pk=contact_pk, person=person)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return HttpResponseBadRequest("The form was incomplete.", content_type="text/plain")
    try:
        person_contact_delete(
            actor=request.user, person=person, contact=contact, version=version, request=request
        )
    except EditConflict as conflict:
        messages.error(request, conflict.message + " Nothing was removed.")
    else:
        messages.success(request, f"Removed the {noun}.")
    return redirect("members:person_detail", pk=person.pk)


@role_required(*EDITORS)
def membership_edit(request, pk):
    """Membership: number, status, branch, arrears, dates, roles held."""
    person = get_person_for_editor(request.user, pk)
    membership = Membership.objects.filter(person=person).first()
    form = MembershipForm(request.POST or None, instance=membership, person=person)
    context = {"person": person, "membership": membership}
    if request.method == "POST" and form.is_valid():
        try:
            membership_update(
                actor=request.user,
                person=person,
                details=form.details(),
                version=form.cleaned_data["version"],
                request=request,
            )
        except EditConflict as conflict:
            form = _after_conflict(
                MembershipForm,
                request,
                conflict,
                instance=Membership.objects.filter(person=person).first(),
                person=conflict.person,
            )
            context.update(_conflict_context(conflict))
        else:
            messages.success(request, "Saved the membership.")
            return redirect("members:person_detail", pk=person.pk)
    context["form"] = form
    status = 409 if "conflict" in context else 400 if form.errors else 200
    return render(request, "members/membership_form.html", context, status=status)
