from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm

from clp.access import forget_cached_grants
from clp.audit import audit_bulk_read, audit_record
from clp.models import AuditEntry, Job, Role, RoleGrant, User


class PersonalDataAdmin:
    """Mix into the ModelAdmin of every model holding personal data (PERSONAL_DATA = True):
    each list page, record page and export in the admin is logged as a bulk read, with how many
    records it showed. tests/test_admin_bulk_read_audit.py checks every such admin has it."""

    def _audit_read(self, request, *, count: int, why: str, details: dict):
        audit_bulk_read(
            actor=request.user,
            what=f"admin.{self.opts.label_lower}",
            count=count,
            why=why,
            request=request,
            details=details,
        )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            self._audit_read(
                request,
                count=len(changelist.result_list),  # the page shown, evaluated once
                why="admin list",
                details={"matching": changelist.result_count, "query": dict(request.GET.items())},
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            self._audit_read(request, count=1, why="admin record", details={"id": object_id})
        return response

    def get_export_data(self, file_format, request, queryset, **kwargs):
        """django-import-export's admin export (only for admins that also mix in ExportMixin)."""
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        self._audit_read(
            request,
            count=queryset.count(),
            why="admin export",
            details={"format": type(file_format).__name__},
        )
        return data


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class RoleGrantInline(admin.StackedInline):
    # Stacked, with plain selects: a tabular inline's cells and select2's boxes have no labels
    # a screen reader can read, and the table is wider than a phone.
    model = RoleGrant
    fk_name = "user"
    extra = 0
    fields = [
        "role",
        "constituency",
        "ward",
        "branch",
        "polling_district",
        "starts_on",
        "expires_on",
    ]


@admin.register(User)
class UserAdmin(PersonalDataAdmin, DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "full_name"]
    list_filter = ["is_active", "is_staff", "role_grants__role"]
    inlines = [RoleGrantInline]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "password"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("History", {"fields": ["date_joined", "last_login", "invited_by"]}),
    ]
    add_form = UserCreationForm
    add_fieldsets = [(None, {"fields": ["email", "full_name", "password1", "password2"]})]
    readonly_fields = ["date_joined", "last_login", "invited_by"]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # roles are granted once the user exists

    # The admin's change views run in a transaction; audit entries join it.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="user.change" if change else "user.add",
            target=obj,
            request=request,
            details={"fields": sorted(form.changed_data)},
        )

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for grant in formset.deleted_objects:
            audit_record(
                actor=request.user,
                action="role.revoke",
                target=grant.user,
                request=request,
                details={"role": grant.role_id, "area": str(grant.area)},
            )
            grant.delete()
        for grant in instances:
            if grant.pk is None:
                grant.granted_by = request.user
            grant.save()
            audit_record(
                actor=request.user,
                action="role.grant",
                target=grant.user,
                request=request,
                details={
                    "role": grant.role_id,
                    "area": str(grant.area),
                    "expires_on": str(grant.expires_on or ""),
                },
            )
        formset.save_m2m()
        forget_cached_grants(form.instance)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "description"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _NamedBlankFilter(admin.AllValuesFieldListFilter):
    """Lists a blank value as "(none)", not as a link with no text."""

    def choices(self, changelist):
        for choice in super().choices(changelist):
            if choice["display"] == "":
                choice["display"] = "(none)"
            yield choice


@admin.register(AuditEntry)
class AuditEntryAdmin(PersonalDataAdmin, admin.ModelAdmin):
    """Read-only for everyone: the log is append-only."""

    list_display = [
        "at",
        "actor_label",
        "kind",
        "action",
        "target_type",
        "target_repr",
        "ip_address",
    ]
    list_filter = ["kind", "action", ("target_type", _NamedBlankFilter), "at"]
    search_fields = ["actor_label", "action", "target_repr", "target_id", "why"]
    date_hierarchy = "at"
    list_select_related = ["actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "kind",
        "status",
        "progress_done",
        "progress_total",
        "created_by",
        "created_at",
        "finished_at",
    ]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False
