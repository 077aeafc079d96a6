"""Complaints by email: reading a message (Chinese charsets, quoted-printable and base64,
HTML-only) and ingesting it — a new complaint, or a note on the complaint it names — or keeping
it in the quarantine when it cannot be read. Nothing is dropped."""

import datetime as dt
import email
import email.errors
import email.header
import email.utils
import html
import logging
import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path, PurePath

from django.conf import settings
from django.utils import timezone

from complaints.errors import ActionError
from intake import forwards, mailauth
from intake.actions import (
    Held,
    Ignored,
    Inbound,
    IntakeError,
    Received,
    message_key,
    quarantine,
    receive,
)

logger = logging.getLogger(__name__)

# Declared names mapped to the codec that reads them best: GB2312 and GBK mail routinely carries
# characters only GBK/GB18030 have, and Big5 mail characters only HKSCS has.
CODECS = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
    "euc-cn": "gb18030", "csgb2312": "gb18030", "gb_2312-80": "gb18030", "gb18030": "gb18030",
    "big5": "big5hkscs", "x-big5": "big5hkscs", "cn-big5": "big5hkscs", "cp950": "big5hkscs",
    "big5-hkscs": "big5hkscs", "unknown-8bit": "", "x-unknown": "", "us-ascii": "utf-8",
    "ascii": "utf-8",
}
FALLBACKS = ("utf-8", "gb18030", "big5hkscs")
# Defects after which the text can no longer be trusted to be what the sender wrote.
FATAL_DEFECTS = (
    email.errors.InvalidBase64PaddingDefect,
    email.errors.InvalidBase64LengthDefect,
    email.errors.StartBoundaryNotFoundDefect,
    email.errors.CloseBoundaryNotFoundDefect,
    email.errors.NoBoundaryInMultipartDefect,
    email.errors.MissingHeaderBodySeparatorDefect,
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
# Senders that are systems, not people, and cannot be answered (bounces are checked first).
MACHINE_SENDERS = frozenset({"noreply", "no-reply", "donotreply", "do-not-reply"})
# The start of an auto-reply's or a bounce's subject (Outlook, Exchange, QQ Mail, Foxmail, Gmail,
# Lotus) where the mailer sent no RFC 3834 header: the marker, optionally in brackets, then a
# colon, a bracket or nothing more. A word that merely begins a customer's subject ("休假期间…",
# "退信用卡年费") has no such ending and is no marker.
AUTO_SUBJECT = re.compile(
    r"^\s*[\[【(（]?\s*(?:(?P<reply>自动回复|自动答复|自動回覆|自動回复|auto[- ]?reply|"
    r"automatic reply|out of (?:the )?office(?: auto ?reply)?|休假中?)|(?P<bounce>undeliverable|"
    r"undelivered mail returned to sender|undelivered mail|系统退信|退信通知|退信|"
    r"delivery status notification|mail delivery failed|delivery failure))"
    r"\s*(?:[]】)）:：(（]|$)", re.IGNORECASE)
BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})


def decode_bytes(data: bytes, declared: str | None) -> str:
    """Text in the declared charset, else the first of UTF-8, GB18030 and Big5-HKSCS that reads
    it without error. Raises IntakeError when none does."""
    names: list[str] = []
    if declared:
        declared = declared.strip().strip('"').lower()
        names.append(CODECS.get(declared, declared))
    for name in (n for n in [*names, *FALLBACKS] if n):
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    raise IntakeError(f"text in an unknown or broken encoding (declared {declared!r})")


def _raw(value: str) -> bytes:
    """The bytes the parser read (it keeps 8-bit bytes as surrogates)."""
    try:
        return value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogateescape")


def header_text(value: str | None) -> str:
    """A header as text: RFC 2047 encoded words decoded with the charset fallbacks above, and
    raw 8-bit headers (sent by some Chinese mailers) recovered from their bytes."""
    if not value:
        return ""
    if "=?" not in value:
        return " ".join(decode_bytes(_raw(value), None).split())
    try:
        parts = email.header.decode_header(value)
    except (email.errors.HeaderParseError, ValueError):
        return " ".join(value.split())
    out = []
    for chunk, charset in parts:
        raw = _raw(chunk) if isinstance(chunk, str) else chunk
        out.append(decode_bytes(raw, charset))
    return " ".join("".join(out).split())


class _HtmlText(HTMLParser):
    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
                        "blockquote", "table", "pre"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "head", "title"}:
            self.skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "head", "title"}:
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in html.unescape("".join(parser.parts)).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


@dataclass
class ParsedMail:
    message_id: str
    sender_name: str
    sender: str
    subject: str
    text: str
    date: dt.datetime | None  # the Date header: written by the sender, never the received time
    refs: list[str] = field(default_factory=list)
    attachments: list[tuple[str, bytes]] = field(default_factory=list)
    automatic: str = ""  # why a machine sent it (see `automatic`); "" for a person's mail
    relayed_at: dt.datetime | None = None  # the newest Received header's time
    # The messages attached to it whole, and then the forwarder's own words.
    originals: list[forwards.Original] = field(default_factory=list)
    cover: str = ""
    unauthenticated: str = ""  # why the bank's gateway found the From not authentic


def _headers(msg: Message) -> dict[str, str]:
    """The first value of each header, as raw as the parser keeps it (8-bit bytes survive as
    surrogates), so that header_text can decode it with the right charset."""
    first: dict[str, str] = {}
    for name, value in msg.raw_items():
        first.setdefault(name.lower(), str(value))
    return first


def _fatal(part: Message) -> str:
    bad = [type(d).__name__ for d in part.defects if isinstance(d, FATAL_DEFECTS)]
    return ", ".join(bad)


def _filename(part: Message) -> str:
    name = part.get_filename()
    if name is None:
        return ""
    return PurePath(header_text(str(name)).replace("\\", "/")).name[:200]


def automatic(msg: Message, sender: str, subject: str = "") -> str:
    """Why the message was sent by a machine and must not be answered (RFC 3834, RFC 3464):
    "auto-reply: …", "bounce: …" or "bulk: …"; "" for a person's message. Many mailers send
    auto-replies and bounces without those headers; their subject then starts with a marker
    (`AUTO_SUBJECT`)."""
    headers = _headers(msg)
    local = sender.split("@")[0].lower()
    submitted = headers.get("auto-submitted", "").split(";")[0].strip().lower()
    precedence = headers.get("precedence", "").strip().lower()
    # The message itself, not a part: a customer may forward a bounce as an attachment.
    if msg.get_content_type() in {"multipart/report", "message/delivery-status"}:
        kind = str(msg.get_param("report-type") or "delivery-status")
        return f"bounce: multipart/report {kind}"[:200]
    if "return-path" in headers and headers["return-path"].strip() in {"", "<>"}:
        return "bounce: empty Return-Path"
    if local in {"mailer-daemon", "postmaster"}:
        return f"bounce: from {local}"
    if submitted and submitted != "no":
        return f"auto-reply: Auto-Submitted {submitted}"[:200]
    for name in ("x-autoreply", "x-autorespond"):
        if name in headers:
            return f"auto-reply: {name}"
    if local in MACHINE_SENDERS:
        return f"auto-reply: from {local}"
    if precedence in BULK_PRECEDENCE:
        return f"{'auto-reply' if precedence == 'auto_reply' else 'bulk'}: Precedence {precedence}"
    return auto_subject(subject)


def auto_subject(subject: str) -> str:
    """Why a subject marks an auto-reply or a bounce, judged by how it starts only: a customer
    writing about an auto-reply ("关于自动回复的投诉", "退信用卡年费") is not one."""
    found = AUTO_SUBJECT.match(subject)
    if found is None:
        return ""
    kind = "bounce" if found.group("bounce") else "auto-reply"
    word = found.group("bounce") or found.group("reply")
    return (f"{kind}: 主题以“{word}”开头，疑似自动回复或退信，请人工核实 / the subject starts "
            f"with “{word}”, as an automatic reply or bounce does: an agent should check it")


def _relayed_at(msg: Message) -> dt.datetime | None:
    """The time in the newest Received header: the bank's own server's when it took the
    message in, as opposed to the sender's Date."""
    hops = msg.get_all("received") or []
    if not hops:
        return None
    stamp = str(hops[0]).rpartition(";")[2].strip()
    try:
        when = email.utils.parsedate_to_datetime(stamp)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def parse(raw: bytes) -> ParsedMail:
    """Read a message. Raises IntakeError when it is not a readable message."""
    if not raw.strip():
        raise IntakeError("empty message")
    if len(raw) > settings.TOUSU_MAX_MAIL_BYTES:
        raise IntakeError(f"message larger than {settings.TOUSU_MAX_MAIL_BYTES} bytes")
    msg = email.message_from_bytes(raw)
    if _fatal(msg):
        raise IntakeError(f"malformed message: {_fatal(msg)}")
    headers = _headers(msg)
    name, address = email.utils.parseaddr(header_text(headers.get("from")))
    if not _EMAIL.match(address):
        raise IntakeError(f"no sender address (From: {headers.get('from', '')[:100]!r})")
    plain: list[str] = []
    markup: list[str] = []
    attachments: list[tuple[str, bytes]] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        problem = _fatal(part)
        filename = _filename(part)
        disposition = (part.get_content_disposition() or "").lower()
        ctype = part.get_content_type()
        if filename or disposition == "attachment" or not ctype.startswith("text/"):
            if problem:
                raise IntakeError(f"attachment {filename!r} is damaged: {problem}")
            attachments.append((filename or f"attachment-{len(attachments) + 1}", data))
            continue
        if problem:
            raise IntakeError(f"the {ctype} part is damaged: {problem}")
        text = decode_bytes(data, part.get_content_charset())
        (markup if ctype == "text/html" else plain).append(text)
    body = "\n\n".join(t.strip() for t in plain if t.strip())
    if not body and markup:
        body = "\n\n".join(html_to_text(m) for m in markup)
    subject = header_text(headers.get("subject"))
    if not body.strip() and not subject and not attachments:
        raise IntakeError("the message has no subject, text or attachment")
    date = None
    try:
        date = email.utils.parsedate_to_datetime(headers.get("date", ""))
        if date.tzinfo is None:
            date = date.replace(tzinfo=dt.UTC)
    except (TypeError, ValueError, IndexError):
        date = None
    refs = [header_text(headers.get(h)) for h in ("in-reply-to", "references")]
    originals = forwards.attached(msg, header_text, _text_of)
    return ParsedMail(
        message_id=_clean(header_text(headers.get("message-id"))),
        sender_name=_clean(name).strip()[:200], sender=_clean(address).strip()[:254],
        subject=_clean(subject)[:1000], text=_clean(body), date=date,
        refs=[_clean(r) for r in refs if r],
        attachments=[(_clean(n), data) for n, data in attachments],
        automatic=automatic(msg, address, subject), relayed_at=_relayed_at(msg),
        originals=originals, cover=_text_of(msg) if originals else "",
        unauthenticated=mailauth.failure(msg),
    )


def _own_parts(msg: Message) -> Iterator[Message]:
    """The message's own leaf parts: not those of a message attached to it."""
    if msg.get_content_type() == "message/rfc822":
        return
    if msg.is_multipart():
        for part in msg.get_payload():
            if isinstance(part, Message):
                yield from _own_parts(part)
    else:
        yield msg


def _text_of(msg: Message) -> str:
    """A message's own text (its plain parts, else its HTML as text); a part that does not
    decode is left out (the whole message is kept)."""
    found: dict[bool, list[str]] = {True: [], False: []}
    for part in _own_parts(msg):
        if part.get_filename() or part.get_content_disposition() == "attachment" or \
                part.get_content_type() not in {"text/plain", "text/html"}:
            continue
        payload = part.get_payload(decode=True)
        try:
            text = decode_bytes(payload if isinstance(payload, bytes) else b"",
                                part.get_content_charset())
        except IntakeError:
            continue
        found[part.get_content_type() == "text/html"].append(text)
    text = "\n\n".join(t.strip() for t in found[False] if t.strip())
    return _clean(text or "\n\n".join(html_to_text(m) for m in found[True]))


def _clean(text: str) -> str:
    """Without NUL characters: never meant in mail text, and PostgreSQL cannot store them."""
    return text.replace("\x00", "")


def received_time(arrived_at: dt.datetime | None, relayed_at: dt.datetime | None,
                  now: dt.datetime | None = None) -> dt.datetime:
    """When the bank received the message: the mail server's arrival time (IMAP INTERNALDATE)
    when known, else the newest Received header's, else now (the import). Never the Date
    header: the sender writes it, and the clocks must not start before the bank had it."""
    now = now or timezone.now()
    for known in (arrived_at, relayed_at):
        if known is not None:
            return min(known, now)
    return now


def guess_language(subject: str, text: str) -> str:
    """Chinese when the message has any Chinese character or no Latin letter at all; else
    English."""
    both = f"{subject}\n{text}"
    return "en" if _LATIN.search(both) and not _CJK.search(both) else "zh-Hans"


def to_inbound(parsed: ParsedMail, raw: bytes, origin: str,
               arrived_at: dt.datetime | None = None, held_since: dt.datetime | None = None
               ) -> Inbound:
    """The message ready to register. Sent from the bank's own address, it is a branch
    forwarding a customer's mail: the customer is the forwarded original's sender (see
    `forwarded`), and with none found it is held for an agent, never registered in the name of
    the staff member."""
    inbound = Inbound(
        channel="email", key=message_key(parsed.message_id, raw), sender=parsed.sender,
        subject=parsed.subject, text=parsed.text, customer=_customer(
            parsed.sender_name, parsed.sender, parsed.subject, parsed.text),
        received_at=received_time(arrived_at, parsed.relayed_at, held_since), raw=raw,
        origin=origin, refs=parsed.refs, attachments=parsed.attachments, automatic=parsed.automatic,
    )
    if parsed.automatic or not forwards.bank_address(parsed.sender):
        return inbound
    if parsed.unauthenticated:  # a forgery of the bank's address: its forward is not trusted
        inbound.hold_kind = "unauthenticated"
        inbound.hold = mailauth.hold_reason(parsed.sender, parsed.unauthenticated)
        inbound.forwarded = mailauth.warning(parsed.unauthenticated)  # for the timeline
        return inbound
    inline, cover = forwards.in_text(parsed.text)
    original = next((o for o in [*parsed.originals, *inline]
                     if o.address and not forwards.bank_address(o.address)), None)
    if original is None:
        inbound.hold = (
            f"本行地址（{parsed.sender}）发来的邮件，未找到被转发的原邮件发件人：未登记为投诉、"
            f"未回复，请人工处理 / mail from the bank's own address ({parsed.sender}) with no "
            "forwarded original sender found: not registered as a complaint, nothing sent; an "
            "agent must handle it")
        return inbound
    return forwarded(inbound, parsed, original, parsed.cover or cover)


def forwarded(inbound: Inbound, parsed: ParsedMail, original: forwards.Original,
              cover: str) -> Inbound:
    """`inbound` as the original's: its sender is the customer, its subject and text the
    complaint; who forwarded it, with their words, goes on the timeline. The received time
    stays the forward's arrival, the receipt the bank can prove; the original's own date, as
    the forward writes it, is recorded beside it for the handler."""
    subject = original.subject or forwards.strip_prefix(parsed.subject)
    text = original.text or parsed.text
    forwarder = f"{parsed.sender_name} <{parsed.sender}>".strip()
    sent = original.sent or "未注明 / not stated"
    note = (f"本邮件由本行 {forwarder} 转发，原发件人 {original.address}，"
            f"原邮件发送时间（按转发所示）{sent}；受理时间按转发到达投诉邮箱的时间计，"
            "客户向网点发信可能更早，请核对 / "
            f"Forwarded by the bank's {forwarder}; original sender {original.address}, sent "
            f"(as the forward shows) {sent}. Received is when the forward reached the "
            "complaints mailbox; the customer wrote to the branch earlier: check the dates.")
    if cover:
        note += f"\n\n转发人附言 / The forwarder wrote:\n{cover}"
    inbound.sender, inbound.subject, inbound.text, inbound.forwarded = (
        original.address, subject, text, note)
    inbound.customer = _customer(original.name, original.address, subject, text)
    return inbound


def _customer(name: str, address: str, subject: str, text: str) -> dict[str, str]:
    return {"name": (name or address.split("@")[0])[:200], "email": address,
            "language": guess_language(subject, text)}


def read_for_retry(raw: bytes, origin: str, held_since: dt.datetime) -> Inbound:
    """A quarantined message read again: the bank has had it at least since it was held, so
    its clocks never start at the retry."""
    return to_inbound(parse(raw), raw, origin, held_since=held_since)


@dataclass(frozen=True)
class Ingested:
    # created, threaded, duplicate or quarantined; for a machine's mail "threaded (auto-reply)"
    # or "ignored (auto-reply)" (likewise bounce, bulk), the ignored ones quarantined; "held
    # (forward)" for the bank's own mail with no original sender, quarantined too ("held
    # (unauthenticated)" when the gateway found its From forged)
    status: str
    number: str = ""
    quarantine_id: int | None = None


def ingest(raw: bytes, origin: str, arrived_at: dt.datetime | None = None) -> Ingested:
    """Turn one message into a committed complaint, note or quarantine row; never raises for a
    bad message. The caller may tell the mail server once this has returned."""
    parsed = None
    try:
        parsed = parse(raw)
        received: Received = receive(to_inbound(parsed, raw, origin, arrived_at))
        status = str(received.status)
        if parsed.automatic and status == "threaded":
            status = f"threaded ({parsed.automatic.split(':')[0]})"
        return Ingested(status, received.number)
    except Held as exc:  # kept, held for an agent, with nothing sent
        row = quarantine(channel="email", raw=raw, origin=origin, error=str(exc),
                         message_id=parsed.message_id if parsed else "",
                         sender=parsed.sender if parsed else "",
                         subject=parsed.subject if parsed else "")
        verb = "ignored" if isinstance(exc, Ignored) else "held"
        return Ingested(f"{verb} ({exc.kind})", quarantine_id=row.pk)
    except Exception as exc:  # the message is kept whatever went wrong, with the reason
        if isinstance(exc, ActionError):
            reason = f"{exc.detail}: {exc.errors}"
        elif isinstance(exc, IntakeError):
            reason = str(exc)
        else:
            reason = f"{type(exc).__name__}: {exc}"
            logger.exception("intake: unexpected error on %s", origin)
        row = quarantine(
            channel="email", raw=raw, origin=origin, error=reason,
            message_id=parsed.message_id if parsed else "",
            sender=parsed.sender if parsed else "", subject=parsed.subject if parsed else "",
        )
        return Ingested("quarantined", quarantine_id=row.pk)


def read_files(path: str | PurePath) -> Iterator[tuple[str, bytes]]:
    """(origin, raw bytes) of every message in a .eml file, an mbox file, a Maildir, or a folder
    of .eml files (sorted by name)."""
    root = Path(path)
    if root.is_dir():
        if (root / "cur").is_dir() and (root / "new").is_dir():
            box = mailbox.Maildir(root, create=False)
            for key in sorted(box.iterkeys()):
                yield f"maildir:{root}/{key}", box.get_bytes(key)
            return
        for file in sorted(root.rglob("*.eml")):
            yield f"file:{file}", file.read_bytes()
        return
    with root.open("rb") as f:
        head = f.read(5)
    if head == b"From ":
        mbox = mailbox.mbox(root, create=False)
        try:
            for index, key in enumerate(mbox.iterkeys()):
                yield f"mbox:{root}#{index + 1}", mbox.get_bytes(key)
        finally:
            mbox.close()
        return
    yield f"file:{root}", root.read_bytes()
