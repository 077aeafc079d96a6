"""The tamper-evident timeline: every event's hash covers its content and the previous hash.
The payload is covered key by key (a digest of each value), so that retention can redact a value
— keeping its digest in its place — and the chain still prove that nothing else changed."""

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from complaints.models import Complaint, Event

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


def event_hash(*, prev_hash: str, number: str, seq: int, type: str, actor: str,
               at: dt.datetime, state_after: str, payload: dict[str, Any]) -> str:
    return _digest([prev_hash, number, seq, type, actor, _plain(at), state_after,
                    commitments(payload)])


def seal_event(complaint: Complaint, type: str, *, actor_label: str, actor_id: int | None,
               at: dt.datetime, payload: dict[str, Any]) -> Event:
    """The next event of the complaint, hashed, unsaved; the complaint's chain head moves to it
    (the caller saves both in one transaction)."""
    payload = canonical(payload)
    seq = complaint.last_event_seq + 1
    digest = event_hash(
        prev_hash=complaint.last_event_hash, number=complaint.number, seq=seq, type=type,
        actor=actor_label, at=at, state_after=complaint.state, payload=payload,
    )
    event = Event(
        complaint=complaint, seq=seq, type=type, actor_id=actor_id, actor_label=actor_label,
        at=at, state_after=complaint.state, payload=payload,
        prev_hash=complaint.last_event_hash, hash=digest,
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


def first_broken_link(complaint: Complaint) -> str | None:
    """Describe the first place where the complaint's chain does not hold, or None. A value
    redacted other than by retention breaks it too (a key retention leaves alone, or any key on
    a complaint not anonymised since), and so does a state the timeline did not lead to."""
    prev_hash = ""
    expected_seq = 1
    unexplained: str | None = None  # the first redaction no later `anonymise` event explains
    state: str | None = None  # where the timeline left the complaint
    for event in complaint.events.order_by("seq").iterator():
        where = f"{complaint.number} event #{event.seq} ({event.type})"
        if event.seq != expected_seq:
            return f"{complaint.number} event #{expected_seq} is missing"
        if event.prev_hash != prev_hash:
            return f"{where}: does not link to the previous event"
        digest = event_hash(
            prev_hash=prev_hash, number=complaint.number, seq=event.seq, type=event.type,
            actor=event.actor_label, at=event.at, state_after=event.state_after,
            payload=event.payload,
        )
        if digest != event.hash:
            return f"{where}: content does not match its hash (altered)"
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
    if unexplained is not None:
        return f"{unexplained}: a value redacted though the complaint was not anonymised (hidden)"
    if state is not None and state != complaint.state:
        return f"{complaint.number}: state {complaint.state!r} is not where its timeline left " \
               f"it, {state!r} (changed outside the timeline)"
    return None


def broken_chains() -> Iterator[str]:
    for complaint in Complaint.objects.order_by("pk").iterator(chunk_size=500):
        problem = first_broken_link(complaint)
        if problem:
            yield problem
