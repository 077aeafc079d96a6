"""Recognise an evidence file by its content, never by its name."""

import codecs

_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),  # also .docx/.xlsx, which are zip containers
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),  # .doc/.xls
    (b"ID3", "audio/mpeg"),
    (b"\xff\xfb", "audio/mpeg"),
]


def sniff_type(data: bytes) -> str | None:
    """The accepted content type of `data`, or None when it is not an accepted kind."""
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] in {b"WAVE", b"WEBP"}:
        return "audio/wav" if data[8:12] == b"WAVE" else "image/webp"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    try:  # incremental, so a character cut at the 4 KiB boundary is not an error
        text = codecs.getincrementaldecoder("utf-8")().decode(data[:4096], final=False)
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    return "text/plain"
