"""Anchors: a periodic commitment to the head of every complaint's chain. A chain alone cannot
show that it was cut at its tail (its last events deleted and the complaint's head rewound to an
earlier event); a chain that no longer holds the head its latest anchor recorded can. Anchors are
chained like events (AuditAnchor), logged, and exported (`audit_anchor`) for the bank to publish
or escrow outside the database, against which a rewrite of the anchors themselves shows
(`verify_audit --anchor FILE`)."""

import datetime as dt
import hashlib
import logging
from collections.abc import Iterator
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from complaints.audit import _digest, _plain
from complaints.models import AnchorHead, AuditAnchor, Complaint, Event

logger = logging.getLogger(__name__)

ANCHOR_EVERY = dt.timedelta(hours=1)  # the beat's interval (tousu/beat.py)
# A head changed by a transaction still open while the previous anchor read the complaints is
# recorded by the next one: it records the complaints updated since that anchor, less this.
IN_FLIGHT = dt.timedelta(minutes=10)
EXPORTED = ("seq", "complaints", "digest", "heads_digest", "cutover_event_id", "prev_hash",
            "hash")


def anchor_hash(anchor: AuditAnchor) -> str:
    """Frozen for anchor #0 in complaints migration 0008."""
    return _digest(["anchor", anchor.prev_hash, anchor.seq, _plain(anchor.at), anchor.complaints,
                    anchor.digest, anchor.heads_digest, anchor.cutover_event_id])


def _line(number: str, seq: int, head: str) -> bytes:
    return f"{number} {seq} {head}\n".encode()


def take_anchor(now: dt.datetime | None = None) -> AuditAnchor:
    """Anchor every complaint's head now, in one streaming query over the complaints: `digest`
    covers them all; the heads recorded are those of the complaints updated since the previous
    anchor (all of them after anchor #0 or none). Raises IntegrityError where another process
    took the same anchor at the same time."""
    now = now or timezone.now()
    prev = AuditAnchor.objects.order_by("-seq").first()
    since = prev.at - IN_FLIGHT if prev is not None and prev.seq > 0 else None
    everything, recorded = hashlib.sha256(), hashlib.sha256()
    count, heads = 0, []  # heads: (complaint pk, seq, hash)
    rows = Complaint.objects.order_by("pk").values_list(
        "pk", "number", "last_event_seq", "last_event_hash", "updated_at")
    for pk, number, seq, head, updated_at in rows.iterator(chunk_size=2000):
        line = _line(number, seq, head)
        everything.update(line)
        count += 1
        if since is None or updated_at >= since:
            recorded.update(line)
            heads.append((pk, seq, head))
    anchor = AuditAnchor(
        seq=0 if prev is None else prev.seq + 1, at=now, complaints=count,
        digest=everything.hexdigest(), heads_digest=recorded.hexdigest(),
        cutover_event_id=0 if prev is None else prev.cutover_event_id,
        prev_hash="" if prev is None else prev.hash)
    anchor.hash = anchor_hash(anchor)
    with transaction.atomic():
        anchor.save()
        for start in range(0, len(heads), 1000):  # model instances only a batch at a time
            AnchorHead.objects.bulk_create([
                AnchorHead(anchor=anchor, complaint_id=pk, seq=seq, hash=head)
                for pk, seq, head in heads[start:start + 1000]])
    logger.info(log_line(anchor))
    return anchor


def log_line(anchor: AuditAnchor) -> str:
    """The anchor as logged, its digests in groups of four: the log's PII mask reads a long run
    of digits in a hex digest as a card or account number (ops.logs)."""
    def grouped(digest: str) -> str:
        return ":".join(digest[i:i + 4] for i in range(0, len(digest), 4))

    return f"audit anchor #{anchor.seq} at {_plain(anchor.at)}: {anchor.complaints} " \
           f"complaints, digest {grouped(anchor.digest)}, hash {grouped(anchor.hash)}"


def scheduled_anchor() -> AuditAnchor | None:
    """The beat's job: an anchor, unless one was taken less than an interval ago (every server
    process runs the in-process beat) or another process is taking it now."""
    latest = AuditAnchor.objects.order_by("-seq").first()
    if latest is not None and latest.seq > 0 and \
            timezone.now() - latest.at < ANCHOR_EVERY - dt.timedelta(minutes=5):
        return None
    try:
        return take_anchor()
    except IntegrityError:
        logger.info("audit anchor taken by another process at the same time")
        return None


def exported(anchor: AuditAnchor) -> dict[str, Any]:
    """What the bank publishes or escrows: digests only, no complaint's data."""
    return {"at": _plain(anchor.at), **{name: getattr(anchor, name) for name in EXPORTED}}


def broken_anchors() -> Iterator[str]:
    """The first place where the anchors do not hold: one missing, altered or not linking to
    the one before, its heads not the ones it recorded, or the latest one's digest not that of
    the heads recorded up to it."""
    anchors = list(AuditAnchor.objects.order_by("seq"))
    heads: dict[int, Any] = {}  # anchor seq -> digest of the heads recorded with it
    latest: dict[int, bytes] = {}  # complaint pk -> its head's line in the latest anchor
    rows = AnchorHead.objects.order_by("anchor__seq", "complaint_id").values_list(
        "anchor__seq", "complaint_id", "complaint__number", "seq", "hash")
    for anchor_seq, pk, number, seq, head in rows.iterator(chunk_size=5000):
        line = _line(number, seq, head)
        heads.setdefault(anchor_seq, hashlib.sha256()).update(line)
        latest[pk] = line
    prev_hash = ""
    for expected, anchor in enumerate(anchors):
        if anchor.seq != expected:
            yield f"anchor #{expected} is missing"
            return
        recorded = heads.get(anchor.seq, hashlib.sha256()).hexdigest()
        if anchor.prev_hash != prev_hash:
            yield f"anchor #{anchor.seq}: does not link to the previous anchor"
        elif anchor_hash(anchor) != anchor.hash or recorded != anchor.heads_digest:
            yield f"anchor #{anchor.seq}: content does not match its hash (altered)"
        else:
            prev_hash = anchor.hash
            continue
        return
    if anchors:
        everything = hashlib.sha256(b"".join(latest[pk] for pk in sorted(latest)))
        if (everything.hexdigest(), len(latest)) != (anchors[-1].digest, anchors[-1].complaints):
            yield f"anchor #{anchors[-1].seq}: its digest is not that of the heads recorded " \
                  f"(a head changed without its complaint being updated)"


def escrow_problem(copy: dict[str, Any]) -> str | None:
    """Whether the database still holds an anchor as exported (published, escrowed)."""
    anchor = AuditAnchor.objects.filter(seq=copy["seq"]).first()
    if anchor is None:
        return f"anchor #{copy['seq']} (escrowed) is missing (anchors removed)"
    if anchor.hash != copy["hash"]:
        return f"anchor #{copy['seq']} differs from its escrowed copy (anchors rewritten)"
    return None


def stale_anchor_warning(now: dt.datetime | None = None) -> str | None:
    """Why the anchors look cut at their own tail (the latest ones deleted leave a chain that
    holds): events a good deal newer than the latest anchor, which the hourly beat would have
    anchored. A warning, not proof: a stopped beat looks the same."""
    now = now or timezone.now()
    latest = AuditAnchor.objects.order_by("-seq").first()
    if latest is None or latest.seq == 0 or latest.at > now - 2 * ANCHOR_EVERY:
        return None
    newest = Event.objects.order_by("-at").values_list("at", flat=True).first()
    if newest is None or newest <= latest.at + 2 * ANCHOR_EVERY:
        return None
    return (f"WARNING the latest anchor (#{latest.seq}, {latest.at:%Y-%m-%d %H:%M} UTC) is older "
            f"than events of {newest:%Y-%m-%d %H:%M} UTC by more than two hourly intervals: the "
            "latest anchors may have been removed, or the beat that takes them has stopped")
