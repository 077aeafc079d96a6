"""The outbox: the acknowledgement is written with the complaint, sent once, retried on failure."""

from typing import Any

import pytest
from django.core import mail

from notify.models import Notification
from notify.outbox import deliver_due

pytestmark = pytest.mark.django_db


def test_registration_queues_one_acknowledgement_in_the_customers_language(register: Any) -> None:
    c = register()
    ack = Notification.objects.get(complaint=c)
    assert (ack.kind, ack.channel, ack.status) == ("acknowledgement", "sms", "pending")
    assert c.number in ack.body and "处理决定" in ack.body
    english = register(customer={"name": "Jane Doe", "email": "jane@example.com",
                                 "language": "en"})
    note = Notification.objects.get(complaint=english)
    assert note.channel == "email" and "registered as" in note.body


def test_a_notification_is_sent_exactly_once(register: Any) -> None:
    register(customer={"name": "Jane Doe", "email": "jane@example.com", "language": "en"})
    assert deliver_due() == 1
    assert deliver_due() == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["jane@example.com"]
    sent = Notification.objects.get()
    assert sent.status == "sent" and sent.sent_at and sent.proof


def test_a_failing_gateway_is_retried_later_not_lost(register: Any, monkeypatch: Any) -> None:
    register()

    def broken(*args: Any) -> str:
        raise ConnectionError("gateway down")

    monkeypatch.setattr("notify.sms.ConsoleGateway.send", broken)
    assert deliver_due() == 0
    row = Notification.objects.get()
    assert (row.status, row.attempts) == ("pending", 1)
    assert "gateway down" in row.last_error
    assert row.next_attempt_at > row.created_at


def test_a_retried_notification_once_sent_keeps_its_proof_and_no_error(
        register: Any, monkeypatch: Any) -> None:
    from django.utils import timezone

    register()
    register(customer={"name": "Jane Doe", "email": "jane@example.com", "language": "en"})
    Notification.objects.update(last_error="gateway down", next_attempt_at=timezone.now())
    monkeypatch.setattr("notify.sms.ConsoleGateway.send", lambda *args: "sms:gateway-42")
    assert deliver_due() == 2
    rows = {row.channel: row for row in Notification.objects.all()}
    assert {row.status for row in rows.values()} == {"sent"}
    assert rows["sms"].proof == "sms:gateway-42"
    assert rows["email"].proof.startswith("email:")
    assert all(row.last_error == "" and row.sent_at for row in rows.values())
    assert len({row.sent_at for row in rows.values()}) == 1  # one batch, one time


def test_the_same_notice_is_written_once(register: Any) -> None:
    from notify.customer import notify_customer

    c = register()
    notify_customer(c, "acknowledgement", zh="再次", en="again", key="1")
    assert Notification.objects.filter(complaint=c).count() == 1


def test_a_row_claimed_by_one_worker_is_not_taken_by_another(register: Any) -> None:
    from django.utils import timezone

    from notify.outbox import _claim

    register()
    now = timezone.now()
    assert len(_claim(now, 10)) == 1
    assert _claim(now, 10) == []  # taken, not yet stale
    later = now + timezone.timedelta(minutes=11)
    assert len(_claim(later, 10)) == 1  # a crashed worker's row is taken again
