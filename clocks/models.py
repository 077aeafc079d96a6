from django.db import models

from clocks.choices import DeadlineStatus


class Deadline(models.Model):
    """One obligation of a complaint with its due time. Stored when computed, never recomputed on
    read; pauses and extensions are kept as lists so the history of the clock is visible."""

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.PROTECT, related_name="deadlines"
    )
    obligation = models.CharField(max_length=40)
    rule_pack = models.CharField(max_length=20)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN
    )
    met_at = models.DateTimeField(null=True, blank=True)
    paused_since = models.DateTimeField(null=True, blank=True)
    paused_intervals = models.JSONField(default=list, blank=True)
    extensions = models.JSONField(default=list, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        indexes = [models.Index(fields=["status", "due_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "obligation"], name="unique_obligation_per_complaint"
            )
        ]

    def __str__(self) -> str:
        return f"{self.obligation} due {self.due_at:%Y-%m-%d %H:%M}"
