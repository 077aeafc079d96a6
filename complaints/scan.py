"""The malware scan of evidence: clamd's INSTREAM command when TOUSU_CLAMD is set ("tcp://host:3310"
or "unix:///path/clamd.ctl"); no scan otherwise. A file clamd flags is refused; clamd being
unreachable refuses the upload too (fail closed), so nothing unscanned is stored once a scanner
is configured."""

import socket
import struct
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

CHUNK = 64 * 1024
TIMEOUT_S = 30.0


class ScanRefused(Exception):
    """The file is infected, or it could not be scanned."""


def _connect(url: str) -> socket.socket:
    parsed = urlparse(url)
    if parsed.scheme == "tcp" and parsed.hostname:
        return socket.create_connection((parsed.hostname, parsed.port or 3310), TIMEOUT_S)
    if parsed.scheme == "unix" and parsed.path:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(TIMEOUT_S)
        sock.connect(parsed.path)
        return sock
    raise ImproperlyConfigured(f"TOUSU_CLAMD must be tcp://host:port or unix:///path, got {url!r}")


def scan(data: bytes) -> None:
    """Raise ScanRefused when clamd finds something or cannot answer; do nothing when no scanner
    is configured."""
    url = settings.TOUSU_CLAMD
    if not url:
        return
    try:
        with _connect(url) as sock:
            sock.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), CHUNK):
                chunk = data[start:start + CHUNK]
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                part = sock.recv(4096)
                if not part:
                    break
                reply += part
    except OSError as exc:
        raise ScanRefused(f"the virus scanner is unavailable ({exc})") from exc
    answer = reply.rstrip(b"\0").decode("utf-8", "replace")
    if answer.endswith("OK") and "FOUND" not in answer:
        return
    if answer.endswith("FOUND"):
        raise ScanRefused(f"malware found: {answer.removeprefix('stream:').strip()}")
    raise ScanRefused(f"the virus scanner refused the file: {answer or 'no answer'}")
