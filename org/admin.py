from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from org.deactivation import release_uncovered_work_orders, release_work_orders
from org.importer import FileError, ImportResult, RowError, import_units, read_rows
from org.models import ApiKey, OrgUnit, RoleGrant, RoutingRule, Subscription


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV / XLSX (code, name, kind, parent)")


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "approval_limit", "senior_approval_limit",
                    "assignment", "claim_minutes", "active"]
    list_filter = ["kind", "active", "assignment"]
    search_fields = ["code", "name"]
    readonly_fields = ["path"]
    change_list_template = "admin/org/orgunit/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        extra = [path("import/", self.admin_site.admin_view(self.import_view),
                      name="org_orgunit_import")]
        return extra + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a CSV/XLSX of units: all rows or none, with every bad row listed."""
        if not self.has_add_permission(request):
            return redirect("admin:org_orgunit_changelist")
        form = ImportForm(request.POST or None, request.FILES or None)
        errors = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = import_units(read_rows(upload.name, upload.read()))
            except FileError as exc:
                result = ImportResult(errors=[RowError(1, "file", str(exc))])
            if not result.errors:
                for unit, created in result.written:
                    parent = unit.parent.code if unit.parent else "-"
                    log = self.log_addition if created else self.log_change
                    log(request, unit, f"导入 Imported from {upload.name}: {unit.name}, "
                                       f"{unit.kind}, parent {parent}")
                messages.success(request, f"新建 {result.created} 个，更新 {result.updated} 个 / "
                                          f"{result.created} created, {result.updated} updated")
                return redirect("admin:org_orgunit_changelist")
            errors = result.errors
        context = {**self.admin_site.each_context(request), "form": form, "errors": errors,
                   "title": "Import org units", "opts": self.model._meta}
        return TemplateResponse(request, "admin/org/orgunit/import.html", context)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["order", "name", "account_branch", "named_unit", "product_contains", "code",
                    "target", "active"]
    list_editable = ["order", "active"]
    list_display_links = ["name"]
    autocomplete_fields = ["account_branch", "named_unit", "target"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    # A robot's address without a scheme is taken as https (the only scheme allowed).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["unit", "event", "channel", "subtree", "active"]
    list_filter = ["event", "channel", "active"]
    autocomplete_fields = ["unit"]


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    """A staff member who loses the grant their open work orders stand on hands them back to
    their units' queues, as a deactivated one does."""

    list_display = ["user", "role", "unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "unit__code"]
    autocomplete_fields = ["unit"]

    def save_model(self, request: HttpRequest, obj: RoleGrant, form: Any, change: bool) -> None:
        before = RoleGrant.objects.filter(pk=obj.pk).values_list("user_id", flat=True).first()
        super().save_model(request, obj, form, change)
        if change:
            self._release(request, {obj.user_id} | ({before} if before else set()))

    def delete_model(self, request: HttpRequest, obj: RoleGrant) -> None:
        user_id = obj.user_id
        super().delete_model(request, obj)
        self._release(request, {user_id})

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoleGrant]) -> None:
        user_ids = set(queryset.values_list("user_id", flat=True))
        super().delete_queryset(request, queryset)
        self._release(request, user_ids)

    def _release(self, request: HttpRequest, user_ids: set[int]) -> None:
        for user in get_user_model().objects.filter(pk__in=user_ids):
            released = release_uncovered_work_orders(user, by=request.user)  # type: ignore[arg-type]
            if released:
                name = user.get_username()
                messages.warning(request, f"{name} 在其已无权限机构的 {released} 件未办结投诉已退回"
                                          f"所在机构待派，并已通知机构管理岗 / {released} open "
                                          f"complaint(s) held by {name} on units where no grant "
                                          f"covers them any more went back to their units' "
                                          f"queues; the unit managers were told.")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are issued with `manage.py create_api_key` (the secret is shown once); here they can
    be reviewed and deactivated."""

    list_display = ["name", "prefix", "unit", "scopes", "active", "created_at"]
    list_filter = ["active"]
    readonly_fields = ["name", "prefix", "key_hash", "scopes", "unit", "created_at"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False  # revoked, never deleted: the timeline names each key's actions by name


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):  # type: ignore[type-arg]
    """Deactivating a staff member returns their open work orders to their units' queues."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        deactivated = change and "is_active" in form.changed_data and not obj.is_active
        super().save_model(request, obj, form, change)
        if deactivated:
            released = release_work_orders(obj, by=request.user)  # type: ignore[arg-type]
            if released:
                messages.warning(request, f"{obj.get_username()} 的 {released} 件未办结投诉已退回"
                                          f"所在机构待派，并已通知机构管理岗 / {released} open "
                                          f"complaint(s) held by {obj.get_username()} went back "
                                          f"to their units' queues; the unit managers were told.")
