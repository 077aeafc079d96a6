"""Complaints are read-only in the admin: every change goes through the lifecycle actions."""

from typing import Any

from django.contrib import admin

from complaints.models import AuditAnchor, Complaint, Event
from tousu.admin_base import ReadOnlyAdmin
from triage.pii import mask_payload


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ["number", "state", "severity", "channel", "unit", "received_at"]
    list_filter = ["state", "severity", "channel", "source"]
    search_fields = ["number", "external_ref"]
    # Administrators configure and read no complaint: the customer's words stay in the
    # workspace, for those with a grant on the complaint's unit.
    exclude = ["customer", "content", "claim"]


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["complaint", "seq", "type", "actor_label", "at"]
    list_filter = ["type"]
    search_fields = ["complaint__number"]
    exclude = ["payload"]  # staff's free text: shown masked, as on the complaint's timeline
    readonly_fields = ["shown_payload"]

    @admin.display(description="payload")
    def shown_payload(self, obj: Event) -> Any:
        return mask_payload(obj.payload)


@admin.register(AuditAnchor)
class AuditAnchorAdmin(ReadOnlyAdmin):
    list_display = ["seq", "at", "complaints", "hash"]
