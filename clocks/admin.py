from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from clocks.choices import BankDayKind
from clocks.models import ClosureDay, Deadline
from tousu.admin_base import ReadOnlyAdmin


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    list_display = ["complaint", "obligation", "rule_pack", "due_at", "status", "warn_stage"]
    list_filter = ["rule_pack", "obligation", "status"]
    search_fields = ["complaint__number"]


@admin.register(ClosureDay)
class ClosureDayAdmin(admin.ModelAdmin):
    """The bank's own closure days, and open days on listed holidays (us only), per calendar.
    They count for deadlines computed after the change (stored deadlines are not recomputed)."""

    list_display = ["day", "calendar", "kind", "reason"]
    list_filter = ["calendar", "kind"]
    date_hierarchy = "day"
    search_fields = ["reason"]

    def save_model(self, request: HttpRequest, obj: ClosureDay, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if obj.kind == BankDayKind.OPEN:
            self.message_user(request, "营业日只影响此后计算的期限，已计算的期限不会提前 / an open "
                                       "day counts only for deadlines computed from now on: the "
                                       "deadlines already running do not move", messages.WARNING)
            return
        self.message_user(request, "停业日只影响此后计算的期限，已计算的期限不会顺延 / a closure "
                                   "day counts only for deadlines computed from now on: the "
                                   "deadlines already running do not move", messages.WARNING)
