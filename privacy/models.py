"""Data protection records: the access log of staff actions that take data out of the system
(exports, subject-access exports), and what the retention purge has done."""

from django.conf import settings
from django.db import models


class AccessKind(models.TextChoices):
    REPORT_EXPORT = "report_export", "报表导出 Report export"
    SUBJECT_ACCESS_EXPORT = "subject_export", "个人信息导出 Subject-access export"
    EVIDENCE_DOWNLOAD = "evidence_download", "证据文件下载 Evidence download"
    # Configuration changed from the command line (manage.py), recorded with who ran it.
    API_KEY_ISSUED = "api_key_issued", "签发接口密钥 API key issued"
    UNITS_IMPORTED = "units_imported", "导入机构 Org units imported"
    STAFF_IMPORTED = "staff_imported", "导入人员及角色 Staff and roles imported"


class AccessLogQuerySet(models.QuerySet["AccessLog"]):
    def update(self, **kwargs: object) -> int:
        raise TypeError("The access log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("The access log is append-only; the retention purge removes old rows")

    def purge_before(self, cutoff: object) -> int:
        """Remove rows older than `cutoff`: only the retention purge calls this."""
        deleted, _ = models.QuerySet.delete(self.filter(at__lt=cutoff))
        return deleted


class AccessLog(models.Model):
    """One staff action that is not a complaint event but must be accounted for: a report or
    data export leaving the system (who, when, what, through which channel). Append-only; rows
    leave only through the retention purge (TOUSU_RETENTION_ACCESS_LOG_YEARS). A reveal of a
    customer's identifiers is recorded on the complaint's own hash-chained timeline instead
    (`reveal_customer` events)."""

    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=20, choices=AccessKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    channel = models.CharField(max_length=10)  # api, web, cli
    target = models.CharField(max_length=300)  # report name, customer reference
    detail = models.JSONField(default=dict, blank=True)
    # The paths of the units the actor held roles on when it happened, each followed by a space
    # (" /HO/BJ/ /HO/SH/ "): the auditors of those units keep seeing the row after the roles
    # are withdrawn, as they are when someone leaves. Empty on rows written before.
    unit_paths = models.TextField(blank=True, default="")

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.kind} {self.target}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise TypeError("The access log is append-only")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise TypeError("The access log is append-only")


class AnonymisedComplaint(models.Model):
    """A complaint past its retention whose personal data the purge has redacted. The complaint,
    its codes, dates, amounts and event chain stay for statistics and audit."""

    complaint = models.OneToOneField(
        "complaints.Complaint", primary_key=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    retained_until = models.DateField()

    def __str__(self) -> str:
        return f"{self.complaint_id} anonymised {self.at:%Y-%m-%d}"


class AnonymisedCustomer(models.Model):
    """A customer whose every complaint has been anonymised, and whose identifiers therefore
    have been erased."""

    customer = models.OneToOneField(
        "complaints.Customer", primary_key=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"customer {self.customer_id} anonymised {self.at:%Y-%m-%d}"


class PurgeTrigger(models.TextChoices):
    MANUAL = "manual", "手动 Manual (purge_expired)"
    SCHEDULED = "scheduled", "定时 Scheduled (TOUSU_RETENTION_PURGE_AUTO)"


class PurgeRun(models.Model):
    """One run of the retention purge: when, what started it (`purge_expired` or the daily
    job), the policy it applied and how many rows of each record type it anonymised or deleted
    (dry runs are not recorded)."""

    at = models.DateTimeField()
    trigger = models.CharField(max_length=10, choices=PurgeTrigger.choices,
                               default=PurgeTrigger.MANUAL)
    policy = models.JSONField(default=dict)
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"purge {self.at:%Y-%m-%d %H:%M}"
