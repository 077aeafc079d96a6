"""Mail that QA found mishandled: auto-replies, bounces and no-reply mail register nothing and
are answered with nothing (RFC 3834) but are kept; a customer's reply reaches the handler; a
different sender's message is flagged; the received time is the bank's, not the sender's Date;
a subject-only message says its subject once, in the right language."""

import base64
import datetime as dt
import hashlib
import io
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from complaints.models import Complaint, Event
from intake import mail
from intake.actions import release
from intake.models import InboundMessage, QuarantinedMessage
from notify.models import Notification
from notify.staff import CUSTOMER_WROTE

pytestmark = pytest.mark.django_db


def eml(*, subject: str = "Complaint", body: str = "", sender: str = "cust@example.com",
        headers: str = "", date: str = "", ctype: str = 'text/plain; charset="utf-8"') -> bytes:
    """A message as QA's reproduction files were written (base64 UTF-8 body)."""
    date = date or "Mon, 23 Nov 2026 01:39:25 +0000"
    head = (f"Content-Type: {ctype}\r\nMIME-Version: 1.0\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            f"Subject: {subject}\r\nFrom: {sender}\r\nDate: {date}\r\n"
            f"Message-ID: <{uuid.uuid4().hex}@example.com>\r\n{headers}")
    return f"{head}\r\n".encode() + base64.encodebytes(body.encode()) + b"\r\n"


def dsn(number: str) -> bytes:
    """A delivery status notification (RFC 3464) about our acknowledgement of `number`."""
    return (
        "From: Mail Delivery System <bounces@mx.example.com>\r\n"
        "Subject: Delivery Status Notification (Failure)\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@mx.example.com>\r\n"
        "Date: Mon, 23 Nov 2026 01:45:59 +0000\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\nFinal-Recipient: rfc822; nobody@example.com\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\nSubject: 投诉受理回执 {number}\r\n"
        "--B--\r\n"
    ).encode()


AUTOMATIC: dict[str, dict[str, str]] = {
    # QA's 12_ooo.eml, 13_bounce.eml and 14_autogen.eml
    "out of office": {
        "subject": "Automatic reply: Decision on complaint {n}", "sender": "cust2@example.com",
        "headers": "Auto-Submitted: auto-replied\r\nX-Autoreply: yes\r\n",
        "body": "I am out of the office until 1 December.\n\n> Tousu Bank: Dear customer, "
                "decision on your complaint {n} ..."},
    "bounce from MAILER-DAEMON": {
        "subject": "Undelivered Mail Returned to Sender",
        "sender": "MAILER-DAEMON@mx.example.com",
        "body": "550 5.1.1 User unknown\n\nSubject: 投诉受理回执 {n}"},
    "auto-generated bulk": {
        "subject": "Auto: hello", "sender": "noreply@shop.example",
        "headers": "Auto-Submitted: auto-generated\r\nPrecedence: bulk\r\n",
        "body": "This mailbox is not monitored. {n}"},
    "X-Autorespond": {"subject": "Re: {n}", "headers": "X-Autorespond: vacation\r\n",
                      "body": "Away"},
    "Precedence list": {"subject": "Digest {n}", "headers": "Precedence: list\r\n",
                        "body": "news"},
    "empty Return-Path": {"subject": "Returned {n}", "headers": "Return-Path: <>\r\n",
                          "body": "failure"},
    "postmaster": {"subject": "Failure {n}", "sender": "postmaster@example.com",
                   "body": "failed"},
    "no-reply sender": {"subject": "Your statement {n}", "sender": "no-reply@bank.example",
                        "body": "Statement ready"},
}


def automatic(case: str, number: str = "") -> bytes:
    if case == "delivery status report":
        return dsn(number)
    spec = {k: v.replace("{n}", number) for k, v in AUTOMATIC[case].items()}
    return eml(**spec)


CASES = [*AUTOMATIC, "delivery status report"]


@pytest.mark.parametrize("case", CASES)
def test_automatic_mail_registers_nothing_sends_nothing_and_is_kept(
        cast: Any, templates: None, case: str) -> None:
    raw = automatic(case)
    result = mail.ingest(raw, "test")
    assert result.status.startswith("ignored (")
    assert not Complaint.objects.exists()
    assert not Notification.objects.exists()  # no acknowledgement to MAILER-DAEMON
    row = QuarantinedMessage.objects.get(sha256=hashlib.sha256(raw).hexdigest())
    assert row.status == "held" and row.raw.read() == raw and "automatic mail" in row.error


@pytest.mark.parametrize("case", ["out of office", "delivery status report"])
def test_automatic_mail_about_a_closed_complaint_is_no_repeat_complaint(
        register: Any, templates: None, case: str) -> None:
    c = register()
    Complaint.objects.filter(pk=c.pk).update(state="closed")
    before = Notification.objects.count()
    result = mail.ingest(automatic(case, c.number), "test")
    assert result.status.startswith("ignored (")
    assert Complaint.objects.count() == 1
    assert Notification.objects.count() == before


@pytest.mark.parametrize("case", CASES)
def test_automatic_mail_naming_an_open_complaint_is_a_silent_note(
        register: Any, case: str) -> None:
    c = register()
    before = Notification.objects.count()
    result = mail.ingest(automatic(case, c.number), "test")
    assert result.number == c.number and result.status.startswith("threaded (")
    note = Event.objects.get(complaint=c, type="note").payload["text"]
    assert "automatic mail" in note
    assert "different sender" not in note  # a machine, not a stranger
    assert Notification.objects.count() == before  # neither the customer nor staff


def test_a_message_saying_auto_submitted_no_is_a_persons(cast: Any) -> None:
    raw = eml(subject="Card fee", body="You charged me twice.", headers="Auto-Submitted: no\r\n")
    assert mail.ingest(raw, "test").status == "created"


def test_a_retry_of_held_automatic_mail_still_registers_nothing(cast: Any) -> None:
    mail.ingest(automatic("out of office"), "test")
    row = release(QuarantinedMessage.objects.get(), "boss")
    assert row.status == "held" and not Complaint.objects.exists()


def test_import_mail_counts_the_automatic_mail_it_ignored(cast: Any, tmp_path: Path) -> None:
    (tmp_path / "a.eml").write_bytes(automatic("out of office"))
    (tmp_path / "b.eml").write_bytes(automatic("bounce from MAILER-DAEMON"))
    (tmp_path / "c.eml").write_bytes(eml(subject="Card fee", body="You charged me twice."))
    out = io.StringIO()
    call_command("import_mail", str(tmp_path), stdout=out)
    assert out.getvalue().strip() == "3 messages: created 1, ignored (auto-reply) 1, " \
                                     "ignored (bounce) 1"


# --- a customer's reply reaches the people looking after the complaint ----------------------

def _customer_wrote() -> list[Notification]:
    return list(Notification.objects.filter(kind=CUSTOMER_WROTE).order_by("user__username"))


def test_a_customers_reply_is_announced_to_the_handler(register: Any, cast: Any) -> None:
    from complaints.tests.helpers import investigating

    c = investigating(cast, register(customer={"name": "Jane", "email": "Jane@Example.com"}))
    raw = eml(subject=f"Re: {c.number}", body="I forgot: it happened on 3 November.",
              sender="jane@example.com")
    assert mail.ingest(raw, "test").status == "threaded"
    [notice] = _customer_wrote()
    assert notice.user == cast.users["alice"] and notice.channel == "in_app"
    assert c.number in notice.body and "different sender" not in notice.body
    assert "different sender" not in Event.objects.get(complaint=c, type="note").payload["text"]
    mail.ingest(raw, "again")  # the same message again: no second notice
    assert len(_customer_wrote()) == 1


def test_without_a_handler_the_units_managers_are_told(register: Any, cast: Any) -> None:
    c = register(customer={"name": "Jane", "email": "jane@example.com"})
    mail.ingest(eml(subject=f"Re: {c.number}", body="Any news?", sender="jane@example.com"), "t")
    assert [n.user for n in _customer_wrote()] == [cast.users["mia"]]


def test_a_reply_from_another_sender_is_kept_but_flagged(register: Any, cast: Any) -> None:
    # QA's 03_reply_open.eml: someone@other.cn writes about another customer's complaint.
    c = register(customer={"name": "Jane", "email": "jane@example.com"})
    raw = eml(subject=f"回复：您的投诉 {c.number} 已受理", body="我补充一下：扣款日期是11月3日。",
              sender="someone@other.cn")
    assert mail.ingest(raw, "test").status == "threaded"
    note = Event.objects.get(complaint=c, type="note").payload["text"]
    assert "11月3日" in note and "from a different sender" in note
    [notice] = _customer_wrote()
    assert "different sender" in notice.body


# --- the received time is when the bank had the message --------------------------------------

def _ack_dates(c: Complaint) -> tuple[str, dt.date]:
    body = Notification.objects.get(complaint=c, kind="acknowledgement").body
    found = re.search(r"\(received (.+?)\)\. We will give you our decision by (.+?)\.", body)
    assert found, body
    return found.group(1), dt.datetime.strptime(found.group(2), "%d %B %Y").replace(
        tzinfo=dt.UTC).date()


def test_an_old_date_header_does_not_backdate_the_complaint(cast: Any, templates: None) -> None:
    # QA's 17_late.eml: written 25 days before it was imported.
    start = timezone.now()
    old = (start - dt.timedelta(days=25)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    raw = eml(subject="Frozen account", body="My account was frozen.", date=old)
    c = Complaint.objects.get(number=mail.ingest(raw, "test").number)
    assert c.received_at >= start
    received, due = _ack_dates(c)
    today = timezone.localdate()
    assert received == f"{today:%d %B %Y}" and due > today


def test_the_bank_servers_received_header_is_the_received_time(cast: Any) -> None:
    relayed = (timezone.now() - dt.timedelta(hours=5)).replace(microsecond=0)
    received = f"Received: from mx.example.com by mail.bank.example; " \
               f"{relayed.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
    raw = eml(subject="Fee", body="Wrong fee.", date="Mon, 01 Sep 2025 10:00:00 +0800",
              headers=received)
    c = Complaint.objects.get(number=mail.ingest(raw, "test").number)
    assert c.received_at == relayed


def test_the_imap_arrival_time_comes_first(cast: Any) -> None:
    arrived = (timezone.now() - dt.timedelta(hours=2)).replace(microsecond=0)
    raw = eml(subject="Fee", body="Wrong fee.", date="Mon, 01 Sep 2025 10:00:00 +0800")
    c = Complaint.objects.get(number=mail.ingest(raw, "imap", arrived).number)
    assert c.received_at == arrived
    assert InboundMessage.objects.get(complaint=c).received_at == arrived


def test_a_held_message_released_later_is_received_when_it_was_held(
        cast: Any, settings: Any) -> None:
    settings.TOUSU_INTAKE_UNIT = "GONE"  # registration fails: the message is held
    held = mail.ingest(eml(subject="Frozen account", body="My account was frozen."), "file")
    assert held.status == "quarantined"
    since = (timezone.now() - dt.timedelta(days=2)).replace(microsecond=0)
    QuarantinedMessage.objects.filter(pk=held.quarantine_id).update(created_at=since)
    settings.TOUSU_INTAKE_UNIT = ""
    row = release(QuarantinedMessage.objects.get(pk=held.quarantine_id), "staff:cpo")
    assert row.complaint is not None and row.complaint.received_at == since


# --- a subject-only message ------------------------------------------------------------------

@pytest.mark.parametrize(("subject", "language"), [("call me back", "en"),
                                                   ("请回电", "zh-Hans")])
def test_a_subject_only_message_says_it_once_in_its_language(
        cast: Any, subject: str, language: str) -> None:
    # QA's 10_old.eml: a subject and no body at all.
    raw = (f"Content-Type: text/plain; charset=\"us-ascii\"\r\nMIME-Version: 1.0\r\n"
           f"Subject: {subject}\r\nFrom: x@example.com\r\n"
           f"Message-ID: <{uuid.uuid4().hex}@example.com>\r\n\r\n").encode()
    c = Complaint.objects.get(number=mail.ingest(raw, "test").number)
    assert c.content == subject
    assert c.customer.language == language


def test_a_customer_forwarding_a_bounce_as_an_attachment_is_a_person(cast: Any) -> None:
    raw = (
        "From: Jane <jane@example.com>\r\nSubject: Your mail to me bounced\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@example.com>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="M"\r\n\r\n'
        "--M\r\nContent-Type: text/plain\r\n\r\nYour letters never reach me.\r\n"
        "--M\r\nContent-Type: message/rfc822\r\n\r\n"
    ).encode() + dsn("TS-20260101-000001") + b"\r\n--M--\r\n"
    assert mail.ingest(raw, "test").status == "created"
