"""The intake's records in the admin show the sender and the subject masked: they are the
customer's address and words, and the administrator reads no complaint."""

from typing import Any

import pytest
from django.urls import reverse

from conftest import admin_client
from intake import mail
from intake.models import InboundMessage, QuarantinedMessage
from intake.tests import messages as m

pytestmark = pytest.mark.django_db


def test_the_admin_masks_an_inbound_messages_sender_and_subject(cast: Any,
                                                                 monkeypatch: Any) -> None:
    mail.ingest(m.message(subject="回电13912345678", body="信用卡被盗刷".encode(),
                          sender="张三 <zhangsan@example.cn>"), "test")
    real = mail.receive
    monkeypatch.setattr(mail, "receive", lambda msg: (_ for _ in ()).throw(RuntimeError("down")))
    mail.ingest(m.message(subject="回电13912345678", body="第二封".encode(),
                          sender="张三 <zhangsan@example.cn>"), "test2")
    monkeypatch.setattr(mail, "receive", real)
    inbound, held = InboundMessage.objects.get(), QuarantinedMessage.objects.get()
    client = admin_client()
    pages = [client.get(reverse("admin:intake_inboundmessage_changelist")),
             client.get(reverse("admin:intake_inboundmessage_change", args=[inbound.pk])),
             client.get(reverse("admin:intake_quarantinedmessage_changelist")),
             client.get(reverse("admin:intake_quarantinedmessage_change", args=[held.pk]))]
    assert [p.status_code for p in pages] == [200, 200, 200, 200]
    for page in pages:
        text = page.content.decode()
        assert "zhangsan@example.cn" not in text and "13912345678" not in text
        assert "139****5678" in text
