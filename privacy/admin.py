from django.contrib import admin
from django.http import HttpRequest

from privacy.models import AccessLog, PurgeRun


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "kind", "channel", "target"]
    list_filter = ["kind", "channel"]
    search_fields = ["actor_label", "target"]


@admin.register(PurgeRun)
class PurgeRunAdmin(ReadOnlyAdmin):
    list_display = ["at", "trigger", "counts"]
    list_filter = ["trigger"]
