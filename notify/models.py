from django.conf import settings
from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email", "邮件 Email"
    SMS = "sms", "短信 SMS"
    IN_APP = "in_app", "站内 In-app"
    WECOM = "wecom", "企业微信群机器人 WeCom robot"
    DINGTALK = "dingtalk", "钉钉群机器人 DingTalk robot"
    SLACK = "slack", "Slack webhook"
    TEAMS = "teams", "Teams webhook"


WEBHOOK_CHANNELS = frozenset({Channel.WECOM, Channel.DINGTALK, Channel.SLACK, Channel.TEAMS})


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
    subscription = models.ForeignKey(
        "org.Subscription", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=40)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.CharField(max_length=500, blank=True)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A group-chat robot's post began (committed before it; cleared when it failed): a robot
    # has no idempotency key, so a row re-claimed with it set is flagged, not posted again.
    posting_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)  # an in-app notice, by its user
    proof = models.CharField(max_length=200, blank=True)
    last_error = models.TextField(blank=True)
    dedupe_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"]),
                   models.Index(fields=["user", "channel", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} → {self.channel} ({self.status})"
