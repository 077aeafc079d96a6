"""Mail claiming a bank address that the bank's own gateway found not authentic (RFC 8601
Authentication-Results: dmarc=fail, or spf=fail without a passing DKIM signature) is held, never
trusted to speak for a customer; headers the sender wrote below the gateway's are not believed."""

from typing import Any

import pytest

from complaints.models import Complaint, Event
from intake import mail
from intake.models import QuarantinedMessage
from intake.tests.test_mail_forwards import OUTLOOK, forward

pytestmark = pytest.mark.django_db

GATEWAY = "mx.bank.example"


def with_results(*headers: str, body: str = OUTLOOK) -> bytes:
    """A branch's forward with Authentication-Results headers, topmost first."""
    on_top = "".join(f"Authentication-Results: {h}\r\n" for h in headers).encode()
    return on_top + forward(body, subject="FW: Credit card charged twice")


@pytest.fixture
def bank(settings: Any) -> None:
    settings.TOUSU_BANK_MAIL_DOMAINS = ["bank.example"]
    settings.TOUSU_MAIL_AUTHSERV_ID = ""


def test_a_forged_bank_sender_failing_dmarc_is_held(cast: Any, bank: None) -> None:
    raw = with_results(f"{GATEWAY}; spf=pass smtp.mailfrom=evil.example; "
                       "dmarc=fail (p=reject) header.from=bank.example")
    assert mail.ingest(raw, "test").status == "held (unauthenticated)"
    assert not Complaint.objects.exists()
    error = QuarantinedMessage.objects.get().error
    assert "未通过本行邮件网关的发件人认证" in error and "failed its authentication" in error
    assert "dmarc=fail" in error


def test_spf_failing_without_a_passing_dkim_signature_is_held(cast: Any, bank: None) -> None:
    raw = with_results(f"{GATEWAY}; spf=fail smtp.mailfrom=bank.example; dkim=none")
    assert mail.ingest(raw, "test").status == "held (unauthenticated)"


def test_spf_failing_with_a_passing_dkim_signature_is_a_forward(cast: Any, bank: None) -> None:
    raw = with_results(f"{GATEWAY}; spf=fail smtp.mailfrom=bank.example; "
                       "dkim=pass header.d=bank.example")
    assert mail.ingest(raw, "test").status == "created"


def test_only_the_topmost_header_counts_without_an_authserv_id(cast: Any, bank: None) -> None:
    # The sender wrote a failing header into the message; the gateway's own, on top, passed.
    passed = with_results(f"{GATEWAY}; dmarc=pass header.from=bank.example",
                          "forged.example; dmarc=fail header.from=bank.example")
    assert mail.ingest(passed, "test").status == "created"
    forged_pass = with_results(f"{GATEWAY}; dmarc=fail header.from=bank.example",
                               f"{GATEWAY}; dmarc=pass header.from=bank.example",
                               body=OUTLOOK.replace("charged twice", "charged thrice"))
    assert mail.ingest(forged_pass, "test").status == "held (unauthenticated)"


def test_with_an_authserv_id_only_the_gateways_headers_count(cast: Any, bank: None,
                                                              settings: Any) -> None:
    settings.TOUSU_MAIL_AUTHSERV_ID = GATEWAY.upper()
    # An internal relay added its own header above the gateway's: the gateway's still decides.
    raw = with_results("relay.internal; dmarc=pass",
                       f"{GATEWAY} 1; dmarc=fail (p=none) header.from=bank.example")
    assert mail.ingest(raw, "test").status == "held (unauthenticated)"
    other = with_results("other.example; dmarc=fail",
                         body=OUTLOOK.replace("charged twice", "charged thrice"))
    assert mail.ingest(other, "test").status == "created"


def test_a_customers_own_mail_failing_dmarc_is_not_held_by_this_rule(cast: Any,
                                                                     bank: None) -> None:
    raw = b"Authentication-Results: mx.bank.example; dmarc=fail\r\n" + forward(
        "My card was charged twice.", sender="Customer <me@example.org>", subject="charged")
    assert mail.ingest(raw, "test").status == "created"


def test_such_mail_naming_an_open_complaint_is_a_flagged_note(register: Any, bank: None) -> None:
    c = register(customer={"name": "张三", "email": "zhangsan@example.cn"})
    raw = b"Authentication-Results: mx.bank.example; dmarc=fail\r\n" + forward(
        f"请撤销 {c.number} 这宗投诉。", subject=f"FW: {c.number}")
    assert mail.ingest(raw, "test").status == "threaded"
    note = Event.objects.get(complaint=c, type="note").payload["text"]
    assert "possibly forged" in note and "different sender" in note
