from django.contrib import admin

from privacy.models import AccessLog, PurgeRun
from tousu.admin_base import ReadOnlyAdmin


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "kind", "channel", "target"]
    list_filter = ["kind", "channel"]
    search_fields = ["actor_label", "target"]


@admin.register(PurgeRun)
class PurgeRunAdmin(ReadOnlyAdmin):
    list_display = ["at", "trigger", "counts"]
    list_filter = ["trigger"]
