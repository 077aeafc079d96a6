"""Triage of a complaint at registration, and what it shows on the complaint afterwards.

Registration reads the text first (`read_complaint`: one classification with the process's
loaded model, one MinHash signature and an index lookup in memory, plus at most once a second one
query for what other processes registered), before its transaction opens, so that none of that
CPU work holds the database's write lock; `record_triage` then stores it inside the transaction
(two inserts). Without a trained model it still records the signature and duplicates, and
suggests no codes."""

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from complaints.models import Complaint
from complaints.selectors import visible_complaints
from org.access import Principal
from triage import dedup, engine, mapping
from triage.models import Suggestion, SuggestionStatus, TriageRecord
from triage.pii import pii_kinds
from triage.schemas import CodeSuggestionOut, LinkOut, OptionOut, TriageOut

log = logging.getLogger(__name__)
DUPLICATE_WINDOW = dt.timedelta(days=180)  # same customer and matter (as the repeat signal)
GROUP_WINDOW = dt.timedelta(days=30)  # other customers about the same event
INDEX_LIMIT = 100_000
SYNC_BATCH = 10_000
SYNC_EVERY_S = 1.0  # other processes' registrations are seen at most this much later
_index_lock = threading.Lock()
_index: dict[str, dedup.Index] = {}
_own: set[int] = set()  # added on commit, not yet seen by a sync
_synced: dict[str, float] = {}


def text_of(content: str, claim: str) -> str:
    """What triage reads of a complaint: its content and its claim."""
    return f"{content}\n{claim}".strip()


def classification_text(complaint: Complaint) -> str:
    return text_of(complaint.content, complaint.claim)


def duplicate_index(now: dt.datetime | None = None) -> dedup.Index:
    """This process's index of recent signatures: built on first use from the database, given
    this process's own registrations as they commit, and brought up to date with what other
    processes registered at most SYNC_EVERY_S later (one query then, none in between)."""
    with _index_lock:
        index = _index.get("recent")
        if index is None:
            index = dedup.Index()
            since = (now or timezone.now()) - DUPLICATE_WINDOW
            recent = list(TriageRecord.objects.filter(received_at__gte=since)
                          .order_by("-pk").values_list("pk", "customer_id", "received_at",
                                                       "signature")[:INDEX_LIMIT])
            _add_rows(index, recent[::-1])
            index.last_ref = recent[0][0] if recent else (TriageRecord.objects.order_by("-pk")
                                                          .values_list("pk", flat=True).first()
                                                          or 0)
            _index["recent"] = index
            _synced["at"] = time.monotonic()
        elif time.monotonic() - _synced.get("at", 0.0) >= SYNC_EVERY_S:
            fresh = list(TriageRecord.objects.filter(pk__gt=index.last_ref).order_by("pk")
                         .values_list("pk", "customer_id", "received_at", "signature")
                         [:SYNC_BATCH])
            if fresh:
                index.last_ref = fresh[-1][0]
                _add_rows(index, [r for r in fresh if r[0] not in _own])
                _own.difference_update(r[0] for r in fresh)
            _synced["at"] = time.monotonic()
    return index


def _add_own(record: "TriageRecord", sig: np.ndarray) -> None:
    """After commit: this process's own registration joins its index at once."""
    with _index_lock:
        index = _index.get("recent")
        if index is None:
            return
        _own.add(record.pk)
        index.add(np.array([record.pk]), np.array([record.customer_id]),
                  np.array([record.received_at.timestamp()]), sig[None, :])


def _add_rows(index: dedup.Index,
              rows: list[tuple[int, int, dt.datetime, bytes | memoryview]]) -> None:
    if not rows:
        return
    index.add(np.array([r[0] for r in rows]), np.array([r[1] for r in rows]),
              np.array([r[2].timestamp() for r in rows]),
              np.stack([dedup.from_bytes(bytes(r[3])) for r in rows]))


def forget_index() -> None:
    with _index_lock:
        _index.clear()
        _own.clear()
        _synced.clear()


def suggestion_rows(complaint: Complaint, predictions: list[engine.Prediction], version: str,
                    now: dt.datetime) -> list[Suggestion]:
    return [
        Suggestion(
            complaint=complaint, head=p.head, dimension=mapping.dimension_of(p.head),
            options=[{"label": o.label, "name": mapping.label_name(p.head, o.label),
                      "code": mapping.code_for(p.head, o.label), "confidence": o.confidence}
                     for o in p.options],
            uncertain=p.uncertain, model_version=version, created_at=now,
        )
        for p in predictions
    ]


@dataclass(frozen=True)
class Reading:
    """What triage reads from a complaint's text, before its registration's transaction opens
    (the CPU work: nothing of it needs the complaint row or holds a lock)."""
    predictions: list[engine.Prediction]
    model_version: str
    signature: np.ndarray
    matches: list[dedup.Match]
    pii: list[str]


def read_complaint(content: str, claim: str, now: dt.datetime) -> Reading:
    """Classify the text, sign it and look its near-duplicates up in this process's index.
    A failure of the model is logged, never allowed to refuse the complaint."""
    text = text_of(content, claim)
    predictions: list[engine.Prediction] = []
    version = ""
    try:
        model = engine.active()
        if model is not None:
            mapping.head_maps()  # a broken $TOUSU_TRIAGE_MAP: no suggestions, as a broken model
            predictions, version = model.classify([text])[0], model.version
    except Exception:  # a broken model file must not stop intake
        log.exception("triage: classification failed")
    sig = dedup.signature(content)
    return Reading(predictions, version, sig, duplicate_index(now).search(sig), pii_kinds(text))


def find_links(complaint: Complaint, matches: list[dedup.Match]) -> list[dict[str, Any]]:
    """Near-duplicates: the same customer's within DUPLICATE_WINDOW (a merge is proposed), and
    other customers' within GROUP_WINDOW (a possible group complaint about one event)."""
    received = complaint.received_at.timestamp()
    kept = []
    for match in matches:
        if match.ref == complaint.pk:
            continue
        same = match.customer_id == complaint.customer_id
        window = DUPLICATE_WINDOW if same else GROUP_WINDOW
        if abs(received - match.received_at) <= window.total_seconds():
            kept.append((match, same))
    if not kept:
        return []
    # The customer is checked again against the database: an index entry can outlive its row
    # (a rolled-back registration's number is issued again).
    rows = {pk: (number, customer) for pk, number, customer in Complaint.objects.filter(
        pk__in=[m.ref for m, _ in kept]).values_list("pk", "number", "customer_id")}
    return [{"number": rows[m.ref][0], "score": m.score, "same_customer": same}
            for m, same in kept if m.ref in rows and rows[m.ref][1] == m.customer_id]


def record_triage(complaint: Complaint, reading: Reading) -> None:
    """Store what triage read for a complaint just saved, inside its registration's
    transaction: the suggestions and the triage record (two inserts, a third query only when
    the index found near-duplicates)."""
    now = complaint.registered_at or timezone.now()
    suggestions = suggestion_rows(complaint, reading.predictions, reading.model_version, now)
    if suggestions:
        Suggestion.objects.bulk_create(suggestions)
    record = TriageRecord.objects.create(
        complaint=complaint, customer_id=complaint.customer_id, received_at=complaint.received_at,
        signature=dedup.to_bytes(reading.signature), links=find_links(complaint, reading.matches),
        pii=reading.pii, model_version=reading.model_version,
    )
    sig = reading.signature
    transaction.on_commit(lambda: _add_own(record, sig))
    ordered = sorted(suggestions, key=lambda s: s.head)  # as read back from the database
    complaint._triage_out = triage_out(complaint, ordered, record)  # type: ignore[attr-defined]


def retriage(complaint: Complaint) -> None:
    """Classify again with the active model (on demand): pending suggestions are replaced,
    decided ones are kept."""
    model = engine.active()
    if model is None:
        return
    now = timezone.now()
    decided = set(complaint.suggestions.exclude(status=SuggestionStatus.PENDING)
                  .values_list("head", flat=True))
    complaint.suggestions.filter(status=SuggestionStatus.PENDING).delete()
    rows = suggestion_rows(complaint, model.classify([classification_text(complaint)])[0],
                           model.version, now)
    Suggestion.objects.bulk_create([r for r in rows if r.head not in decided])


def _link_out(link: dict[str, Any]) -> LinkOut:
    same = bool(link.get("same_customer"))
    return LinkOut(number=link["number"], score=link["score"],
                   kind="duplicate" if same else "group", proposed_action="merge" if same else "")


def triage_out(complaint: Complaint, suggestions: list[Suggestion] | None = None,
               record: TriageRecord | None = None,
               principal: Principal | None = None) -> TriageOut:
    """What triage says about the complaint (no query when registration just computed it).
    With a `principal`, only the near-duplicates it may read are linked: a link names another
    complaint, which an outsider must not learn of."""
    out = _triage_out(complaint, suggestions, record)
    if principal is None or not out.duplicates:
        return out
    seen = set(visible_complaints(principal).filter(
        number__in=[d.number for d in out.duplicates]).values_list("number", flat=True))
    return out.model_copy(update={"duplicates": [d for d in out.duplicates if d.number in seen]})


def _triage_out(complaint: Complaint, suggestions: list[Suggestion] | None = None,
                record: TriageRecord | None = None) -> TriageOut:
    cached = getattr(complaint, "_triage_out", None)
    if suggestions is None and cached is not None:
        return cached  # type: ignore[no-any-return]
    if suggestions is None:
        suggestions = sorted(complaint.suggestions.all(), key=lambda s: s.head)
    if record is None:
        record = TriageRecord.objects.filter(complaint=complaint).first()
    return TriageOut(
        codes=[CodeSuggestionOut(
            head=s.head, dimension=s.dimension, uncertain=s.uncertain, status=s.status,
            chosen_label=s.chosen_label, chosen_code=s.chosen_code, model_version=s.model_version,
            options=[OptionOut(**o) for o in s.options],
        ) for s in suggestions],
        duplicates=[_link_out(link) for link in (record.links if record else [])],
        pii=record.pii if record else [],
    )
