"""The admin-editable lists of the reports: root causes and the assessment rules, posts and
points. Rollup cells and ruling records are derived or written by actions: read-only here."""

from django.contrib import admin

from reports.models import (
    AssessmentPost,
    AssessmentRule,
    AssessmentSetting,
    ReportingBase,
    RootCause,
    RootCauseTag,
    ValidityRuling,
)
from tousu.admin_base import ReadOnlyAdmin
from triage.pii import mask_text


@admin.register(RootCause)
class RootCauseAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "order", "active"]
    list_editable = ["order", "active"]
    search_fields = ["code", "label"]


@admin.register(AssessmentRule)
class AssessmentRuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "source",
        "impact",
        "priority",
        "amount",
        "posts",
        "unit_points",
        "active",
    ]
    list_editable = ["priority", "active"]


@admin.register(AssessmentPost)
class AssessmentPostAdmin(admin.ModelAdmin):
    list_display = ["unit", "post", "user"]
    list_filter = ["post"]
    autocomplete_fields = ["unit"]


@admin.register(AssessmentSetting)
class AssessmentSettingAdmin(admin.ModelAdmin):
    list_display = ["base_points", "bonus_points"]


@admin.register(ReportingBase)
class ReportingBaseAdmin(admin.ModelAdmin):
    list_display = ["year", "outlets", "personal_customers"]


@admin.register(RootCauseTag)
class RootCauseTagAdmin(ReadOnlyAdmin):
    list_display = ["complaint", "cause", "tagged_by", "tagged_at"]
    exclude = ["note"]  # staff's free text: shown masked, as on the complaint's timeline
    readonly_fields = ["shown_note"]

    @admin.display(description="备注 Note")
    def shown_note(self, obj: RootCauseTag) -> str:
        return mask_text(obj.note)


@admin.register(ValidityRuling)
class ValidityRulingAdmin(ReadOnlyAdmin):
    list_display = ["complaint", "validity", "ruled_by", "ruled_at"]
    list_filter = ["validity"]
    exclude = ["reason"]  # staff's free text: shown masked, as on the complaint's timeline
    readonly_fields = ["shown_reason"]

    @admin.display(description="理由 Reason")
    def shown_reason(self, obj: ValidityRuling) -> str:
        return mask_text(obj.reason)
