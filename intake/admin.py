"""The intake in the admin: the quarantine (see, retry, dismiss — never delete), regulator batches
with their row reports and an import page, the editable letter templates, and read-only records
of inbound messages and letters sent."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template import TemplateSyntaxError
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from complaints.actions.common import megabytes
from intake import letters, regulator, regulator_batches
from intake.actions import channel_principal, release
from intake.choices import QuarantineStatus
from intake.models import (
    InboundMessage,
    Letter,
    LetterTemplate,
    QuarantinedMessage,
    RegulatorBatch,
)
from org.access import staff_principal
from tousu.admin_base import ReadOnlyAdmin
from triage.pii import mask_text


class MaskedSender(admin.ModelAdmin):
    """The sender (the customer's address or phone) and the subject (their words) shown masked,
    as on every page: the administrator reads no complaint."""

    exclude = ["sender", "subject"]

    @admin.display(description="发件人 Sender")
    def shown_sender(self, obj: Any) -> str:
        return mask_text(obj.sender)

    @admin.display(description="主题 Subject")
    def shown_subject(self, obj: Any) -> str:
        return mask_text(obj.subject)


@admin.register(QuarantinedMessage)
class QuarantineAdmin(MaskedSender, ReadOnlyAdmin):
    list_display = ["created_at", "channel", "status", "shown_sender", "shown_subject", "error",
                    "attempts", "complaint"]
    list_filter = ["status", "channel"]
    search_fields = ["sender", "subject", "message_id", "sha256"]
    actions = ["retry", "dismiss"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.has_perm("intake.change_quarantinedmessage"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*(f.name for f in QuarantinedMessage._meta.fields
                  if f.name not in self.exclude), "shown_sender", "shown_subject"]

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        return [*self.list_display, "register"]

    @admin.display(description="登记 Register")
    def register(self, obj: QuarantinedMessage) -> str:
        """A rule's false positive is registered, with its reason, on the intake's page."""
        if obj.status != QuarantineStatus.HELD:
            return ""
        return format_html('<a href="{}">登记为投诉 Register as a complaint</a>',
                           reverse("intake:held_message", args=[obj.pk]))

    @admin.action(description="重新导入 Retry the selected messages", permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[QuarantinedMessage]) -> None:
        released = held = 0
        for row in queryset.filter(status=QuarantineStatus.HELD):
            row = release(row, actor=request.user.get_username())
            if row.status == QuarantineStatus.RELEASED:
                released += 1
            else:
                held += 1
        self.message_user(request, f"已重新导入 {released} 条，仍有 {held} 条隔离 / "
                                   f"{released} released, {held} still held",
                          messages.SUCCESS if not held else messages.WARNING)

    @admin.action(description="核销（保留原件）Dismiss, keeping the message",
                  permissions=["change"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet[QuarantinedMessage]) -> None:
        count = queryset.filter(status=QuarantineStatus.HELD).update(
            status=QuarantineStatus.DISMISSED, handled_by=request.user.get_username()[:150])
        self.message_user(request, f"已核销 {count} 条（保留原件）/ "
                                   f"{count} dismissed (kept, never deleted)")


@admin.register(InboundMessage)
class InboundMessageAdmin(MaskedSender, ReadOnlyAdmin):
    list_display = ["created_at", "channel", "outcome", "complaint", "shown_sender",
                    "shown_subject"]
    list_filter = ["channel", "outcome"]
    search_fields = ["key", "sender", "subject", "complaint__number"]
    exclude = ["sender", "subject", "raw"]
    readonly_fields = ["shown_sender", "shown_subject"]


class RegulatorImportForm(forms.Form):
    file = forms.FileField(label="CSV / XLSX")

    def clean_file(self) -> Any:
        """The API's limit: a larger file would be read whole into memory."""
        upload = self.cleaned_data["file"]
        limit = megabytes(regulator_batches.MAX_FILE)
        if upload.size > regulator_batches.MAX_FILE:
            raise forms.ValidationError(f"文件最大 {limit} / at most {limit}")
        return upload


@admin.register(RegulatorBatch)
class RegulatorBatchAdmin(ReadOnlyAdmin):
    list_display = ["imported_at", "file_name", "status", "progress", "rows", "created",
                    "duplicates", "changed", "failed", "imported_by"]
    exclude = ["upload", "claimed_until"]
    change_list_template = "admin/intake/regulatorbatch/change_list.html"

    @admin.display(description="进度 Progress")
    def progress(self, batch: RegulatorBatch) -> str:
        return f"{batch.processed}/{batch.rows} ({batch.processed * 100 // max(batch.rows, 1)}%)"

    def changelist_view(self, request: HttpRequest,
                        extra_context: dict[str, Any] | None = None) -> HttpResponse:
        running = RegulatorBatch.objects.filter(status=RegulatorBatch.Status.RUNNING).exists()
        return super().changelist_view(request, {**(extra_context or {}), "running": running})

    def get_urls(self) -> list[URLPattern]:
        extra = [path("import/", self.admin_site.admin_view(self.import_view),
                      name="intake_regulatorbatch_import")]
        return extra + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a regulator transfer file: good rows are registered, bad rows listed."""
        form = RegulatorImportForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            staff = staff_principal(request.user)
            principal = staff if staff and staff.grants else channel_principal("regulator")
            try:
                result = regulator_batches.submit(principal, upload.name, upload.read())
            except regulator.FileError as exc:
                form.add_error("file", str(exc))
            else:
                if isinstance(result, RegulatorBatch):
                    messages.info(request, f"{result.rows} 行正在后台导入，进度见下表 / "
                                           f"{result.rows} rows are being imported in the "
                                           "background: see their progress below")
                    return redirect("admin:intake_regulatorbatch_changelist")
                report = result
                messages.info(request, report.summary())
                if not report.errors:
                    return redirect("admin:intake_regulatorbatch_changelist")
        context = {**self.admin_site.each_context(request), "form": form, "report": report,
                   "title": "导入监管转办 Import regulator transfers", "opts": self.model._meta,
                   "sync_rows": settings.TOUSU_REGULATOR_SYNC_ROWS}
        return TemplateResponse(request, "admin/intake/regulatorbatch/import.html", context)


class TemplateForm(forms.ModelForm):
    class Meta:
        model = LetterTemplate
        fields = ["kind", "language", "pack", "subject", "body"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("subject", "body"):
            try:
                letters.check_syntax(data.get(name, ""))
            except TemplateSyntaxError as exc:
                self.add_error(name, f"模板语法错误 Template syntax error: {exc}")
        return data


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    form = TemplateForm
    list_display = ["kind", "language", "pack", "subject", "version", "updated_at"]
    list_filter = ["kind", "language", "pack"]
    readonly_fields = ["version", "updated_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Letters already sent name this template: it stays the wording of the same notice.
        return [*self.readonly_fields, *(["kind", "language", "pack"] if obj else [])]

    def save_model(self, request: HttpRequest, obj: LetterTemplate, form: Any,
                   change: bool) -> None:
        if change and form.has_changed():
            obj.version += 1  # letters keep the version they were written from
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # sent letters name their template


@admin.register(Letter)
class LetterAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "complaint", "kind", "channel", "language", "proof",
                    "sent_at", "recorded_at"]
    list_filter = ["kind", "channel", "language"]
    search_fields = ["complaint__number", "proof"]
    exclude = ["address", "body"]  # the body as staff preview it: name and identifiers masked
    readonly_fields = ["shown_body"]

    @admin.display(description="正文 Body")
    def shown_body(self, obj: Letter) -> str:
        return letters.masked_letter(obj.body, obj.complaint.customer.name)
