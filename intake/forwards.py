"""Mail a branch forwards to the complaints mailbox. The sender is the bank's own (a domain in
TOUSU_BANK_MAIL_DOMAINS, or an active staff member's address), so the customer is whoever wrote
the forwarded original: an attached message (message/rfc822), or the header block an English or
Chinese mail client writes above the quoted original (Outlook's "-----Original Message-----" /
"发件人: … 发送时间: …", Foxmail's and QQ Mail's "------------------ 原始邮件 ------------------",
Gmail's "---------- Forwarded message ---------")."""

import email.utils
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message

from django.conf import settings
from django.contrib.auth import get_user_model

FROM_KEYS = frozenset({"from", "发件人", "發件人", "寄件者", "寄件人"})
DATE_KEYS = frozenset({"sent", "date", "发送时间", "發送時間", "时间", "時間", "日期", "寄件日期"})
TO_KEYS = frozenset({"to", "cc", "收件人", "收件者", "抄送", "抄送人", "副本"})
SUBJECT_KEYS = frozenset({"subject", "主题", "主題", "主旨"})
KEYS = FROM_KEYS | DATE_KEYS | TO_KEYS | SUBJECT_KEYS
_HEADER = re.compile(r"^[>\s]*\**(?P<key>[A-Za-z\u3400-\u9fff]{1,8})\**\s*[:：]\s*(?P<value>.*)$")
_ADDRESS = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_SEPARATOR = re.compile(r"^[>\s]*(?:[-_=—]{2,}.*|.*(?:original message|原始邮件|forwarded "
                        r"message|转发邮件|邮件原文).*|begin forwarded message:?)\s*$",
                        re.IGNORECASE)
FORWARD_PREFIX = re.compile(r"^\s*(?:(?:fwd?|fw|tr|转发|轉寄|转寄)\s*[:：]\s*)+", re.IGNORECASE)


@dataclass(frozen=True)
class Original:
    """A forwarded message as the forward shows it; `address` is "" when it names none."""

    name: str
    address: str
    sent: str  # the Sent/Date line as written, in the forwarding client's format and zone
    subject: str
    text: str


def bank_address(address: str) -> bool:
    """Whether the address is the bank's own: one of its mail domains (or a subdomain of one),
    or an active staff member's."""
    domain = address.rpartition("@")[2].strip().lower()
    if any(domain == d or domain.endswith(f".{d}") for d in settings.TOUSU_BANK_MAIL_DOMAINS):
        return True
    return get_user_model().objects.filter(is_active=True, email__iexact=address.strip()).exists()


def _sender(value: str) -> tuple[str, str]:
    found = _ADDRESS.search(value)
    address = found.group(0) if found else ""
    name = value.replace(address, "") if address else value
    name = re.sub(r"mailto:|[<>\[\]\"'“”;；]", " ", name)
    return " ".join(name.split())[:200], address


def _header(line: str) -> tuple[str, str] | None:
    found = _HEADER.match(line)
    if found is None or found.group("key").lower() not in KEYS:
        return None
    return found.group("key").lower(), found.group("value").strip()


def in_text(text: str) -> tuple[list[Original], str]:
    """The forwarded header blocks in a body, outermost first, each with the text below it;
    and the forwarder's own words above the first. A block is a run of header lines (a long
    To/Cc line may wrap) holding From and a Sent/Date or Subject line."""
    lines = text.splitlines()
    found: list[tuple[int, int, dict[str, str]]] = []  # first line, line after, headers
    i = 0
    while i < len(lines):
        start, last = i, ""
        headers: dict[str, str] = {}
        while i < len(lines):
            header = _header(lines[i])
            if header is not None:
                key, value = header
                headers.setdefault(key, value)
                last = key
            elif lines[i].strip():
                if last not in TO_KEYS:  # else a long To/Cc line, wrapped
                    break
            elif not headers:
                break
            else:
                # A blank line ends the block, unless HTML mail's divs put it between two lines.
                after = next((j for j in range(i, len(lines)) if lines[j].strip()), len(lines))
                if after == len(lines) or _header(lines[after]) is None:
                    break
                i = after - 1
            i += 1
        keys = set(headers)
        if keys & FROM_KEYS and keys & (DATE_KEYS | SUBJECT_KEYS):
            found.append((start, i, headers))
        i = max(i, start + 1)
    originals = []
    for n, (_start, end, headers) in enumerate(found):
        until = found[n + 1][0] if n + 1 < len(found) else len(lines)
        name, address = _sender(next(v for k, v in headers.items() if k in FROM_KEYS))
        body = "\n".join(lines[end:until])
        originals.append(Original(
            name=name, address=address,
            sent=next((v for k, v in headers.items() if k in DATE_KEYS), "")[:100],
            subject=next((v for k, v in headers.items() if k in SUBJECT_KEYS), "")[:1000],
            text=_quoted(body).strip()))
    cover = lines[:found[0][0]] if found else []
    while cover and (not cover[-1].strip() or _SEPARATOR.match(cover[-1])):
        cover.pop()
    return originals, "\n".join(cover).strip()


def _quoted(text: str) -> str:
    """A quoted original ("> …" on every line) without its quote marks."""
    lines = text.splitlines()
    if lines and all(line.startswith(">") or not line.strip() for line in lines):
        return "\n".join(re.sub(r"^>\s?", "", line) for line in lines)
    return text


def attached(msg: Message, header_text: Callable[[str | None], str],
             body_text: Callable[[Message], str]) -> list[Original]:
    """The messages attached whole (message/rfc822), as Outlook's "forward as attachment",
    read with mail.py's header and body decoders."""
    out = []
    for part in msg.walk():
        if part.get_content_type() != "message/rfc822" or not part.is_multipart():
            continue
        inner = part.get_payload(0)
        if not isinstance(inner, Message):
            continue
        name, address = email.utils.parseaddr(header_text(str(inner.get("from", ""))))
        out.append(Original(name=name[:200], address=address if "@" in address else "",
                            sent=header_text(str(inner.get("date", "")))[:100],
                            subject=header_text(str(inner.get("subject", "")))[:1000],
                            text=body_text(inner)))
    return out


def strip_prefix(subject: str) -> str:
    """A subject without the FW:/Fwd:/转发: its forwarding added."""
    return FORWARD_PREFIX.sub("", subject).strip()
