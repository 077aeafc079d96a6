from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator

from notify.models import Notification, Status
from notify.outbox import UNCERTAIN, retry_failed
from triage.pii import mask_text


class NeedsCheckFilter(admin.SimpleListFilter):
    """The robot posts a worker was cut off in (UNCERTAIN): a person checks the group before
    retrying them, where any other failure is simply retried."""

    title = "核实 Check"
    parameter_name = "check"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("uncertain", "需在群内核实 Needs a check in the group")]

    def queryset(self, request: HttpRequest,
                 queryset: QuerySet[Notification]) -> QuerySet[Notification]:
        if self.value() == "uncertain":
            return queryset.filter(status=Status.FAILED, last_error=UNCERTAIN)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["kind", "channel", "status", "attempts", "created_at", "sent_at",
                    "short_error"]
    list_filter = ["kind", "channel", "status", NeedsCheckFilter]
    actions = ["retry"]
    # The address and the body go to the customer: the admin shows the body with identifiers
    # masked, and never a portal one-time code (with it, whoever reads the outbox could follow
    # and act on the customer's complaint as the customer). A gateway's error may quote the
    # address: it is masked too.
    exclude = ["address", "body", "last_error"]
    readonly_fields = [*(f.name for f in Notification._meta.fields
                         if f.name not in ("address", "body", "last_error")),
                       "shown_body", "shown_error"]

    @admin.display(description="正文 Body")
    def shown_body(self, obj: Notification) -> str:
        if obj.kind == "portal_code":
            return "（验证码不显示 / one-time code withheld）"
        return mask_text(obj.body)

    @admin.display(description="最近错误 Last error")
    def shown_error(self, obj: Notification) -> str:
        return mask_text(obj.last_error)

    @admin.display(description="最近错误 Last error")
    def short_error(self, obj: Notification) -> str:
        # Masked before it is cut, so that no identifier is cut short of being recognised.
        return Truncator(mask_text(obj.last_error)).chars(80)

    @admin.action(description="重试失败的通知 Retry failed notifications")
    def retry(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = retry_failed(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"已重新排队 {count} 条 / {count} queued again")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
