"""Writes of the intake channels. Every channel ends in `receive`: one transaction that registers
a complaint (or adds the message to the complaint it names) through the complaint actions,
stores its attachments as evidence and records the message under a unique key, so that the same
message received twice changes nothing the second time."""

import base64
import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from complaints.action_schemas import EvidenceIn, NoteIn
from complaints.actions import register_complaint, run_action
from complaints.actions.common import megabytes
from complaints.audit import append_event
from complaints.choices import State
from complaints.errors import ActionError
from complaints.lifecycle import END
from complaints.models import Complaint
from complaints.schemas import ComplaintIn
from intake.choices import Outcome, QuarantineStatus
from intake.identifiers import halfwidth
from intake.models import InboundMessage, QuarantinedMessage
from notify.staff import tell_customer_wrote
from org import cache
from org.access import Principal, unit_by_code
from org.choices import Role
from org.models import OrgUnit

logger = logging.getLogger(__name__)
# As customers type it back: any case, the dashes left out or spaced, full-width from a Chinese
# input method (ＴＳ－２０２６…, folded first).
NUMBER = re.compile(r"(?<![A-Z0-9])TS[-_ ]?([0-9]{8})[-_ ]?([0-9]{6})(?![0-9])", re.IGNORECASE)
CLOSED = frozenset({*END, State.CLOSED})
MAX_KEY = 200  # the complaint's idempotency key column
DIFFERENT_SENDER = "发件人不是投诉人本人 / from a different sender"


class IntakeError(Exception):
    """The message cannot become a complaint as it is; it goes to the quarantine."""


class Held(IntakeError):
    """A message naming no open complaint that an agent must look at before anything is
    registered or sent (the bank's own mail with no forwarded original sender); kept in the
    quarantine with the bilingual reason."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind


class Ignored(Held):
    """A message sent by a machine (auto-reply, bounce, list mail) naming no open complaint: it
    registers nothing and is answered with nothing (RFC 3834), but is kept in the quarantine."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(kind, f"自动发出的邮件，未登记为投诉、未回复 / automatic mail ({reason}): "
                               "not registered as a complaint, nothing sent")


def intake_unit() -> OrgUnit:
    """Where complaints from the bank-wide channels are registered: TOUSU_INTAKE_UNIT, else the
    root of the org tree."""
    code = settings.TOUSU_INTAKE_UNIT
    if code:
        unit = unit_by_code(code)
        if unit is None:
            raise IntakeError(f"TOUSU_INTAKE_UNIT {code!r} is not an active org unit")
        return unit
    root: OrgUnit | None = cache.remember(
        "intake-root", "", lambda: OrgUnit.objects.filter(parent=None, active=True)
        .order_by("path").first())
    if root is None:
        raise IntakeError("no active org unit to register complaints on")
    return root


def channel_principal(channel: str) -> Principal:
    """The system acting for a channel: an intake agent on the intake unit, with no user."""
    unit = intake_unit()
    return Principal(label=f"intake:{channel}", grants=((Role.INTAKE_AGENT, unit.path),))


def message_key(message_id: str, raw: bytes) -> str:
    """The dedupe key of a message: its Message-ID (or gateway id), else the hash of its bytes."""
    key = message_id.strip().strip("<>").strip()
    if not key or len(key) > MAX_KEY - 10:
        return "sha256:" + hashlib.sha256(key.encode() if key else raw).hexdigest()
    return key


def find_numbers(*texts: str) -> list[str]:
    """The complaint numbers a message names, written the canonical way (TS-YYYYMMDD-NNNNNN)."""
    seen: list[str] = []
    for text in texts:
        for date, serial in NUMBER.findall(halfwidth(text or "")):
            number = f"TS-{date}-{serial}"
            if number not in seen:
                seen.append(number)
    return seen


@dataclass
class Inbound:
    """A message as a channel read it, ready to register."""

    channel: str  # "email" or "sms"
    key: str
    sender: str
    subject: str
    text: str
    customer: dict[str, Any]
    received_at: dt.datetime
    raw: bytes
    origin: str = ""
    refs: list[str] = field(default_factory=list)  # headers that may name a complaint
    attachments: list[tuple[str, bytes]] = field(default_factory=list)
    automatic: str = ""  # why it was sent by a machine, not a person; "" for a person's message
    hold: str = ""  # why an agent must see it first when it names no open complaint
    hold_kind: str = "forward"  # the hold's kind in the status: "held (forward)"
    forwarded: str = ""  # who forwarded it to the bank, for the timeline; "" when nobody did


@dataclass(frozen=True)
class Received:
    status: str  # "created", "threaded" or "duplicate"
    number: str
    refused: tuple[str, ...] = ()  # attachments not stored as evidence, with the reason


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    marker = "\n…（内容过长，全文见原始消息 / truncated: the original message is kept）"
    return text[: limit - len(marker)] + marker


def _open_complaint(numbers: list[str]) -> tuple[Complaint | None, str]:
    """The first named complaint still open, and the first named one at all (closed or not)."""
    if not numbers:
        return None, ""
    named = {c.number: c for c in Complaint.objects.filter(number__in=numbers)}
    first = next((n for n in numbers if n in named), "")
    for number in numbers:
        c = named.get(number)
        if c is not None and c.state not in CLOSED:
            return c, first
    return None, first


def phone_forms(phone: str) -> list[str]:
    """The ways one mainland number is written: with and without the +86 / 0086 prefix."""
    phone = phone.replace(" ", "").replace("-", "")
    local = re.sub(r"^(\+86|0086)(?=1\d{10}$)", "", phone)
    forms = [phone, local]
    if re.fullmatch(r"1\d{10}", local):
        forms += [f"+86{local}", f"0086{local}"]
    return list(dict.fromkeys(forms))


def from_the_customer(msg: Inbound, c: Complaint) -> bool:
    """Whether the message comes from the complaint's customer: the same email address, or
    the same phone number (compared by its keyed hash)."""
    from complaints.crypto import phone_hash

    customer = c.customer
    if msg.channel == "email":
        return bool(customer.email) and \
            customer.email.strip().lower() == msg.sender.strip().lower()
    if msg.channel == "sms":
        return bool(customer.phone_hash) and \
            customer.phone_hash in {phone_hash(p) for p in phone_forms(msg.sender)}
    return False


def complaint_content(msg: Inbound) -> str:
    """What a new complaint says: the subject of an email, then its text; a message with only
    one of them says it once."""
    text, subject = msg.text.strip(), msg.subject.strip()
    if msg.channel == "email" and subject and text:
        return f"{subject}\n\n{text}"
    return text or subject or "（无正文 no text）"


def receive(msg: Inbound) -> Received:
    """Register `msg` as a complaint, or add it as a note to the open complaint its subject, body
    or reply headers name, with its attachments as evidence; all in one transaction. A message
    added to a complaint is announced to its handler. A message sent by a machine (`automatic`)
    is only ever a silent note: naming no open complaint, it raises Ignored. A message whose
    key was recorded before is a duplicate and changes nothing (the unique constraint on
    InboundMessage, and the complaint's idempotency key, decide — not a prior check)."""
    principal = channel_principal(msg.channel)
    limit = settings.TOUSU_MAX_TEXT
    try:
        with transaction.atomic():
            target, named = _open_complaint(find_numbers(msg.subject, msg.text, *msg.refs))
            if target is None and msg.automatic:
                raise Ignored(msg.automatic.split(":")[0], msg.automatic)
            if target is None and msg.hold:
                raise Held(msg.hold_kind, msg.hold)
            if target is not None:
                # Locked first, so that the version handed to the note is still current.
                target = Complaint.objects.select_for_update().get(pk=target.pk)
                # A different sender's message is kept on the complaint, flagged, rather than
                # held back: it may be the customer writing from another address or phone, or
                # someone acting for them, and a handler must see it within the complaint's
                # time limits. The flag tells the handler to check who wrote before acting on
                # it or saying anything to that sender; the bank's own letters still go only to
                # the customer's recorded contact.
                stranger = not msg.automatic and not from_the_customer(msg, target)
                flags = []
                if msg.automatic:
                    flags.append(f"自动发出，未通知客户 / automatic mail ({msg.automatic}), the "
                                 "customer was not notified")
                if stranger:
                    flags.append(f"{DIFFERENT_SENDER}，请核实身份 / verify who wrote before "
                                 "acting on it")
                if msg.forwarded:
                    flags.append(msg.forwarded)
                heading = f"[{msg.channel} {msg.sender}] {msg.subject}".strip()
                if flags:
                    heading = "\n".join([heading, *(f"（{f}）" for f in flags)])
                c = run_action(principal, target.number, "note",
                               NoteIn(version=target.version,
                                      text=_clip(f"{heading}\n\n{msg.text}".strip(), limit)))
                outcome = Outcome.THREADED
                if not msg.automatic:
                    tell_customer_wrote(c, channel=msg.channel, message_key=msg.key,
                                        different_sender=stranger)
            else:
                content = complaint_content(msg)
                if named:  # it refers to a complaint that is already closed: a repeat complaint
                    content = f"（关于已办结投诉 {named} / about closed complaint {named}）" \
                              f"\n{content}"
                data = ComplaintIn.model_validate({
                    "channel": msg.channel, "received_at": msg.received_at,
                    "customer": msg.customer, "content": _clip(content, limit),
                })
                registered = register_complaint(
                    principal, data, idempotency_key=f"{msg.channel}:{msg.key}"[:MAX_KEY],
                    request_hash=hashlib.sha256(msg.key.encode()).hexdigest(),
                )
                if not registered.created:
                    return Received("duplicate", registered.complaint.number)
                c, outcome = registered.complaint, Outcome.CREATED
                if msg.forwarded:
                    c = record_system_event(c.pk, "note", {"text": _clip(msg.forwarded, limit)},
                                            actor_label=principal.label)
            # A machine's attachments (delivery reports, quoted originals) are no evidence; the
            # whole message is kept below.
            attachments = [] if msg.automatic else msg.attachments
            c, refused = _store_attachments(principal, c, attachments)
            digest = hashlib.sha256(msg.raw).hexdigest()
            row = InboundMessage(channel=msg.channel, key=msg.key, complaint=c, outcome=outcome,
                                 sender=msg.sender[:320], subject=msg.subject[:300],
                                 origin=msg.origin[:300], sha256=digest,
                                 received_at=msg.received_at)
            row.raw.save(f"{digest}.{'eml' if msg.channel == 'email' else 'json'}",
                         ContentFile(msg.raw), save=False)
            row.save()  # a second copy of the message fails here, and nothing above stays
    except IntegrityError:
        earlier = InboundMessage.objects.filter(channel=msg.channel, key=msg.key).first()
        if earlier is None:
            raise
        return Received("duplicate", earlier.complaint.number)
    return Received(str(outcome), c.number, refused)


def _store_attachments(principal: Principal, c: Complaint,
                       attachments: list[tuple[str, bytes]]) -> tuple[Complaint, tuple[str, ...]]:
    """Each attachment through the add_evidence action (type sniffed from the content, size
    limit, SHA-256, the storage API, the scan hook). A refused one is named on the timeline;
    the whole message is kept with the InboundMessage, so nothing is lost."""
    refused: list[str] = []
    limit = settings.TOUSU_MAX_ATTACHMENT_BYTES
    for name, data in attachments:
        if not data:
            refused.append(f"{name}: 空文件（0 字节） / empty file (0 bytes)")
            continue
        if len(data) > limit:
            refused.append(f"{name}: 超过 {limit} 字节 / exceeds {limit} bytes")
            continue
        try:
            c = run_action(principal, c.number, "add_evidence", EvidenceIn(
                version=c.version, name=(name or "attachment")[:200],
                content_base64=base64.b64encode(data).decode(), description="",
            ))
        except ActionError as exc:
            refused.append(f"{name}: {exc.errors[0][1] if exc.errors else exc.detail}")
    if refused:
        c = run_action(principal, c.number, "note", NoteIn(
            version=c.version,
            text="未存为证据的附件（原始消息已保存）/ Attachments not stored as evidence (the "
                 "original message is kept): " + "; ".join(refused),
        ))
    return c, tuple(refused)


def quarantine(*, channel: str, raw: bytes, origin: str, error: str, message_id: str = "",
               sender: str = "", subject: str = "") -> QuarantinedMessage:
    """Keep a message that could not be registered, whole, for staff to retry. The same bytes
    quarantined again are the same row, with one more attempt counted."""
    digest = hashlib.sha256(raw).hexdigest()
    try:
        with transaction.atomic():
            row = QuarantinedMessage(channel=channel, origin=origin[:300], sha256=digest,
                                     size=len(raw), message_id=message_id[:255],
                                     sender=sender[:320], subject=subject[:300],
                                     error=error[:4000])
            row.raw.save(f"{digest}.bin", ContentFile(raw), save=False)
            row.save()
    except IntegrityError:
        QuarantinedMessage.objects.filter(sha256=digest).update(
            attempts=F("attempts") + 1, error=error[:4000], updated_at=timezone.now())
        row = QuarantinedMessage.objects.get(sha256=digest)
    logger.warning("intake: %s message quarantined (%s): %s", channel, origin, error)
    return row


def release(row: QuarantinedMessage, actor: str) -> QuarantinedMessage:
    """Try a quarantined message again with today's reader. On success it is linked to its
    complaint and marked released; on failure the new error is kept and it stays held."""
    from intake import mail, sms

    if row.status != QuarantineStatus.HELD:
        return row
    with row.raw.open("rb") as f:
        raw = f.read()
    reader = mail.read_for_retry if row.channel == "email" else sms.read_for_retry
    try:
        received = receive(reader(raw, row.origin, row.created_at))
    except Exception as exc:  # whatever it is, the message stays held with the reason
        detail = f"{exc.detail}: {exc.errors}" if isinstance(exc, ActionError) else str(exc)
        QuarantinedMessage.objects.filter(pk=row.pk).update(
            error=detail[:4000], attempts=F("attempts") + 1, updated_at=timezone.now())
        row.refresh_from_db()
        return row
    complaint = Complaint.objects.get(number=received.number)
    QuarantinedMessage.objects.filter(pk=row.pk, status=QuarantineStatus.HELD).update(
        status=QuarantineStatus.RELEASED, complaint=complaint, handled_by=actor[:150],
        updated_at=timezone.now())
    row.refresh_from_db()
    return row


def record_system_event(complaint_id: int, type: str, payload: dict[str, Any],
                        *, actor_label: str, actor_id: int | None = None,
                        bump_version: bool = True) -> Complaint:
    """Append an event the system records by itself (a letter's proof of sending) to the
    complaint's timeline. The complaint row is locked (select_for_update; on SQLite the
    IMMEDIATE transaction) so the event chain cannot fork. Without `bump_version` the version
    staff act on stays as it was: a record made in the background must not turn the form a
    handler has open into a 409."""
    with transaction.atomic():
        c = Complaint.objects.select_for_update().get(pk=complaint_id)
        if bump_version:
            c.version += 1
        append_event(c, type, actor_label=actor_label, actor_id=actor_id, at=timezone.now(),
                     payload=payload)
        c.save(update_fields=["version", "last_event_seq", "last_event_hash", "updated_at"])
    return c


def check_evidence(name: str, data: bytes) -> None:
    """Refuse a file before anything is registered: empty, over the size limit, of a kind not
    accepted (judged by its content, never its name) or flagged by the scanner."""
    from complaints.scan import ScanRefused, scan
    from complaints.sniff import sniff_type

    limit = settings.TOUSU_MAX_ATTACHMENT_BYTES
    if not data or len(data) > limit:
        raise ActionError("文件未被接受 / File refused", [("evidence", f"{name}: 文件须为 1 字节至 "
                                                     f"{megabytes(limit)} / must be 1 byte to "
                                                     f"{megabytes(limit)}")])
    if sniff_type(data) is None:
        raise ActionError("文件未被接受 / File refused", [(
            "evidence", f"{name}: 不接受的文件类型 / file type not accepted (PDF, images, "
                        "Office, text, audio)")])
    try:
        scan(data)
    except ScanRefused as exc:
        raise ActionError("文件未被接受 / File refused",
                          [("evidence", f"{name}: 病毒扫描未通过 / {exc}")]) from None


def register_with_evidence(principal: Principal, data: ComplaintIn,
                           files: list[tuple[str, bytes]], *, idempotency_key: str,
                           request_hash: str) -> tuple[Complaint, bool]:
    """Register a complaint taken by staff together with its evidence, in one transaction:
    every file is checked first, so a bad file refuses the whole entry and nothing is stored.
    Returns the complaint and whether this call registered it (False: the form was sent
    before)."""
    for name, content in files:
        check_evidence(name, content)
    with transaction.atomic():
        registered = register_complaint(principal, data, idempotency_key=idempotency_key,
                                        request_hash=request_hash)
        c = registered.complaint
        if not registered.created:
            return c, False  # the same form sent twice: its evidence came with the first
        # The agent attaches what they were handed, wherever routing sent the complaint.
        agent = Principal(label=principal.label, user_id=principal.user_id,
                          grants=(*principal.grants, (Role.INTAKE_AGENT, c.unit.path)))
        for name, content in files:
            c = run_action(agent, c.number, "add_evidence", EvidenceIn(
                version=c.version, name=name[:200],
                content_base64=base64.b64encode(content).decode(), description=""))
    return c, True
