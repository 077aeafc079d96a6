from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from notify.models import Notification
from notify.outbox import retry_failed
from triage.pii import mask_text


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["kind", "channel", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["kind", "channel", "status"]
    actions = ["retry"]
    # The address and the body go to the customer: the admin shows the body with identifiers
    # masked, and never a portal one-time code (with it, whoever reads the outbox could follow
    # and act on the customer's complaint as the customer).
    exclude = ["address", "body"]
    readonly_fields = [*(f.name for f in Notification._meta.fields
                         if f.name not in ("address", "body")), "shown_body"]

    @admin.display(description="正文 Body")
    def shown_body(self, obj: Notification) -> str:
        if obj.kind == "portal_code":
            return "（验证码不显示 / one-time code withheld）"
        return mask_text(obj.body)

    @admin.action(description="重试失败的通知 Retry failed notifications")
    def retry(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = retry_failed(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"已重新排队 {count} 条 / {count} queued again")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
