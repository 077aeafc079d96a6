"""Complaints by email: every charset and encoding readable, threading onto the complaint a
message names, attachments as evidence, duplicates suppressed, bad mail quarantined, never lost."""

import mailbox
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from complaints.models import Attachment, Complaint, Event
from conftest import admin_client
from intake import mail
from intake.choices import QuarantineStatus
from intake.models import InboundMessage, QuarantinedMessage
from intake.tests import messages as m
from notify.models import Notification

pytestmark = pytest.mark.django_db
TEXT = "我的信用卡被盗刷5000元，朱镕基路支行不予处理，要求退还。"

ENCODED = {
    "gbk-quoted-printable": (m.gbk_quoted_printable(TEXT, "投诉：信用卡被盗刷"), TEXT,
                             "投诉：信用卡被盗刷"),
    "gb2312-base64 (with GBK-only 镕)": (m.gb2312_base64(TEXT, "投诉镕基"), TEXT, "投诉镕基"),
    "gb18030-8bit (4-byte 𠮷)": (m.gb18030_8bit(TEXT + "𠮷", "投诉𠮷"), TEXT + "𠮷", "投诉𠮷"),
    "big5-base64": (m.big5_base64("我的信用卡被重複扣款，請退還。", "投訴：重複扣款"),
                    "我的信用卡被重複扣款，請退還。", "投訴：重複扣款"),
    "html-only": (m.html_only("<html><head><style>p{color:red}</style></head><body><p>信用卡"
                              "&nbsp;年费&amp;滞纳金被乱收</p><script>track()</script>"
                              "<div>请退还</div></body></html>", "年费投诉"),
                  "信用卡 年费&滞纳金被乱收\n\n请退还", "年费投诉"),
    "raw 8-bit GBK subject": (m.raw_8bit_subject(TEXT, "投诉镕：八位标题"), TEXT,
                              "投诉镕：八位标题"),
}


@pytest.mark.parametrize("case", list(ENCODED))
def test_a_message_in_each_encoding_becomes_a_readable_complaint(cast: Any, case: str) -> None:
    raw, text, subject = ENCODED[case]
    result = mail.ingest(raw, "test")
    assert result.status == "created"
    c = Complaint.objects.get(number=result.number)
    assert c.channel == "email"
    assert c.content == f"{subject}\n\n{text}"
    assert (c.customer.name, c.customer.email, c.customer.language) == (
        "张三", "zhangsan@example.cn", "zh-Hans")
    assert c.unit == cast.ho  # the intake unit: the root, unless routing says otherwise
    assert c.events.get().payload["channel"] == "email"


def test_an_email_complaint_is_acknowledged_by_email_in_the_customers_language(
        cast: Any, templates: None) -> None:
    raw = m.message(subject="Annual fee", body=b"You charged me an annual fee I never agreed to.",
                    sender="Jane Doe <jane@example.com>")
    c = Complaint.objects.get(number=mail.ingest(raw, "test").number)
    ack = Notification.objects.get(complaint=c, kind="acknowledgement")
    assert (ack.channel, ack.address) == ("email", "jane@example.com")
    assert c.number in ack.body and "registered as" in ack.body
    assert c.customer.language == "en"


def test_the_same_message_twice_registers_one_complaint(cast: Any) -> None:
    raw = m.gbk_quoted_printable(TEXT, "投诉", message_id="<same-1@example.cn>")
    first = mail.ingest(raw, "a")
    again = mail.ingest(raw, "b")
    resent = mail.ingest(raw.replace(b"Date:", b"X-Resent: yes\r\nDate:"), "c")  # same Message-ID
    assert (first.status, again.status, resent.status) == ("created", "duplicate", "duplicate")
    assert again.number == resent.number == first.number
    assert Complaint.objects.count() == 1 and InboundMessage.objects.count() == 1
    assert Notification.objects.filter(kind="acknowledgement").count() == 1


@pytest.mark.parametrize("where", ["subject", "body", "in-reply-to"])
def test_a_message_naming_a_complaint_is_added_to_it_as_a_note(register: Any, where: str) -> None:
    c = register()
    subject, body, extra = "补充材料", "我补充一下情况：客服答复敷衍。", b""
    if where == "subject":
        subject = f"Re: {c.number} 补充材料"
    elif where == "body":
        body = f"关于投诉编号 {c.number}，{body}"
    else:
        extra = f"\r\nIn-Reply-To: <acknowledgement:{c.number}:1@tousu>".encode()
    raw = m.message(subject=subject, body=body.encode(), extra=extra)
    result = mail.ingest(raw, "test")
    assert (result.status, result.number) == ("threaded", c.number)
    assert Complaint.objects.count() == 1
    note = Event.objects.get(complaint=c, type="note")
    assert "客服答复敷衍" in note.payload["text"] and "zhangsan@example.cn" in note.payload["text"]
    assert note.actor_label == "intake:email"
    assert mail.ingest(raw, "again").status == "duplicate"
    assert Event.objects.filter(complaint=c, type="note").count() == 1


def test_a_message_about_a_closed_complaint_becomes_a_new_one(register: Any) -> None:
    c = register()
    Complaint.objects.filter(pk=c.pk).update(state="withdrawn")
    result = mail.ingest(m.message(subject=f"{c.number} 又出问题", body=b"again"), "test")
    assert result.status == "created" and result.number != c.number
    assert c.number in Complaint.objects.get(number=result.number).content


def test_attachments_become_evidence_judged_by_content_not_name(cast: Any) -> None:
    raw = m.with_attachments(TEXT, "附件投诉", [("收据.jpg", m.PDF), ("说明.txt", "文字".encode()),
                                              ("程序.exe", b"MZ\x90\x00\x03\x00\x00\x00")])
    result = mail.ingest(raw, "test")
    c = Complaint.objects.get(number=result.number)
    kinds = {a.name: a.content_type for a in Attachment.objects.filter(complaint=c)}
    assert kinds == {"收据.jpg": "application/pdf", "说明.txt": "text/plain"}
    receipt = Attachment.objects.get(complaint=c, name="收据.jpg")
    assert receipt.file.read() == m.PDF and len(receipt.sha256) == 64
    refused = Event.objects.filter(complaint=c, type="note").get().payload["text"]
    assert "程序.exe" in refused  # named on the timeline; the whole message is kept
    kept = InboundMessage.objects.get(complaint=c)
    assert kept.raw.read() == raw


def test_an_oversize_attachment_is_refused_and_named(cast: Any, settings: Any) -> None:
    settings.TOUSU_MAX_ATTACHMENT_BYTES = 100
    raw = m.with_attachments(TEXT, "大附件", [("big.pdf", m.PDF + b"x" * 200)])
    c = Complaint.objects.get(number=mail.ingest(raw, "test").number)
    assert not Attachment.objects.filter(complaint=c).exists()
    note = c.events.get(type="note").payload["text"]
    assert "big.pdf: 超过 100 字节 / exceeds 100 bytes" in note


@pytest.mark.parametrize("raw", [m.truncated_multipart(), b"\x00\xffnot a message at all",
                                 b"Subject: no sender\r\n\r\nhello\r\n"])
def test_a_corrupt_message_lands_in_quarantine_whole(cast: Any, raw: bytes) -> None:
    result = mail.ingest(raw, "imap:x;UID=7")
    assert result.status == "quarantined"
    assert Complaint.objects.count() == 0
    row = QuarantinedMessage.objects.get()
    assert row.raw.read() == raw and row.status == "held" and row.error
    assert mail.ingest(raw, "imap:x;UID=7").status == "quarantined"  # the same row, counted
    row.refresh_from_db()
    assert QuarantinedMessage.objects.count() == 1 and row.attempts == 2


def test_staff_see_the_quarantine_in_the_admin_and_retry_it(cast: Any, monkeypatch: Any) -> None:

    raw = m.gbk_quoted_printable(TEXT, "投诉")
    real = mail.receive
    monkeypatch.setattr(mail, "receive", lambda msg: (_ for _ in ()).throw(
        RuntimeError("database was down")))
    assert mail.ingest(raw, "test").status == "quarantined"
    monkeypatch.setattr(mail, "receive", real)
    row = QuarantinedMessage.objects.get()
    assert "database was down" in row.error

    client = admin_client()
    page = client.get("/admin/intake/quarantinedmessage/")
    assert page.status_code == 200 and "database was down" in page.content.decode()
    client.post("/admin/intake/quarantinedmessage/",
                {"action": "retry", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert row.status == QuarantineStatus.RELEASED and row.handled_by == "boss"
    assert row.complaint is not None and row.complaint.content.endswith(TEXT)


def test_import_mail_reads_mbox_files_and_folders_of_eml(cast: Any, tmp_path: Path) -> None:
    box = mailbox.mbox(tmp_path / "complaints.mbox")
    for i in range(3):
        box.add(m.gbk_quoted_printable(f"{TEXT}{i}", f"投诉{i}"))
    box.add(m.truncated_multipart())
    box.flush()
    box.close()
    folder = tmp_path / "eml"
    folder.mkdir()
    (folder / "a.eml").write_bytes(m.big5_base64("重複扣款", "投訴"))
    call_command("import_mail", str(tmp_path / "complaints.mbox"), str(folder))
    assert Complaint.objects.count() == 4 and QuarantinedMessage.objects.count() == 1
    call_command("import_mail", str(tmp_path / "complaints.mbox"), str(folder))
    assert Complaint.objects.count() == 4  # imported again: nothing new
