"""Evidence types, QA pass 3 (M5): the formats customers actually send are recognised by content,
with their real types, and what is not one of them is still refused."""

import io
import zipfile

import pytest

from complaints.sniff import sniff_type

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def _bmp() -> bytes:
    pixels = b"\x00\x00\xff\x00"
    header = b"BM" + (54 + len(pixels)).to_bytes(4, "little") + b"\x00" * 4 + \
        (54).to_bytes(4, "little")
    dib = (40).to_bytes(4, "little") + (1).to_bytes(4, "little") + (1).to_bytes(4, "little") + \
        b"\x01\x00\x20\x00" + b"\x00" * 24
    return header + dib + pixels


def test_gbk_text_and_csv_are_accepted() -> None:
    text = "投诉说明：信用卡年费被乱收，要求退还。\r\n".encode("gbk")
    table = "日期,金额,摘要\r\n2026-11-03,1200.50,年费\r\n".encode("gb18030")
    assert sniff_type(text) == "text/plain; charset=gb18030"
    assert sniff_type(table) == "text/plain; charset=gb18030"
    assert sniff_type("投诉说明".encode()) == "text/plain"  # UTF-8 as before


@pytest.mark.parametrize(("data", "expected"), [
    (b"#!AMR\n" + bytes([0x3C, 0x91, 0x17, 0x16, 0xBE, 0x66, 0x78, 0x00]) * 8, "audio/amr"),
    (b"#!AMR-WB\n" + b"\x2c\x81\x55" * 20, "audio/amr-wb"),
    (b"\xff\xf3\x64\xc4" + b"\x00" * 200, "audio/mpeg"),  # MPEG-2 layer III, no ID3
    (b"\xff\xfb\x90\x64" + b"\x00" * 200, "audio/mpeg"),  # MPEG-1 layer III
    (b"\xff\xf1\x50\x80" + b"\x00" * 200, "audio/aac"),  # ADTS
    (b"OggS\x00\x02" + b"\x00" * 22 + b"\x01\x13OpusHead" + b"\x00" * 30, "audio/ogg"),
    (b"II*\x00\x08\x00\x00\x00" + b"\x00" * 50, "image/tiff"),
    (b"MM\x00*\x00\x00\x00\x08" + b"\x00" * 50, "image/tiff"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "image/heic"),
    (b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A isom", "audio/mp4"),
    (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", "video/mp4"),  # as before
])
def test_audio_and_image_formats_are_accepted_with_their_types(data: bytes, expected: str) -> None:
    assert sniff_type(data) == expected


def test_a_bmp_is_accepted_but_text_starting_with_bm_stays_text() -> None:
    assert sniff_type(_bmp()) == "image/bmp"
    assert sniff_type(b"BMW 3 series loan statement\n") == "text/plain"


def test_office_files_get_their_office_types_and_a_plain_zip_stays_a_zip() -> None:
    assert sniff_type(_zip("[Content_Types].xml", "_rels/.rels", "word/document.xml")) == DOCX
    assert sniff_type(_zip("[Content_Types].xml", "xl/workbook.xml")) == XLSX
    assert sniff_type(_zip("[Content_Types].xml", "ppt/presentation.xml")) == PPTX
    assert sniff_type(_zip("photos/1.jpg", "readme.txt")) == "application/zip"
    assert sniff_type(b"PK\x03\x04" + b"\x00" * 40) == "application/zip"  # unreadable: as before


@pytest.mark.parametrize("data", [
    b"\x7fELF\x02\x01\x01" + b"\x00" * 100,  # an executable
    b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100,  # a Windows program
    bytes(range(256)) * 4,  # binary noise
    b"\xff\xfe\x00\x00" + b"\x00" * 40,  # no valid MPEG header
    "UTF-16 投诉".encode("utf-16"),  # its byte order mark is no MPEG header
    b"\x81\x30\x81\x30\x01\x02\x03\x04\x05",  # decodes as GB18030, but control bytes
])
def test_what_is_not_an_accepted_kind_is_still_refused(data: bytes) -> None:
    assert sniff_type(data) is None
