"""Segment pages: list, create, view, download, edit, delete."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from clp.access import constituencies_for_user, has_role, role_required
from clp.audit import audit_bulk_read
from clp.exports import formula_safe
from clp.roles import RoleCode
from members.forms.segments import SegmentForm
from members.models import Membership
from members.pagination import IdsFirstPaginator
from members.segments import describe_filters
from members.selectors import (
    EDITORS,
    READERS,
    get_segment_for_editor,
    get_segment_for_user,
    segment_people,
    segments_for_user,
)
from members.services.segments import (
    SegmentInUse,
    segment_delete,
    segment_save,
    segment_update,
    segment_users,
)
from members.views.common import PAGE_SIZE, _csv_response, _export_reason


@role_required(*READERS)
def segment_list(request):
    segments = segments_for_user(request.user)
    return render(request, "members/segment_list.html", {"segments": segments})


@role_required(*READERS)
def segment_create(request):
    form = SegmentForm(request.POST or None, user=request.user)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = segment_people(form.filters(), request.user).count()
            audit_bulk_read(
                actor=request.user,
                what="segment.preview",
                count=preview,
                why="segment builder previewed a count",
                request=request,
                details={"filters": form.filters()},
            )
        else:
            segment = segment_save(
                actor=request.user,
                constituency=constituencies_for_user(request.user, *READERS).first(),
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                filters=form.filters(),
                request=request,
            )
            messages.success(request, f"Saved the segment “{segment.name}”.")
            return redirect("members:segment_detail", pk=segment.pk)
    return render(
        request,
        "members/segment_form.html",
        {"form": form, "preview": preview},
        status=400 if form.errors else 200,
    )


@role_required(*READERS)
def segment_detail(request, pk):
    """The segment's people in the user's areas, 50 a page (the page's rows are logged)."""
    segment = get_segment_for_user(request.user, pk)
    people = segment_people(segment.filters, request.user).order_by("last_name", "first_name", "pk")
    page = IdsFirstPaginator(people, PAGE_SIZE, related=("property", "membership")).get_page(
        request.GET.get("page")
    )
    audit_bulk_read(
        actor=request.user,
        what="segment",
        count=len(page.object_list),
        why="segment page",
        request=request,
        details={"segment": segment.pk, "page": page.number},
    )
    # As get_segment_for_editor decides: the organiser's, or an area organiser's own.
    can_edit = has_role(request.user, *EDITORS) and (
        segment.created_by_id == request.user.pk
        or constituencies_for_user(request.user, RoleCode.ORGANISER)
        .filter(pk=segment.constituency_id)
        .exists()
    )
    return render(
        request,
        "members/segment_detail.html",
        {
            "segment": segment,
            "page": page,
            "count": page.paginator.count,
            "can_edit": can_edit,
            "filter_words": describe_filters(segment.filters),
        },
    )


@role_required(*READERS)
def segment_export(request, pk):
    """The segment's people in the user's areas as CSV, once the user has said why."""
    segment = get_segment_for_user(request.user, pk)
    page, why = _export_reason(
        request,
        title=f"Download “{segment.name}”",
        what="the people of this segment in your areas",
        back=reverse("members:segment_detail", args=[segment.pk]),
    )
    if page is not None:
        return page
    people = (
        segment_people(segment.filters, request.user)
        .select_related("property", "polling_district", "membership")
        .order_by("last_name", "first_name", "pk")
    )
    audit_bulk_read(
        actor=request.user,
        what="segment.export",
        count=people.count(),
        why=why,
        request=request,
        details={"segment": segment.pk, "filters": segment.filters},
    )
    flags = [(label, f"do_not_{name}") for label, name in DO_NOT_COLUMNS]
    rows = (
        [
            p.pk,
            formula_safe(p.title),
            formula_safe(p.first_name),
            formula_safe(p.last_name),
            formula_safe(", ".join(p.property.address_lines)) if p.property_id else "",
            formula_safe(p.property.postcode) if p.property_id else "",
            formula_safe(p.polling_district.code) if p.polling_district_id else "",
            _membership_status(p),
            " ".join(label for label, flag in flags if getattr(p, flag)),
        ]
        for p in people.iterator(chunk_size=2000)
    )
    header = [
        "Person id",
        "Title",
        "First name",
        "Last name",
        "Address",
        "Postcode",
        "Polling district",
        "Membership",
        "Do not contact by",
    ]
    return _csv_response(header, rows, f"segment-{segment.pk}.csv")


DO_NOT_COLUMNS = [
    ("any", "contact"),
    ("email", "email"),
    ("phone", "phone"),
    ("text", "text"),
    ("post", "post"),
    ("door", "canvass"),
]


def _membership_status(person) -> str:
    try:
        return person.membership.get_status_display()
    except Membership.DoesNotExist:
        return ""


@role_required(*EDITORS)
def segment_edit(request, pk):
    segment = get_segment_for_editor(request.user, pk)
    form = SegmentForm(request.POST or None, user=request.user, segment=segment)
    if request.method == "POST" and form.is_valid():
        segment_update(
            actor=request.user,
            segment=segment,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
            filters=form.filters(),
            request=request,
        )
        messages.success(request, f"Saved the segment “{segment.name}”.")
        return redirect("members:segment_detail", pk=segment.pk)
    return render(
        request,
        "members/segment_form.html",
        {"form": form, "segment": segment},
        status=400 if form.errors else 200,
    )


@role_required(*EDITORS)
def segment_delete_view(request, pk):
    """Asks first; refused while anything (a canvass target …) still selects by it."""
    segment = get_segment_for_editor(request.user, pk)
    used_by, status = segment_users(segment), 200
    if request.method == "POST":
        try:
            segment_delete(actor=request.user, segment=segment, request=request)
        except SegmentInUse as refused:
            used_by, status = refused.users, 409
        else:
            messages.success(request, f"Deleted the segment “{segment.name}”.")
            return redirect("members:segment_list")
    return render(
        request,
        "members/segment_delete.html",
        {"segment": segment, "used_by": used_by},
        status=status,
    )
