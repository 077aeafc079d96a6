from django.contrib import admin

from notify.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["kind", "channel", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["kind", "channel", "status"]
    exclude = ["address"]
    readonly_fields = [f.name for f in Notification._meta.fields if f.name != "address"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
