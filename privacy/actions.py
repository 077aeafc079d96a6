"""Writes of the data-protection app: the access log, key rotation and anonymisation."""

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from complaints import crypto
from complaints.audit import EVENT_OUTCOME_TEXTS, EVENT_TEXT_KEYS, append_event
from complaints.models import Complaint, Customer
from org.access import Principal
from privacy.models import AccessKind, AccessLog, AnonymisedComplaint, AnonymisedCustomer
from privacy.retention import Policy

REDACTED = "[已匿名 redacted]"
RETENTION_ACTOR = "system:retention"


def log_access(principal: Principal, kind: AccessKind, *, channel: str, target: str,
               detail: dict[str, Any], units: tuple[str, ...] = ()) -> AccessLog:
    """Record one export by `principal` (append-only), with the units its actor held roles on
    then and the paths of the units it acted on (`units`), which decide whose audit page shows
    it."""
    from org.models import RoleGrant

    paths = {path for _role, path in principal.grants} | set(units)
    if principal.user_id is not None:
        paths.update(RoleGrant.objects.filter(user_id=principal.user_id)
                     .values_list("unit__path", flat=True))
    return AccessLog.objects.create(
        at=timezone.now(), kind=kind, actor_id=principal.user_id,
        actor_label=principal.label[:150], channel=channel, target=target[:300], detail=detail,
        unit_paths="".join(f" {path}" for path in sorted(paths)) + " " if paths else "",
    )


# Key rotation -----------------------------------------------------------------------------------

@dataclass
class Rotated:
    checked: int = 0
    rotated: int = 0
    last_pk: dict[str, int] = field(default_factory=dict)


def encrypted_columns() -> Iterator[tuple[type[Model], str]]:
    for app_label, model_name, column in crypto.ENCRYPTED_FIELDS:
        yield apps.get_model(app_label, model_name), column


def rotate_field_keys(*, batch_size: int = 500, after: tuple[str, int] | None = None,
                      dry_run: bool = False,
                      progress: Callable[[str], None] | None = None) -> Rotated:
    """Re-encrypt with the newest key every encrypted value still under an older one. Idempotent
    (a value already under the newest key is left alone) and resumable: each batch of rows, in
    primary-key order, commits on its own, so an interrupted run loses at most one batch of work
    and a rerun picks up what is left — from the start (it only re-checks), or from `after`,
    the (column label, pk) of the last progress line: the columns before that one are done.
    Each batch's rows are locked while they are rewritten so a concurrent edit of the same row is
    not overwritten with a stale value."""
    result = Rotated()
    columns = list(encrypted_columns())
    labels = [f"{model._meta.label}.{column}" for model, column in columns]
    if after is not None and after[0] not in labels:
        raise ValueError(f"no encrypted column {after[0]!r}; one of {', '.join(labels)}")
    start = labels.index(after[0]) if after else 0
    for (model, column), label in list(zip(columns, labels, strict=True))[start:]:
        last = after[1] if after and label == after[0] else 0
        while True:
            with transaction.atomic():
                rows = list(
                    model._default_manager.select_for_update()
                    .filter(pk__gt=last).exclude(**{column: ""})
                    .order_by("pk").values_list("pk", column)[:batch_size]
                )
                if not rows:
                    break
                for pk, token in rows:
                    result.checked += 1
                    if crypto.is_current(token):
                        continue
                    result.rotated += 1
                    if not dry_run:
                        model._default_manager.filter(pk=pk).update(
                            **{column: crypto.reencrypt(token)})
                last = rows[-1][0]
            result.last_pk[label] = last
            if progress:
                progress(f"{label}: through pk {last}, {result.rotated} re-encrypted so far")
    return result


def stale_values() -> int:
    """How many encrypted values are not under the newest key (0: older keys can be removed)."""
    stale = 0
    for model, column in encrypted_columns():
        tokens = model._default_manager.exclude(**{column: ""}).values_list(column, flat=True)
        stale += sum(1 for token in tokens.iterator(chunk_size=2000)
                     if not crypto.is_current(token))
    return stale


# Anonymisation ----------------------------------------------------------------------------------

def _delete_file_on_commit(file: Any) -> None:
    """Remove a stored file once the transaction that forgot it commits (a rollback keeps it)."""
    if file:
        storage, name = file.storage, file.name
        transaction.on_commit(lambda: storage.delete(name))


def _redact(queryset: Any, **values: Any) -> int:
    return int(queryset.update(**values))


def anonymise_complaint(pk: int, retained_until: dt.date, now: dt.datetime) -> list[str]:
    """Redact the personal data of one complaint past its retention: the texts the customer and
    staff wrote about the customer, contact addresses, evidence files and the mail it came in.
    What statistics and audit need stays: number, dates, unit, codes, severity, amounts,
    decisions, and the event chain — one `anonymise` event is appended to it, so
    `verify_audit` still holds. Returns the record types redacted. The complaint row is locked
    so the chain cannot fork with a concurrent action."""
    from intake.models import InboundMessage, Letter, QuarantinedMessage
    from notify.models import Notification
    from reports.models import RootCauseTag, ValidityRuling

    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=pk)
        if AnonymisedComplaint.objects.filter(complaint_id=pk).exists():
            return []
        done: list[str] = ["complaint"]
        complaint.content = REDACTED
        complaint.claim = REDACTED if complaint.claim else ""
        complaint.signals = [{"name": s.get("name", ""), "evidence": ""}
                             for s in complaint.signals if isinstance(s, dict)]
        counts = {
            "contacts": _redact(complaint.contacts.all(), summary=REDACTED),
            "visits": _redact(complaint.visits.all(), place=REDACTED, outcome=REDACTED),
            "resolutions": _redact(complaint.resolutions.all(), verification=REDACTED,
                                   basis=REDACTED, reasons=REDACTED, returned_reason=""),
            "surveys": _redact(complaint.surveys.all(), comment=""),
            "reviews": _redact(complaint.reviews.all(), reason=REDACTED, reasons=""),
            "referrals": _redact(complaint.referrals.all(), outcome=""),
            "letters": _redact(Letter.objects.filter(complaint_id=pk), address="", body=REDACTED),
            "notifications": _redact(Notification.objects.filter(complaint_id=pk), address="",
                                     body=REDACTED),
            "root_cause_notes": _redact(RootCauseTag.objects.filter(complaint_id=pk), note=""),
            "validity_reasons": _redact(ValidityRuling.objects.filter(complaint_id=pk),
                                        reason=REDACTED),
            # Digests in place of what people wrote: the only redaction verify_audit accepts.
            "event_texts": complaint.events.exclude(type__in=EVENT_OUTCOME_TEXTS)
            .redact(EVENT_TEXT_KEYS)
            + complaint.events.filter(type__in=EVENT_OUTCOME_TEXTS)
            .redact((*EVENT_TEXT_KEYS, "outcome")),
        }
        for attachment in complaint.attachments.all():
            _delete_file_on_commit(attachment.file)
        counts["attachments"] = _redact(complaint.attachments.all(), file="", name=REDACTED)
        for message in InboundMessage.objects.filter(complaint_id=pk):
            _delete_file_on_commit(message.raw)
        counts["inbound_messages"] = _redact(InboundMessage.objects.filter(complaint_id=pk),
                                             sender="", subject="", raw="")
        for quarantined in QuarantinedMessage.objects.filter(complaint_id=pk):
            _delete_file_on_commit(quarantined.raw)
        counts["quarantined_messages"] = _redact(
            QuarantinedMessage.objects.filter(complaint_id=pk), sender="", subject="", raw="",
            error="", override_reason="")
        done += [name for name, n in counts.items() if n]
        complaint.version += 1
        append_event(complaint, "anonymise", actor_label=RETENTION_ACTOR, actor_id=None, at=now,
                     payload={"retained_until": retained_until, "redacted": done})
        complaint.save(update_fields=["content", "claim", "signals", "version", "last_event_seq",
                                      "last_event_hash", "updated_at"])
        AnonymisedComplaint.objects.create(complaint=complaint, at=now,
                                           retained_until=retained_until)
        if not Complaint.objects.filter(customer_id=complaint.customer_id).exclude(
                pk__in=AnonymisedComplaint.objects.values("complaint_id")).exists():
            anonymise_customer(complaint.customer_id, now)
    return done


def anonymise_customer(pk: int, now: dt.datetime) -> None:
    """Erase a customer's identifiers once every complaint of theirs is anonymised; the row stays
    (complaints point at it) with what statistics read: language and age band."""
    Customer.objects.filter(pk=pk).update(
        name=REDACTED, phone_enc="", phone_hash="", email_enc="", id_number_enc="", id_hash="",
        vulnerable=[],
        representative_name="", representative_kind="", representative_proof="",
    )
    AnonymisedCustomer.objects.get_or_create(customer_id=pk, defaults={"at": now})


def _kept_until(closed_at: dt.datetime, retention_until: dt.date | None,
                years: int) -> dt.date:
    """The later of a stored retention date and closure + `years`."""
    from privacy.retention import add_years

    until = add_years(timezone.localdate(closed_at), years)
    return retention_until if retention_until and retention_until > until else until


def complaints_past_retention(policy: Policy, today: dt.date) -> Iterator[tuple[int, dt.date]]:
    """(pk, retained until) of every ended, not yet anonymised complaint whose retention ended
    before `today`: the later of its stored `retention_until` and closure + the configured years.
    A complaint tagged legal_hold is never returned. A duplicate merged into a primary belongs to
    the primary's case: it is kept while the primary is open or on hold, and as long as the
    primary is (its own closure is the merge, not the end of the case)."""
    from complaints.choices import State
    from privacy.retention import HOLD_TAG, add_years

    ended = [State.CLOSED, State.DECLINED, State.WITHDRAWN, State.MERGED]
    # Closure + N years before today implies closure before today - N years: a cheap pre-filter.
    horizon = dt.datetime.combine(add_years(today, -policy.complaint_years), dt.time(),
                                  tzinfo=dt.UTC) + dt.timedelta(days=2)
    rows = (
        Complaint.objects.filter(state__in=ended, closed_at__lt=horizon)
        .exclude(pk__in=AnonymisedComplaint.objects.values("complaint_id"))
        .order_by("pk").values_list("pk", "closed_at", "retention_until", "tags",
                                    "primary__state", "primary__closed_at",
                                    "primary__retention_until", "primary__tags")
    )
    for (pk, closed_at, retention_until, tags, primary_state, primary_closed_at,
         primary_until, primary_tags) in rows.iterator(chunk_size=1000):
        if HOLD_TAG in (tags or []) or closed_at is None:
            continue
        until = _kept_until(closed_at, retention_until, policy.complaint_years)
        if primary_state is not None:
            if (primary_state not in ended or primary_closed_at is None
                    or HOLD_TAG in (primary_tags or [])):
                continue
            until = max(until, _kept_until(primary_closed_at, primary_until,
                                           policy.complaint_years))
        if until < today:
            yield pk, until
