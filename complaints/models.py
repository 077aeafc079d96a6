from collections.abc import Iterable
from typing import TypeVar

from django.conf import settings
from django.db import models
from django_fsm import RETURN_VALUE, FSMField, transition

from complaints import choices as ch
from complaints import crypto
from complaints.lifecycle import LIFECYCLE
from org.models import OrgUnit


def _move(action: str) -> object:
    """The django-fsm transition for one row of the lifecycle table."""
    move = LIFECYCLE[action]
    target = RETURN_VALUE(*move.target) if isinstance(move.target, tuple) else move.target

    def step(self: "Complaint", to: str | None = None) -> str | None:
        return to

    step.__name__ = action
    return transition(field="state", source=list(move.sources), target=target)(step)


class Customer(models.Model):
    """The person who complains. The ID number, phone and email are stored encrypted (`*_enc`;
    `phone` and `email` read and write them in clear), the ID number and phone with keyed hashes
    (`id_hash`, `phone_hash`) for finding the same customer again; screens show masked values
    only."""

    name = models.CharField(max_length=200)
    phone_enc = models.TextField(blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    email_enc = models.TextField(blank=True, default="")
    id_number_enc = models.TextField(blank=True)
    id_hash = models.CharField(max_length=64, blank=True, db_index=True)
    language = models.CharField(max_length=8, choices=ch.Language.choices, default=ch.Language.ZH)
    age_band = models.CharField(max_length=16, blank=True)
    vulnerable = models.JSONField(default=list, blank=True)
    representative_name = models.CharField(max_length=200, blank=True)
    representative_kind = models.CharField(max_length=32, blank=True)
    representative_proof = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    phone = crypto.sealed("phone_enc", "phone_hash", crypto.phone_hash)
    email = crypto.sealed("email_enc")

    def __str__(self) -> str:
        from triage.pii import mask_name

        return mask_name(self.name)


class Complaint(models.Model):
    """One complaint. Its state moves only through the lifecycle table; `version` rises with every
    action (optimistic locking) and `last_event_hash` seals the tail of its event chain."""

    number = models.CharField(max_length=24, unique=True)
    channel = models.CharField(max_length=16, choices=ch.Channel.choices)
    source = models.CharField(max_length=20, choices=ch.Source.choices, default=ch.Source.DIRECT)
    external_ref = models.CharField(max_length=100, blank=True, db_index=True)
    received_at = models.DateTimeField(db_index=True)
    registered_at = models.DateTimeField()
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="complaints")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="complaints")
    account_branch = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="handled_complaints",
    )
    staff_complained_about = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="complaints_against",
    )
    product = models.CharField(max_length=200, blank=True)
    content = models.TextField()
    claim = models.TextField(blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # How many people complain together (NFRA Order 2020 No. 3 Art. 29(2)); empty: not recorded.
    group_size = models.PositiveIntegerField(null=True, blank=True)
    codes = models.JSONField(default=dict, blank=True)
    tags = models.JSONField(default=list, blank=True)
    signals = models.JSONField(default=list, blank=True)
    severity = models.CharField(
        max_length=10, choices=ch.Severity.choices, default=ch.Severity.NORMAL
    )
    state = FSMField(max_length=20, choices=ch.State.choices, default=ch.State.REGISTERED)
    validity = models.CharField(
        max_length=10, choices=ch.Validity.choices, default=ch.Validity.UNRULED, blank=True
    )
    primary = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    retention_until = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    last_event_seq = models.PositiveIntegerField(default=0)
    last_event_hash = models.CharField(max_length=64, blank=True)
    created_by = models.CharField(max_length=150)
    idempotency_scope = models.CharField(max_length=64, blank=True)
    idempotency_key = models.CharField(max_length=200, blank=True)
    request_hash = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "state"]),
            models.Index(fields=["state", "received_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_scope", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="unique_idempotency_key",
            ),
            # A regulator's transfer reference is registered once, whatever path it comes by.
            models.UniqueConstraint(
                fields=["source", "external_ref"],
                condition=models.Q(source__in=["regulator_nfra", "regulator_pboc"])
                & ~models.Q(external_ref=""),
                name="unique_regulator_reference",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    accept = _move("accept")
    decline = _move("decline")
    assign = _move("assign")
    claim_work = _move("claim")
    contact = _move("contact")
    add_evidence = _move("add_evidence")
    schedule_visit = _move("schedule_visit")
    record_visit = _move("record_visit")
    answer_visit = _move("answer_visit")
    note = _move("note")
    propose_resolution = _move("propose_resolution")
    approve = _move("approve")
    return_ = _move("return")
    respond = _move("respond")
    start_follow_up = _move("start_follow_up")
    follow_up_result = _move("follow_up_result")
    request_review = _move("request_review")
    decide_review = _move("decide_review")
    refer = _move("refer")
    record_referral_outcome = _move("record_referral_outcome")
    extend = _move("extend")
    pause = _move("pause")
    resume = _move("resume")
    escalate = _move("escalate")
    record_group_size = _move("record_group_size")
    withdraw = _move("withdraw")
    merge = _move("merge")
    reopen = _move("reopen")
    rule_validity = _move("rule_validity")
    tag_root_cause = _move("tag_root_cause")


_M = TypeVar("_M", bound=models.Model)


class AppendOnlyQuerySet(models.QuerySet[_M]):
    def update(self, **kwargs: object) -> int:
        raise TypeError(f"{self.model.__name__} rows are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{self.model.__name__} rows are append-only")


class AppendOnly(models.Model):
    """A row that is written once and never changed nor deleted through the ORM."""

    class Meta:
        abstract = True

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise TypeError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{type(self).__name__} rows are append-only")


class EventQuerySet(AppendOnlyQuerySet["Event"]):
    def redact(self, keys: Iterable[str]) -> int:
        """Replace the values of `keys` in these events' payloads by their digests: the one
        change events allow (retention), and one their hashes are built to survive
        (complaints.audit). Returns the number of events changed."""
        from complaints.audit import redact

        changed = 0
        for pk, payload in self.values_list("pk", "payload"):
            redacted = redact(payload, keys)
            if redacted != payload:
                models.QuerySet.update(self.model.objects.filter(pk=pk), payload=redacted)
                changed += 1
        return changed


class Event(AppendOnly):
    """One entry of a complaint's timeline: append-only, and chained — `hash` covers this event's
    content and the previous event's hash, so an edit or a removal breaks the chain.
    `hash_version` names the scheme that sealed it (complaints.audit.event_hash): 1 for events
    sealed before actor ids were covered, 2 since."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    type = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    actor_label = models.CharField(max_length=150)
    at = models.DateTimeField()
    state_after = models.CharField(max_length=20)
    payload = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)
    hash_version = models.PositiveSmallIntegerField(default=1)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["complaint", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "seq"], name="unique_event_seq")
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}#{self.seq} {self.type}"


class AuditAnchor(AppendOnly):
    """A commitment to every complaint's chain head, taken periodically (complaints.anchors):
    `digest` covers all complaints' (number, head seq, head hash); the heads that changed since
    the previous anchor are its `heads`. Chained like events — `hash` covers this anchor, its
    heads and the previous anchor's hash — and exported to be escrowed outside the database.
    Anchor #0, written by the migration that brought hash v2, holds the cut-over: an event with
    an id above `cutover_event_id` must be sealed under v2."""

    seq = models.PositiveIntegerField(unique=True)
    at = models.DateTimeField()
    complaints = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)
    heads_digest = models.CharField(max_length=64)
    cutover_event_id = models.PositiveBigIntegerField(default=0)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"anchor #{self.seq}"


class AnchorHead(AppendOnly):
    """A complaint's chain head (seq, hash) as an anchor found it."""

    anchor = models.ForeignKey(AuditAnchor, on_delete=models.PROTECT, related_name="heads")
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField()
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["complaint", "anchor"])]

    def __str__(self) -> str:
        return f"{self.complaint_id}#{self.seq} in anchor {self.anchor_id}"


class Contact(models.Model):
    """A contact with the customer: call, SMS, letter, email or meeting."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="contacts")
    kind = models.CharField(max_length=10, choices=ch.ContactKind.choices)
    at = models.DateTimeField()
    outbound = models.BooleanField(default=True)
    summary = models.TextField()
    staff_label = models.CharField(max_length=150)

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class Visit(models.Model):
    """An on-site verification visit (上门核实), proposed, consented to and recorded."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="visits")
    proposed_at = models.DateTimeField()
    place = models.CharField(max_length=300)
    customer_consent = models.BooleanField(default=False)
    visited_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"visit {self.proposed_at:%Y-%m-%d %H:%M} {self.place}"


class Attachment(models.Model):
    """Evidence: stored through Django's storage API, with its SHA-256 and the sniffed type."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="evidence/%Y/%m/")
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.CharField(max_length=150)
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} ({self.content_type}, {self.size} B)"


class Resolution(models.Model):
    """A proposed decision and remedy, with its approval when one is needed."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="resolutions")
    decision = models.CharField(max_length=20, choices=ch.Decision.choices)
    remedy = models.CharField(max_length=20, choices=ch.RemedyKind.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    verification = models.TextField()
    basis = models.TextField()
    reasons = models.TextField()
    needs_approval = models.BooleanField(default=False)
    # "unit": the unit's manager approves; "above": a manager of a unit above it must.
    approval_level = models.CharField(max_length=8, blank=True)
    proposed_by = models.CharField(max_length=150)
    proposed_at = models.DateTimeField()
    approved_by = models.CharField(max_length=150, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    returned_reason = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.decision} / {self.remedy}"


class Survey(models.Model):
    """The customer's satisfaction after the response (1 to 5)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="surveys")
    score = models.PositiveSmallIntegerField()
    satisfied = models.BooleanField()
    comment = models.TextField(blank=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"satisfaction {self.score}/5"


class ReviewRequest(models.Model):
    """A review (复核/核查) asked for by the customer and decided by the unit above."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="reviews")
    requested_at = models.DateTimeField()
    reason = models.TextField()
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=ch.ReviewOutcome.choices, blank=True)
    reasons = models.TextField(blank=True)
    decided_by = models.CharField(max_length=150, blank=True)

    def __str__(self) -> str:
        return f"review requested {self.requested_at:%Y-%m-%d}"


class Referral(models.Model):
    """A referral to mediation, the regulator, arbitration or litigation, and its outcome."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="referrals")
    kind = models.CharField(max_length=12, choices=ch.ReferralKind.choices)
    body = models.CharField(max_length=200)
    reference = models.CharField(max_length=100, blank=True)
    referred_at = models.DateTimeField()
    outcome = models.TextField(blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.kind}: {self.body}"


class DailyCounter(models.Model):
    """The last tracking number issued on a day (local date)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"
