from django.db import models

from complaints.models import Complaint


class SuggestionStatus(models.TextChoices):
    PENDING = "pending", "待确认 Pending"
    ACCEPTED = "accepted", "已采纳 Accepted"
    OVERRIDDEN = "overridden", "已改判 Overridden"


class Suggestion(models.Model):
    """What one classifier ("head") suggested for a complaint, with the model version that said
    it, and what staff decided. Decided rows (accepted or overridden) are kept as training
    examples for the next model: `chosen_label` is then the label staff confirmed."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT,
                                  related_name="suggestions")
    head = models.CharField(max_length=32)
    dimension = models.CharField(max_length=16, blank=True)
    # [{"label", "name", "code", "confidence"}], best first
    options = models.JSONField(default=list)
    uncertain = models.BooleanField(default=False)
    model_version = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=SuggestionStatus.choices,
                              default=SuggestionStatus.PENDING)
    chosen_label = models.CharField(max_length=200, blank=True)
    chosen_code = models.CharField(max_length=16, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["complaint", "head"], name="one_suggestion_per_head")
        ]
        indexes = [models.Index(fields=["status", "head"])]

    def __str__(self) -> str:
        top = self.options[0]["label"] if self.options else "-"
        return f"{self.head}: {top} ({self.status})"


class TriageRecord(models.Model):
    """Triage's findings on one complaint that are not suggestions: the MinHash signature of its
    text (for near-duplicate search by every process), the near-duplicates found at registration
    and the kinds of personal data seen in the text."""

    complaint = models.OneToOneField(Complaint, on_delete=models.PROTECT, primary_key=True,
                                     related_name="triage")
    customer_id = models.BigIntegerField(db_index=True)
    received_at = models.DateTimeField(db_index=True)
    signature = models.BinaryField()
    links = models.JSONField(default=list)  # [{"number", "score", "same_customer"}]
    pii = models.JSONField(default=list)  # kinds found: cn_id, card, phone, email, account
    model_version = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"triage of {self.complaint_id}"


class RetrainOutcome(models.TextChoices):
    RUNNING = "running", "进行中 Running"
    KEPT = "kept", "已启用 Kept (activated)"
    REJECTED = "rejected", "已拒绝 Rejected (old model kept)"
    SKIPPED = "skipped", "未训练 Skipped"
    FAILED = "failed", "失败 Failed"


class RetrainRun(models.Model):
    """One scheduled retraining (triage/retrain.py). `period` is unique: the row is the claim,
    so several processes' schedulers and a retried task train at most once a period. It keeps
    the decision and its figures: the candidate's and the active model's accuracy on the
    held-out staff-confirmed complaints."""

    period = models.CharField(max_length=16, unique=True)  # ISO week, e.g. 2026-W48
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=RetrainOutcome.choices,
                               default=RetrainOutcome.RUNNING)
    reason = models.TextField(blank=True)
    previous_version = models.CharField(max_length=64, blank=True)
    candidate_version = models.CharField(max_length=64, blank=True)  # saved only when kept
    new_decisions = models.IntegerField(default=0)  # since the previous model
    trained_decisions = models.IntegerField(default=0)
    # per head: {"n", "old": {accuracy, macro_f1, correct}, "new": {...}}
    figures = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.period}: {self.outcome}"
