"""Polling the complaints mailbox over IMAP. Each message is committed first (a complaint, a
note or the quarantine) and only then flagged or moved on the server, so a crash in between
means the message is fetched again — and the unique message key makes that second pass a
no-op. Nothing is lost and nothing counts twice."""

import datetime as dt
import imaplib
import logging
import re
import ssl
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from intake import mail

logger = logging.getLogger(__name__)
DONE_FLAG = "$TousuIngested"
_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')


class MailboxError(Exception):
    pass


@dataclass(frozen=True)
class MailboxConfig:
    host: str
    port: int
    user: str
    password: str
    security: str = "ssl"  # ssl | starttls | none
    mailbox: str = "INBOX"
    done_mailbox: str = ""  # empty: flag the message instead of moving it

    @classmethod
    def from_settings(cls) -> "MailboxConfig":
        security = settings.TOUSU_IMAP_SECURITY
        if security not in {"ssl", "starttls", "none"}:
            raise ImproperlyConfigured(
                f"TOUSU_IMAP_SECURITY must be ssl, starttls or none, got {security!r}")
        return cls(host=settings.TOUSU_IMAP_HOST, port=settings.TOUSU_IMAP_PORT,
                   user=settings.TOUSU_IMAP_USER, password=settings.TOUSU_IMAP_PASSWORD,
                   security=security, mailbox=settings.TOUSU_IMAP_MAILBOX,
                   done_mailbox=settings.TOUSU_IMAP_DONE_MAILBOX)


@dataclass
class FetchReport:
    seen: int = 0
    statuses: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items())) or "nothing new"
        return f"{self.seen} messages: {parts}"


def _check(result: tuple[str, list[Any]], what: str) -> list[Any]:
    status, data = result
    if status != "OK":
        raise MailboxError(f"IMAP {what} failed: {data!r}")
    return data


def connect(cfg: MailboxConfig) -> imaplib.IMAP4:
    try:
        if cfg.security == "ssl":
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                cfg.host, cfg.port, ssl_context=ssl.create_default_context(), timeout=30)
        else:
            conn = imaplib.IMAP4(cfg.host, cfg.port, timeout=30)
            if cfg.security == "starttls":
                conn.starttls(ssl.create_default_context())
        conn.login(cfg.user, cfg.password)
        status, data = conn.capability()  # servers announce more (MOVE) once signed in
        if status == "OK" and data and isinstance(data[-1], bytes):
            conn.capabilities = tuple(data[-1].decode().upper().split())
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailboxError(f"cannot sign in to {cfg.host}:{cfg.port}: {exc}") from exc
    return conn


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _mark_done(conn: imaplib.IMAP4, cfg: MailboxConfig, uid: bytes) -> None:
    """Tell the server the message is safely stored: move it to the done mailbox, or flag it."""
    if not cfg.done_mailbox:
        _check(conn.uid("STORE", uid.decode(), "+FLAGS", f"({DONE_FLAG} \\Seen)"), "STORE")
        return
    if "MOVE" in conn.capabilities:
        _check(conn.uid("MOVE", uid.decode(), _quote(cfg.done_mailbox)), "MOVE")
        return
    _check(conn.uid("COPY", uid.decode(), _quote(cfg.done_mailbox)), "COPY")
    _check(conn.uid("STORE", uid.decode(), "+FLAGS", "(\\Deleted)"), "STORE")
    _check(conn.expunge(), "EXPUNGE")


def _arrival(meta: bytes) -> dt.datetime | None:
    """The server's INTERNALDATE: when the message reached the bank."""
    found = _INTERNALDATE.search(meta)
    if found is None:
        return None
    try:
        return dt.datetime.strptime(found.group(1).decode().strip(), "%d-%b-%Y %H:%M:%S %z")
    except ValueError:
        return None


def fetch_mail(cfg: MailboxConfig | None = None, limit: int | None = None) -> FetchReport:
    """Ingest every message in the mailbox not yet marked done, oldest first."""
    if connection.in_atomic_block:
        raise RuntimeError("fetch_mail must run outside a transaction: the server is told "
                           "only after each message is committed")
    cfg = cfg or MailboxConfig.from_settings()
    if not cfg.host:
        raise ImproperlyConfigured("TOUSU_IMAP_HOST is not set")
    report = FetchReport()
    conn = connect(cfg)
    try:
        if cfg.done_mailbox:
            conn.create(_quote(cfg.done_mailbox))  # "already exists" is fine
        _check(conn.select(_quote(cfg.mailbox)), "SELECT")
        _, data = conn.response("UIDVALIDITY")
        validity = data[0].decode() if data and isinstance(data[0], bytes) else "?"
        criteria = "UNDELETED" if cfg.done_mailbox else f"UNKEYWORD {DONE_FLAG} UNDELETED"
        uids = (_check(conn.uid("SEARCH", criteria), "SEARCH")[0] or b"").split()
        for uid in uids[:limit] if limit else uids:
            fetched = _check(conn.uid("FETCH", uid.decode(), "(INTERNALDATE BODY.PEEK[])"),
                             "FETCH")
            item = next((x for x in fetched if isinstance(x, tuple)), None)
            if item is None:
                continue  # expunged by another client meanwhile
            meta, raw = item
            origin = f"imap:{cfg.user}@{cfg.host}/{cfg.mailbox};UIDVALIDITY={validity};UID=" \
                     f"{uid.decode()}"
            result = mail.ingest(raw, origin, _arrival(meta))
            # Committed: only now may the server forget about it.
            _mark_done(conn, cfg, uid)
            report.seen += 1
            report.statuses[result.status] += 1
    finally:
        try:
            conn.logout()
        except (OSError, imaplib.IMAP4.error):
            logger.warning("IMAP logout failed", exc_info=True)
    return report


def poll() -> int:
    """The periodic job: fetch the configured mailbox; nothing when none is configured."""
    if not settings.TOUSU_IMAP_HOST:
        return 0
    return fetch_mail().seen
