from django.conf import settings
from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email", "邮件 Email"
    SMS = "sms", "短信 SMS"
    IN_APP = "in_app", "站内 In-app"


class Status(models.TextChoices):
    PENDING = "pending", "待发送 Pending"
    SENDING = "sending", "发送中 Sending"
    SENT = "sent", "已发送 Sent"
    FAILED = "failed", "失败 Failed"


class Notification(models.Model):
    """An outbox row. Written in the same transaction as the change it reports, delivered by a
    worker that claims it with a conditional update, so it is never lost and never sent twice.
    `dedupe_key` makes writing the same notice twice a no-op."""

    complaint = models.ForeignKey(
        "complaints.Complaint", null=True, blank=True, on_delete=models.PROTECT,
        related_name="notifications",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(max_length=40)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    proof = models.CharField(max_length=200, blank=True)
    last_error = models.TextField(blank=True)
    dedupe_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.kind} → {self.channel} ({self.status})"
