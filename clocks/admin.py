from django.contrib import admin

from clocks.models import Deadline


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    list_display = ["complaint", "obligation", "due_at", "status"]
    list_filter = ["obligation", "status"]
    search_fields = ["complaint__number"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
