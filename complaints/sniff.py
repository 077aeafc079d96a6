"""Recognise an evidence file by its content, never by its name."""

import codecs
import io
import zipfile

_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),  # .doc/.xls
    (b"ID3", "audio/mpeg"),
    (b"#!AMR\n", "audio/amr"),  # the call recordings of Chinese phones
    (b"#!AMR-WB\n", "audio/amr-wb"),
]
# The brand of an ISO media file (bytes 8-12) that is not a video.
_FTYP = {b"heic": "image/heic", b"heix": "image/heic", b"heim": "image/heic",
         b"heis": "image/heic", b"hevc": "image/heic-sequence", b"hevx": "image/heic-sequence",
         b"mif1": "image/heif", b"msf1": "image/heif-sequence", b"avif": "image/avif",
         b"M4A ": "audio/mp4", b"M4B ": "audio/mp4", b"qt  ": "video/quicktime"}
_OOXML = (("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
          ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
          ("ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"))
_BMP_HEADER_SIZES = {12, 40, 52, 56, 64, 108, 124}


def sniff_type(data: bytes) -> str | None:
    """The accepted content type of `data`, or None when it is not an accepted kind."""
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    if data[:4] == b"RIFF" and data[8:12] in {b"WAVE", b"WEBP"}:
        return "audio/wav" if data[8:12] == b"WAVE" else "image/webp"
    if data[4:8] == b"ftyp":
        return _FTYP.get(data[8:12], "video/mp4")
    if data.startswith(b"OggS"):
        return "video/ogg" if b"\x80theora" in data[:256] else "audio/ogg"
    if _is_bmp(data):
        return "image/bmp"
    audio = _mpeg_audio(data)
    if audio:
        return audio
    return _text_type(data[:4096])


def _zip_type(data: bytes) -> str:
    """An Office (OOXML or OpenDocument) file by what its zip holds; any other zip stays a zip."""
    if data[30:38] == b"mimetype":  # OpenDocument stores its type first, uncompressed
        declared = data[38:38 + 80].split(b"PK", 1)[0].decode("ascii", "replace")
        if declared.startswith("application/vnd.oasis.opendocument."):
            return declared
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()  # the central directory only: nothing is inflated
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return "application/zip"
    if "[Content_Types].xml" in names:
        for prefix, content_type in _OOXML:
            if any(n.startswith(prefix) for n in names):
                return content_type
    return "application/zip"


def _is_bmp(data: bytes) -> bool:
    # "BM" alone also begins ordinary text: the reserved words and the DIB header size decide.
    return (data[:2] == b"BM" and len(data) >= 18 and data[6:10] == b"\x00\x00\x00\x00"
            and int.from_bytes(data[14:18], "little") in _BMP_HEADER_SIZES)


def _mpeg_audio(data: bytes) -> str | None:
    """MPEG audio without an ID3 tag (MP3 of every MPEG version, MPEG-2 `\\xff\\xf3` among
    them) or AAC in ADTS frames: 11 sync bits, then a header with no reserved values."""
    if len(data) < 4 or data[0] != 0xFF or data[1] & 0xE0 != 0xE0:
        return None
    version, layer = (data[1] >> 3) & 0b11, (data[1] >> 1) & 0b11
    if layer == 0:
        return "audio/aac" if data[1] & 0xF6 == 0xF0 else None  # ADTS: version bits 0, layer 0
    bitrate, rate = data[2] >> 4, (data[2] >> 2) & 0b11
    # Layer I and free bitrate are left out: nobody records them, and `\xff\xfe` is also the
    # byte order mark of UTF-16 text.
    if version == 0b01 or layer == 0b11 or bitrate in (0, 0b1111) or rate == 0b11:
        return None
    return "audio/mpeg"


def _text_type(head: bytes) -> str | None:
    """Plain text in UTF-8, or in GB18030 (GBK, GB2312) as Chinese Windows and Excel write it."""
    try:  # incremental, so a character cut at the 4 KiB boundary is not an error
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        pass
    else:
        return None if "\x00" in text else "text/plain"
    try:
        text = codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
    except UnicodeDecodeError:
        return None
    # GB18030 decodes most byte pairs: binary data shows as control or private-use characters.
    if any((ch < " " and ch not in "\t\n\r\x0c") or "\ue000" <= ch <= "\uf8ff" or ch == "\ufffd"
           for ch in text):
        return None
    return "text/plain; charset=gb18030"
