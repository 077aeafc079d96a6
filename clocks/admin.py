from django.contrib import admin

from clocks.models import ClosureDay, Deadline
from complaints.admin import ReadOnlyAdmin


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    list_display = ["complaint", "obligation", "rule_pack", "due_at", "status", "warn_stage"]
    list_filter = ["rule_pack", "obligation", "status"]
    search_fields = ["complaint__number"]


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    """The bank's own closure days, per calendar. They count for deadlines computed after the
    change (stored deadlines are not recomputed)."""

    list_display = ["day", "calendar", "reason"]
    list_filter = ["calendar"]
    date_hierarchy = "day"
    search_fields = ["reason"]
