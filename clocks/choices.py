from django.db import models


class DeadlineStatus(models.TextChoices):
    OPEN = "open", "进行中 Open"
    MET = "met", "已按时完成 Met"
    BREACHED = "breached", "已超时 Breached"
    PAUSED = "paused", "已暂停 Paused"
    CANCELLED = "cancelled", "已取消 Cancelled"


class Obligation(models.TextChoices):
    DECISION = "decision", "处理决定 Decision"
    REVIEW_REQUEST_WINDOW = "review_request_window", "复核申请期 Review request window"
    REVIEW_DECISION = "review_decision", "复核决定 Review decision"
