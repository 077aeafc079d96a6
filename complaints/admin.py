"""Complaints are read-only in the admin: every change goes through the lifecycle actions."""

from django.contrib import admin

from complaints.models import Complaint, Event


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that only actions may write: visible in the admin, never edited there."""

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ["number", "state", "severity", "channel", "unit", "received_at"]
    list_filter = ["state", "severity", "channel", "source"]
    search_fields = ["number", "external_ref"]
    exclude = ["customer"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["complaint", "seq", "type", "actor_label", "at"]
    list_filter = ["type"]
    search_fields = ["complaint__number"]
