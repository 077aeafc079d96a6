"""Mail a branch forwards to the complaints mailbox: the forwarded original's sender is the
customer (Outlook's and Foxmail/QQ Mail's inline formats, Outlook's forward as attachment, in
UTF-8 and GBK), who forwarded it is on the timeline, and the bank's own mail with no original
sender is held for an agent, never registered in the staff member's name."""

import hashlib
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import pytest

from complaints.models import Complaint, Event
from intake import mail
from intake.actions import release
from intake.models import QuarantinedMessage
from notify.models import Notification

pytestmark = pytest.mark.django_db

OUTLOOK = """请投诉中心登记处理，客户昨天来电催过。
王经理 朝阳支行

-----Original Message-----
From: Zhang San <zhangsan@example.cn>
Sent: Monday, November 23, 2026 9:30 AM
To: Chaoyang Branch <chaoyang@bank.example>; Li Ming
 <liming@bank.example>
Subject: Credit card charged twice

My card was charged twice for the same purchase on 20 November.
Please refund the second charge.
"""
FOXMAIL = """转投诉中心。

------------------ 原始邮件 ------------------
发件人: "李四"<lisi@qq.com>;
发送时间: 2026年11月23日(星期一) 上午9:30
收件人: "朝阳支行"<chaoyang@bank.example>;
主题: 理财产品亏损

我在贵行购买的理财产品亏损严重，销售时未告知风险，要求赔偿。
"""
NO_ADDRESS = """请处理。

发件人： 王五
发送时间： 2026-11-23 09:30
主题： 投诉柜员态度

柜员态度恶劣。
"""


def forward(body: str, *, sender: str = "王经理 <wang.jl@bank.example>",
            subject: str = "FW: 投诉", charset: str = "utf-8") -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = "complaints@bank.example"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 23 Nov 2026 10:05:00 +0800"
    msg["Message-ID"] = f"<{hashlib.sha256(body.encode()).hexdigest()[:16]}@bank.example>"
    msg.set_content(body, charset=charset, cte="base64")
    return msg.as_bytes()


def forward_as_attachment(sender: str = "Wang <wang.jl@bank.example>") -> bytes:
    """Outlook's "Forward as attachment": the customer's GBK mail attached whole."""
    original = EmailMessage(policy=SMTP)
    original["From"] = "赵六 <zhaoliu@163.com>"
    original["To"] = "chaoyang@bank.example"
    original["Subject"] = "贷款提前还款被收违约金"
    original["Date"] = "Sun, 22 Nov 2026 20:14:00 +0800"
    original.set_content("提前还款时被收取了合同未约定的违约金3000元。", charset="gbk")
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = "complaints@bank.example"
    msg["Subject"] = "FW: 贷款提前还款被收违约金"
    msg["Message-ID"] = "<fwd-attached-1@bank.example>"
    msg.set_content("见附件客户来信。")
    msg.add_attachment(original)
    return msg.as_bytes()


@pytest.fixture
def bank(settings: Any) -> None:
    settings.TOUSU_BANK_MAIL_DOMAINS = ["bank.example"]


def test_an_outlook_forward_registers_the_original_sender(cast: Any, bank: None,
                                                           templates: None) -> None:
    result = mail.ingest(forward(OUTLOOK, subject="FW: Credit card charged twice"), "test")
    assert result.status == "created"
    c = Complaint.objects.get(number=result.number)
    assert (c.customer.email, c.customer.name) == ("zhangsan@example.cn", "Zhang San")
    assert c.content.startswith("Credit card charged twice\n\nMy card was charged twice")
    assert "王经理" not in c.content
    ack = Notification.objects.get(complaint=c, kind="acknowledgement")
    assert ack.address == "zhangsan@example.cn"  # not the branch
    note = Event.objects.get(complaint=c, type="note").payload["text"]
    assert "wang.jl@bank.example" in note and "Monday, November 23, 2026 9:30 AM" in note
    assert "客户昨天来电催过" in note  # the forwarder's words


def test_a_foxmail_forward_in_gbk_registers_the_original_sender(cast: Any, bank: None) -> None:
    result = mail.ingest(forward(FOXMAIL, subject="转发：理财产品亏损", charset="gbk"), "test")
    c = Complaint.objects.get(number=result.number)
    assert (c.customer.email, c.customer.name) == ("lisi@qq.com", "李四")
    assert c.content.startswith("理财产品亏损\n\n我在贵行购买的理财产品亏损严重")


def test_a_qq_mail_html_forward_in_gbk_registers_the_original_sender(cast: Any,
                                                                     bank: None) -> None:
    markup = ('<div>请登记</div><div><br></div><div style="font-size:12px;background:#efefef;">'
              '<div><b>发件人:</b>&nbsp;"李四"&lt;lisi@qq.com&gt;;</div><div><b>发送时间:</b>&nbsp;'
              '2026年11月23日(星期一) 上午9:30</div><div><b>收件人:</b>&nbsp;"朝阳支行"&lt;'
              'chaoyang@bank.example&gt;;</div><div></div><div><b>主题:</b>&nbsp;理财产品亏损</div>'
              '</div><div><br></div>我在贵行购买的理财产品亏损严重。')
    msg = EmailMessage(policy=SMTP)
    msg["From"] = "=?gbk?B?zfW+rcDt?= <wang.jl@bank.example>"
    msg["Subject"] = "转发：理财产品亏损"
    msg["Message-ID"] = "<qq-html-1@bank.example>"
    msg.set_content(markup, subtype="html", charset="gbk")
    c = Complaint.objects.get(number=mail.ingest(msg.as_bytes(), "test").number)
    assert c.customer.email == "lisi@qq.com"
    assert c.content == "理财产品亏损\n\n我在贵行购买的理财产品亏损严重。"


def test_a_message_forwarded_as_attachment_registers_its_sender(cast: Any, bank: None) -> None:
    result = mail.ingest(forward_as_attachment(), "test")
    c = Complaint.objects.get(number=result.number)
    assert c.customer.email == "zhaoliu@163.com"
    assert c.content == "贷款提前还款被收违约金\n\n提前还款时被收取了合同未约定的违约金3000元。"
    assert "见附件客户来信" in Event.objects.get(complaint=c, type="note").payload["text"]


def test_an_active_staff_members_address_is_the_banks(cast: Any) -> None:
    cast.users["alice"].email = "alice@branch-mail.example"
    cast.users["alice"].save()
    raw = forward(FOXMAIL, sender="Alice <ALICE@branch-mail.example>")
    c = Complaint.objects.get(number=mail.ingest(raw, "test").number)
    assert c.customer.email == "lisi@qq.com"


def test_a_forward_of_a_forward_finds_the_customer_below_the_staff(cast: Any, bank: None) -> None:
    chain = ("FYI\n\n-----Original Message-----\nFrom: Wang <wang.jl@bank.example>\n"
             "Sent: Monday, November 23, 2026 10:00 AM\nSubject: FW: 理财产品亏损\n\n" + FOXMAIL)
    c = Complaint.objects.get(number=mail.ingest(forward(chain), "test").number)
    assert c.customer.email == "lisi@qq.com"


def test_the_banks_mail_without_an_original_sender_is_held_for_an_agent(
        cast: Any, bank: None) -> None:
    raw = forward(NO_ADDRESS, subject="转发: 投诉柜员态度")
    result = mail.ingest(raw, "test")
    assert result.status == "held (forward)"
    assert not Complaint.objects.exists() and not Notification.objects.exists()
    row = QuarantinedMessage.objects.get(sha256=hashlib.sha256(raw).hexdigest())
    assert row.status == "held" and "未找到被转发的原邮件发件人" in row.error
    assert "no forwarded original sender" in row.error
    assert release(row, "agent").status == "held"  # a retry registers nothing either
    assert not Complaint.objects.exists()


def test_the_banks_own_mail_that_forwards_nothing_is_held(cast: Any, bank: None) -> None:
    raw = forward("我是支行员工，想投诉食堂。", sender="Wang <wang.jl@sub.bank.example>",
                  subject="投诉")
    assert mail.ingest(raw, "test").status == "held (forward)"
    assert not Complaint.objects.exists()


def test_a_customer_forwarding_their_own_mail_is_the_customer(cast: Any, bank: None) -> None:
    raw = forward(OUTLOOK, sender="Customer <me@example.org>", subject="FW: charged twice")
    c = Complaint.objects.get(number=mail.ingest(raw, "test").number)
    assert c.customer.email == "me@example.org"
    assert not Event.objects.filter(complaint=c, type="note").exists()


def test_a_forwarded_reply_naming_an_open_complaint_is_the_customers_note(
        register: Any, bank: None) -> None:
    c = register(customer={"name": "李四", "email": "lisi@qq.com"})
    body = FOXMAIL.replace("主题: 理财产品亏损", f"主题: 回复：{c.number} 补充材料")
    result = mail.ingest(forward(body), "test")
    assert (result.status, result.number) == ("threaded", c.number)
    note = Event.objects.get(complaint=c, type="note").payload["text"]
    assert "wang.jl@bank.example" in note and "different sender" not in note
