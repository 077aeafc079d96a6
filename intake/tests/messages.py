"""Real .eml messages, written byte by byte as the mailers that send them do: Chinese charsets,
quoted-printable and base64, HTML-only, raw 8-bit headers, attachments, and broken ones."""

import base64
import quopri
import uuid

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
       b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
DATE = "Sun, 22 Nov 2026 09:30:00 +0800"


def _words(text: str, charset: str, encoding: str = "B", codec: str = "") -> str:
    data = text.encode(codec or charset)
    if encoding == "B":
        return f"=?{charset}?B?{base64.b64encode(data).decode()}?="
    quoted = quopri.encodestring(data, header=True).decode().replace("=\n", "")
    return f"=?{charset}?Q?{quoted}?="


def message(*, subject: str = "", body: bytes = b"", charset: str = "utf-8",
            cte: str = "8bit", ctype: str = "text/plain", sender: str = "",
            message_id: str = "", raw_subject: bytes | None = None,
            extra: bytes = b"") -> bytes:
    """One single-part message; `body` is already in the transfer encoding `cte`."""
    mid = message_id or f"<{uuid.uuid4().hex}@mail.example.cn>"
    head = [
        f"From: {sender or '=?utf-8?B?5byg5LiJ?= <zhangsan@example.cn>'}".encode(),
        b"To: complaints@tousu-bank.example",
        f"Date: {DATE}".encode(),
        f"Message-ID: {mid}".encode(),
        b"Subject: " + (raw_subject if raw_subject is not None else subject.encode()),
        b"MIME-Version: 1.0",
        f'Content-Type: {ctype}; charset="{charset}"'.encode(),
        f"Content-Transfer-Encoding: {cte}".encode(),
    ]
    return b"\r\n".join(head) + extra + b"\r\n\r\n" + body + b"\r\n"


def gbk_quoted_printable(text: str, subject: str, **kw: str) -> bytes:
    return message(subject=_words(subject, "gbk"), charset="gbk", cte="quoted-printable",
                   body=quopri.encodestring(text.encode("gbk")), **kw)


def gb2312_base64(text: str, subject: str, **kw: str) -> bytes:
    """Declared GB2312 but encoded as GBK, as Outlook and Foxmail do for characters outside it."""
    return message(subject=_words(subject, "gb2312", "Q", "gbk"), charset="gb2312", cte="base64",
                   body=base64.encodebytes(text.encode("gbk")), **kw)


def gb18030_8bit(text: str, subject: str, **kw: str) -> bytes:
    return message(subject=_words(subject, "gb18030"), charset="gb18030", cte="8bit",
                   body=text.encode("gb18030"), **kw)


def big5_base64(text: str, subject: str, **kw: str) -> bytes:
    return message(subject=_words(subject, "big5"), charset="big5", cte="base64",
                   body=base64.encodebytes(text.encode("big5")), **kw)


def html_only(markup: str, subject: str, **kw: str) -> bytes:
    return message(subject=_words(subject, "utf-8", "Q"), ctype="text/html",
                   cte="quoted-printable", body=quopri.encodestring(markup.encode()), **kw)


def raw_8bit_subject(text: str, subject: str, **kw: str) -> bytes:
    """A subject in raw GBK bytes, no encoded words at all (seen from older Chinese mailers)."""
    return message(raw_subject=subject.encode("gbk"), charset="gbk", cte="8bit",
                   body=text.encode("gbk"), **kw)


def with_attachments(text: str, subject: str, files: list[tuple[str, bytes]],
                     message_id: str = "", sender: str = "") -> bytes:
    boundary = "----=_Part_" + uuid.uuid4().hex
    mid = message_id or f"<{uuid.uuid4().hex}@mail.example.cn>"
    parts = [
        f"From: {sender or 'Li Si <lisi@example.cn>'}",
        "To: complaints@tousu-bank.example",
        f"Date: {DATE}",
        f"Message-ID: {mid}",
        f"Subject: {_words(subject, 'utf-8')}",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/mixed; boundary="{boundary}"',
        "",
        f"--{boundary}",
        'Content-Type: text/plain; charset="utf-8"',
        "Content-Transfer-Encoding: base64",
        "",
        base64.encodebytes(text.encode()).decode().strip(),
    ]
    for name, data in files:
        parts += [
            f"--{boundary}",
            f'Content-Type: application/octet-stream; name="{_words(name, "utf-8")}"',
            "Content-Transfer-Encoding: base64",
            f'Content-Disposition: attachment; filename="{_words(name, "utf-8")}"',
            "",
            base64.encodebytes(data).decode().strip(),
        ]
    parts.append(f"--{boundary}--")
    return "\r\n".join(parts).encode() + b"\r\n"


def truncated_multipart() -> bytes:
    """Cut off in the middle of a base64 body: no closing boundary, broken padding."""
    boundary = "b1_" + uuid.uuid4().hex
    return (
        "From: 王五 <wangwu@example.cn>\r\nTo: complaints@tousu-bank.example\r\n"
        f"Date: {DATE}\r\nMessage-ID: <{uuid.uuid4().hex}@broken.example>\r\n"
        "Subject: =?utf-8?B?5oqV6K+J?=\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n5oiR55qE5L+h55So5Y2h6KKr55uX5Yi3"
        "5LqG5LqU5Y2D5YWD77yM6ZO26KGM5LiN5LqI5aSE55CG\r\n5oiR5"
    ).encode()
