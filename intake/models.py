from django.conf import settings
from django.db import models

from intake import choices as ch


class InboundMessage(models.Model):
    """One message received by email or SMS, recorded in the transaction that registered its
    complaint or added it to one. The unique (channel, key) — the Message-ID, or the gateway's
    SMS id — is what makes the same message never count twice, however often it is fetched or
    re-sent: a second insert fails and rolls the whole registration back."""

    channel = models.CharField(max_length=8, choices=ch.InboundChannel.choices)
    key = models.CharField(max_length=255)
    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.PROTECT, related_name="inbound_messages"
    )
    outcome = models.CharField(max_length=10, choices=ch.Outcome.choices)
    sender = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    origin = models.CharField(max_length=300, blank=True)  # mailbox and UID, file, gateway
    raw = models.FileField(upload_to="intake/raw/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "key"], name="unique_inbound_message")
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.key[:60]}"


class QuarantinedMessage(models.Model):
    """A message that could not be read or registered. It is kept whole (the raw bytes, through
    the storage API) until staff retry or dismiss it; nothing is ever deleted. The same bytes
    arriving again are the same row (unique SHA-256), counted in `attempts`."""

    channel = models.CharField(max_length=8, choices=ch.InboundChannel.choices)
    origin = models.CharField(max_length=300, blank=True)
    raw = models.FileField(upload_to="intake/quarantine/%Y/%m/")
    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveBigIntegerField(default=0)
    message_id = models.CharField(max_length=255, blank=True)
    sender = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    error = models.TextField()
    status = models.CharField(
        max_length=10, choices=ch.QuarantineStatus.choices, default=ch.QuarantineStatus.HELD
    )
    attempts = models.PositiveIntegerField(default=1)
    complaint = models.ForeignKey(
        "complaints.Complaint", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_by = models.CharField(max_length=150, blank=True)
    # An agent's override (intake/override.py): registered despite the rule that held it.
    handled_at = models.DateTimeField(null=True, blank=True)
    override_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.origin or self.sha256[:12]} ({self.status})"


class WebhookNonce(models.Model):
    """A nonce seen on a signed inbound webhook. Inserting it is the replay check: a second
    request with the same nonce fails on the primary key. Rows older than the accepted time
    window are useless (their timestamp would be refused) and are purged."""

    nonce = models.CharField(max_length=100, primary_key=True)
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.nonce


class RegulatorBatch(models.Model):
    """One import of a regulator's transfer file, with its row-level report. Importing the same
    file again is recorded too, and creates nothing new. A large file is imported in the
    background (intake/regulator_batches.py): `processed` rows of `rows` so far, from `upload`
    (deleted when done), as the staff member or key that sent it."""

    class Status(models.TextChoices):
        RUNNING = "running", "导入中 Importing"
        DONE = "done", "已完成 Done"
        FAILED = "failed", "已中断 Stopped"

    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DONE)
    processed = models.PositiveIntegerField(default=0)
    upload = models.FileField(upload_to="regulator/", blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    api_key = models.ForeignKey("org.ApiKey", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    claimed_until = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    imported_by = models.CharField(max_length=150)
    imported_at = models.DateTimeField(auto_now_add=True)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)  # already imported, with other content
    failed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # [{"row", "field", "message"}]

    class Meta:
        ordering = ["-imported_at"]
        verbose_name_plural = "regulator batches"

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created} new, {self.failed} failed)"


class LetterTemplate(models.Model):
    """The editable wording of a customer letter, per kind, language and rule pack ("" serves
    every pack without its own). Bodies use Django template syntax on plain text; the variables
    available are listed in intake/letters.py. Defaults come from a data migration."""

    kind = models.CharField(max_length=20, choices=ch.LetterKind.choices)
    language = models.CharField(max_length=8, choices=[("zh-Hans", "简体中文"), ("en", "English")])
    pack = models.CharField(max_length=16, choices=ch.PACKS, blank=True, default="")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "pack", "language"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "language", "pack"],
                                    name="unique_letter_template")
        ]

    def __str__(self) -> str:
        pack = f"/{self.pack}" if self.pack else ""
        return f"{self.kind} [{self.language}{pack}] v{self.version}"


class Letter(models.Model):
    """A letter as it was sent to the customer: the exact text, the template and version it came
    from, the channel and the proof of sending. Once the proof is known the letter goes on the
    complaint's timeline (`recorded_at`, one `letter_sent` event, claimed by a conditional update
    so it is recorded once)."""

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.PROTECT, related_name="letters"
    )
    kind = models.CharField(max_length=20, choices=ch.LetterKind.choices)
    language = models.CharField(max_length=8)
    channel = models.CharField(max_length=10, choices=ch.LetterChannel.choices)
    address = models.CharField(max_length=500, blank=True)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    sha256 = models.CharField(max_length=64)
    template = models.ForeignKey(
        LetterTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    template_version = models.PositiveIntegerField(null=True, blank=True)
    # The outbox row that carries it (its dedupe key); null for post, calls and hand delivery.
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    proof = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["complaint", "created_at"]
        indexes = [models.Index(fields=["recorded_at", "channel"])]

    def __str__(self) -> str:
        return f"{self.kind} → {self.channel}"
