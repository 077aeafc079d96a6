"""Auto-replies and bounces sent without RFC 3834 headers, known by how their subject starts
(Outlook, Exchange, QQ Mail, Foxmail, Gmail): held for an agent, or a silent note on the open
complaint they name; a customer's subject that merely contains such a word is a complaint."""

import hashlib
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import pytest

from complaints.models import Complaint, Event
from intake import mail
from intake.models import QuarantinedMessage
from notify.models import Notification

pytestmark = pytest.mark.django_db

AUTOMATIC = [
    "自动回复: 投诉受理回执", "自动答复: 投诉受理回执", "Auto-Reply: Your complaint",
    "Automatic reply: Your complaint", "Out of Office: Your complaint", "Out of Office",
    "Out of Office AutoReply: Your complaint", "【休假】", "休假中：请联系同事",
    "Undeliverable: 投诉受理回执", "退信：投诉受理回执", "系统退信",
    "Delivery Status Notification (Failure)", "[自动回复] 投诉受理回执",
]
PERSONAL = [
    "关于自动回复的投诉：客服只会自动回复", "退信用卡年费的申请", "休假期间信用卡被盗刷",
    "Complaint: your automatic reply never answers", "Re: Out of pocket fees",
]


def message(subject: str, body: str = "我不在办公室，12月1日返回。",
            charset: str = "utf-8") -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = "陈七 <chenqi@example.cn>"
    msg["To"] = "complaints@bank.example"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 23 Nov 2026 10:05:00 +0800"
    msg["Message-ID"] = f"<{hashlib.sha256(subject.encode()).hexdigest()[:16]}@example.cn>"
    msg.set_content(body, charset=charset)
    return msg.as_bytes()


@pytest.mark.parametrize("subject", AUTOMATIC)
def test_an_auto_reply_known_by_its_subject_is_held_for_an_agent(cast: Any, subject: str) -> None:
    raw = message(subject, charset="gbk")
    result = mail.ingest(raw, "test")
    assert result.status in {"ignored (auto-reply)", "ignored (bounce)"}
    assert not Complaint.objects.exists() and not Notification.objects.exists()
    row = QuarantinedMessage.objects.get(sha256=hashlib.sha256(raw).hexdigest())
    assert row.status == "held" and "请人工核实" in row.error
    assert "an agent should check it" in row.error


def test_an_auto_reply_naming_an_open_complaint_is_a_silent_note(register: Any) -> None:
    c = register()
    before = Notification.objects.count()
    result = mail.ingest(message(f"自动回复: 投诉受理回执 {c.number}"), "test")
    assert (result.status, result.number) == ("threaded (auto-reply)", c.number)
    assert "疑似自动回复" in Event.objects.get(complaint=c, type="note").payload["text"]
    assert Notification.objects.count() == before  # no handler notice, nothing to the sender


@pytest.mark.parametrize("subject", PERSONAL)
def test_a_customers_subject_containing_such_a_word_is_a_complaint(cast: Any,
                                                                   subject: str) -> None:
    raw = message(subject, body="我的信用卡被重复扣费三次，客服电话一直是自动回复，要求退款。" * 3)
    assert mail.ingest(raw, "test").status == "created"
