from django.contrib import admin

from org.models import ApiKey, OrgUnit, RoleGrant


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "approval_limit", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]
    readonly_fields = ["path"]


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "unit__code"]
    autocomplete_fields = ["unit"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are issued with `manage.py create_api_key` (the secret is shown once); here they can
    be reviewed and deactivated."""

    list_display = ["name", "prefix", "unit", "scopes", "active", "created_at"]
    list_filter = ["active"]
    readonly_fields = ["name", "prefix", "key_hash", "scopes", "unit", "created_at"]

    def has_add_permission(self, request: object) -> bool:
        return False
