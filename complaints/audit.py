"""The tamper-evident timeline: every event's hash covers its content and the previous hash.
The payload is covered key by key (a digest of each value), so that retention can redact a value
— keeping its digest in its place — and the chain still prove that nothing else changed."""

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from complaints.models import AnchorHead, AuditAnchor, Complaint, Event

REDACTED = "redacted_sha256"  # the one key of a payload value removed after the event
# What retention redacts (privacy.actions.anonymise_complaint), and only then: the payload keys
# that hold what people wrote, `outcome` where it is free text, before an `anonymise` event. A
# value redacted anywhere else has been hidden by hand, though its digest still matches.
EVENT_TEXT_KEYS = ("comment", "reason", "reasons", "detail", "summary", "place", "text", "body",
                   "new_facts", "note", "name", "purpose", "reference", "proof_of_sending")
EVENT_OUTCOME_TEXTS = ("record_visit", "record_referral_outcome")
ANONYMISE = "anonymise"

def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, Decimal | dt.date):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def canonical(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as it will read back from the database."""
    result: dict[str, Any] = json.loads(json.dumps(payload, default=_plain))
    return result


def _digest(value: Any) -> str:
    body = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def _is_redacted(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and REDACTED in value


def commitments(payload: dict[str, Any]) -> dict[str, str]:
    """What an event's hash covers of its payload: one digest per key, so that a value can be
    redacted later (replaced by its digest, see `redact`) and the chain still verify."""
    return {k: v[REDACTED] if _is_redacted(v) else _digest(v) for k, v in payload.items()}


def redact(payload: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """The payload with the values of `keys` replaced by their digests (the hash is unchanged);
    empty values and values already redacted stay as they are."""
    wanted = set(keys)
    return {k: {REDACTED: _digest(v)} if k in wanted and v not in ("", None, [], {})
            and not _is_redacted(v) else v for k, v in payload.items()}


HASH_VERSION = 2  # what seal_event writes; verification reads each event by its own version


def event_hash(*, version: int, prev_hash: str, number: str, seq: int, type: str, actor: str,
               actor_id: int | None, at: dt.datetime, state_after: str,
               payload: dict[str, Any]) -> str:
    """v1 covers the actor's name only; v2 their user id too, and starts with its version, so a
    v2 hash never reads as a v1 one."""
    if version == 1:
        return _digest([prev_hash, number, seq, type, actor, _plain(at), state_after,
                        commitments(payload)])
    if version == 2:
        return _digest([2, prev_hash, number, seq, type, actor, actor_id, _plain(at),
                        state_after, commitments(payload)])
    raise ValueError(f"unknown event hash version {version}")


def seal_event(complaint: Complaint, type: str, *, actor_label: str, actor_id: int | None,
               at: dt.datetime, payload: dict[str, Any]) -> Event:
    """The next event of the complaint, hashed, unsaved; the complaint's chain head moves to it
    (the caller saves both in one transaction)."""
    payload = canonical(payload)
    seq = complaint.last_event_seq + 1
    digest = event_hash(
        version=HASH_VERSION, prev_hash=complaint.last_event_hash, number=complaint.number,
        seq=seq, type=type, actor=actor_label, actor_id=actor_id, at=at,
        state_after=complaint.state, payload=payload,
    )
    event = Event(
        complaint=complaint, seq=seq, type=type, actor_id=actor_id, actor_label=actor_label,
        at=at, state_after=complaint.state, payload=payload,
        prev_hash=complaint.last_event_hash, hash=digest, hash_version=HASH_VERSION,
    )
    complaint.last_event_seq = seq
    complaint.last_event_hash = digest
    return event


def append_event(complaint: Complaint, type: str, *, actor_label: str, actor_id: int | None,
                 at: dt.datetime, payload: dict[str, Any]) -> Event:
    """Append an event to a saved complaint (the caller saves the complaint's chain head)."""
    event = seal_event(complaint, type, actor_label=actor_label, actor_id=actor_id, at=at,
                       payload=payload)
    event.save()
    return event


def redactable(event_type: str) -> tuple[str, ...]:
    """The payload keys of an event of this type that retention redacts."""
    if event_type in EVENT_OUTCOME_TEXTS:
        return (*EVENT_TEXT_KEYS, "outcome")
    return EVENT_TEXT_KEYS


def _misredacted(event: Event) -> str | None:
    """The first payload key whose value is redacted though retention never redacts it."""
    allowed = redactable(event.type)
    return next((key for key, value in event.payload.items()
                 if _is_redacted(value) and key not in allowed), None)


def cutover_event_id() -> int:
    """The newest event that may be sealed under v1, as anchor #0 records it (complaints
    migration 0008); without anchor #0, none may."""
    found = AuditAnchor.objects.filter(seq=0).values_list("cutover_event_id", flat=True).first()
    return found or 0


Anchored = tuple[int, int, str]  # (anchor seq, event seq, event hash) of a complaint's head


def anchored_heads(complaint_ids: Iterable[int] | None = None) -> dict[int, Anchored]:
    """Each complaint's head as its latest anchor recorded it, by complaint id: one streaming
    query (of the complaints given, or all)."""
    rows = AnchorHead.objects.order_by("anchor__seq")
    if complaint_ids is not None:
        rows = rows.filter(complaint_id__in=list(complaint_ids))
    return {pk: (anchor, seq, head) for anchor, pk, seq, head in rows.values_list(
        "anchor__seq", "complaint_id", "seq", "hash").iterator(chunk_size=5000)}


def _sealed_wrongly(event: Event, cutover: int) -> str | None:
    """Why the event's hash does not hold, or None."""
    if event.hash_version < HASH_VERSION and event.pk > cutover:
        return f"sealed under hash v{event.hash_version} after the cut-over to " \
               f"v{HASH_VERSION} (downgraded)"
    try:
        digest = event_hash(
            version=event.hash_version, prev_hash=event.prev_hash,
            number=event.complaint.number, seq=event.seq, type=event.type,
            actor=event.actor_label, actor_id=event.actor_id, at=event.at,
            state_after=event.state_after, payload=event.payload,
        )
    except ValueError:
        return f"unknown hash version {event.hash_version}"
    return None if digest == event.hash else "content does not match its hash (altered)"


def first_broken_link(complaint: Complaint, cutover: int | None = None,
                      heads: dict[int, Anchored] | None = None) -> str | None:
    """Describe the first place where the complaint's chain does not hold, or None. A value
    redacted other than by retention breaks it too (a key retention leaves alone, or any key on
    a complaint not anonymised since), and so does a state the timeline did not lead to, an
    event sealed under v1 after the cut-over to v2, or a chain that no longer holds the head its
    latest anchor recorded (cut at its tail, or rewritten). `cutover` and `heads` save a query
    each when many chains are checked."""
    if cutover is None:
        cutover = cutover_event_id()
    anchored = (heads if heads is not None else anchored_heads([complaint.pk])).get(complaint.pk)
    prev_hash = ""
    expected_seq = 1
    unexplained: str | None = None  # the first redaction no later `anonymise` event explains
    state: str | None = None  # where the timeline left the complaint
    for event in complaint.events.order_by("seq").iterator():
        event.complaint = complaint
        where = f"{complaint.number} event #{event.seq} ({event.type})"
        if event.seq != expected_seq:
            return f"{complaint.number} event #{expected_seq} is missing"
        if event.prev_hash != prev_hash:
            return f"{where}: does not link to the previous event"
        wrong = _sealed_wrongly(event, cutover)
        if wrong is not None:
            return f"{where}: {wrong}"
        if anchored is not None and event.seq == anchored[1] and event.hash != anchored[2]:
            return f"{where}: not the event anchor #{anchored[0]} recorded (rewritten)"
        key = _misredacted(event)
        if key is not None:
            return f"{where}: {key!r} redacted, which retention never redacts (hidden)"
        if event.type == ANONYMISE:
            unexplained = None
        elif unexplained is None and any(_is_redacted(v) for v in event.payload.values()):
            unexplained = where
        prev_hash, state = event.hash, event.state_after
        expected_seq += 1
    if expected_seq - 1 != complaint.last_event_seq or prev_hash != complaint.last_event_hash:
        return f"{complaint.number}: the chain ends at event #{expected_seq - 1} but the " \
               f"complaint records #{complaint.last_event_seq} (events removed)"
    if anchored is not None and expected_seq - 1 < anchored[1]:
        return f"{complaint.number}: the chain ends at event #{expected_seq - 1} but anchor " \
               f"#{anchored[0]} recorded #{anchored[1]} (events removed after anchoring)"
    if unexplained is not None:
        return f"{unexplained}: a value redacted though the complaint was not anonymised (hidden)"
    if state is not None and state != complaint.state:
        return f"{complaint.number}: state {complaint.state!r} is not where its timeline left " \
               f"it, {state!r} (changed outside the timeline)"
    return None


def broken_chains() -> Iterator[str]:
    cutover, heads = cutover_event_id(), anchored_heads()
    for complaint in Complaint.objects.order_by("pk").iterator(chunk_size=500):
        problem = first_broken_link(complaint, cutover, heads)
        if problem:
            yield problem
