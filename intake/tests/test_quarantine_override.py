"""An intake agent registers a held or ignored message that a customer wrote (a subject typed
as "自动回复:", a forward whose original sender could not be read, an SMS) as a complaint, as
its channel would have: acknowledged, received when it was held, with a required reason and an
optional corrected address, recorded on the quarantine row and the timeline — once."""

import json
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import pytest

from complaints.errors import ActionError, Conflict
from complaints.models import Complaint, Event
from conftest import admin_client
from intake import mail, override
from intake.actions import quarantine
from intake.models import QuarantinedMessage
from intake.tests.test_mail_forwards import NO_ADDRESS, forward
from notify.models import Notification

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _intake_unit(settings: Any) -> None:
    settings.TOUSU_INTAKE_UNIT = "BJ01"  # the cast's agent is the intake unit's
    settings.TOUSU_BANK_MAIL_DOMAINS = ["bank.example"]


def held_auto_subject() -> QuarantinedMessage:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = "陈七 <chenqi@example.cn>"
    msg["Subject"] = "自动回复: 我的信用卡被盗刷了"
    msg["Message-ID"] = "<person-typed@example.cn>"
    msg.set_content("我本人写的：信用卡昨晚在境外被盗刷两笔，请冻结并退款。")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="账单.pdf")
    result = mail.ingest(msg.as_bytes(), "test")
    assert result.status == "ignored (auto-reply)"
    return QuarantinedMessage.objects.get(pk=result.quarantine_id)


def test_an_agent_registers_a_held_message_as_its_channel_would(cast: Any,
                                                                templates: None) -> None:
    row = held_auto_subject()
    page = cast.client("agent").get(f"/intake/quarantine/{row.pk}/")
    assert page.status_code == 200 and "chenqi@example.cn" not in page.content.decode()
    response = cast.client("agent").post(f"/intake/quarantine/{row.pk}/",
                                         {"reason": "客户本人来信，主题误写", "address": ""})
    assert response.status_code == 302, response.content.decode()
    c = Complaint.objects.get()
    assert (c.channel, c.customer.email) == ("email", "chenqi@example.cn")
    assert c.received_at <= row.created_at  # the clocks run from when the bank held it
    assert Notification.objects.get(complaint=c, kind="acknowledgement").address == \
        "chenqi@example.cn"
    assert c.attachments.count() == 1
    row.refresh_from_db()
    assert (row.status, row.complaint, row.handled_by) == ("released", c, "staff:agent")
    assert row.override_reason == "客户本人来信，主题误写" and row.handled_at is not None
    note = Event.objects.get(complaint=c, type="note", actor_id=cast.users["agent"].pk)
    assert "客户本人来信，主题误写" in note.payload["text"]
    assert f"Q{row.pk}" in note.payload["text"]


def test_a_second_submit_registers_nothing(cast: Any) -> None:
    row = held_auto_subject()
    agent = cast.principal("agent")
    override.register_held(agent, row.pk, reason="客户本人")
    with pytest.raises(Conflict):
        override.register_held(agent, row.pk, reason="客户本人")
    again = cast.client("agent").post(f"/intake/quarantine/{row.pk}/", {"reason": "再次"})
    assert again.status_code == 409
    assert Complaint.objects.count() == 1
    assert Event.objects.filter(type="note", actor_id=cast.users["agent"].pk).count() == 1


def test_a_held_forward_registers_under_the_address_the_agent_corrects(cast: Any) -> None:
    raw = forward(NO_ADDRESS, subject="转发: 投诉柜员态度")
    row = QuarantinedMessage.objects.get(pk=mail.ingest(raw, "test").quarantine_id)
    client = cast.client("agent")
    bad = client.post(f"/intake/quarantine/{row.pk}/", {"reason": "", "address": "wangwu@"},
                      HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 200  # the form's own check: the reason is required
    refused = client.post(f"/intake/quarantine/{row.pk}/",
                          {"reason": "支行确认原发件人", "address": "wangwu@"})
    assert refused.status_code == 422
    assert "not an email address" in refused.content.decode()
    assert not Complaint.objects.exists()
    assert QuarantinedMessage.objects.get(pk=row.pk).status == "held"
    done = client.post(f"/intake/quarantine/{row.pk}/",
                       {"reason": "支行确认原发件人", "address": "ｗａｎｇｗｕ@example.cn"})
    assert done.status_code == 302
    c = Complaint.objects.get()
    assert c.customer.email == "wangwu@example.cn"  # not the branch's wang.jl@bank.example
    note = Event.objects.get(complaint=c, type="note").payload["text"]
    assert "wangwu@example.cn" in note and "wang.jl@bank.example" in note


def test_a_quarantined_sms_registers_under_a_corrected_phone(cast: Any, register: Any) -> None:
    open_one = register(customer={"name": "王母亲", "phone": "13912345678"})
    raw = json.dumps({"message_id": "gw-7", "from": "10086",
                      "text": "代发：我母亲的存款被误扣，请处理。"}, ensure_ascii=False).encode()
    row = quarantine(channel="sms", raw=raw, origin="sms-webhook", error="not a phone number")
    c = override.register_held(cast.principal("agent"), row.pk, reason="客户致电确认",
                               address="139 1234 5678")
    # As the SMS channel does: its sender's only open complaint, found by the corrected number.
    assert c.pk == open_one.pk
    notes = [e.payload["text"] for e in Event.objects.filter(complaint=c, type="note")]
    assert any("存款被误扣" in n for n in notes) and any("客户致电确认" in n for n in notes)


def test_only_the_intake_units_agents_see_the_quarantine(cast: Any, settings: Any) -> None:
    row = held_auto_subject()
    listing = cast.client("agent").get("/intake/quarantine/")
    assert listing.status_code == 200
    assert f"/intake/quarantine/{row.pk}/" in listing.content.decode()
    for outsider in ("alice", "bob", "audrey"):
        assert cast.client(outsider).get("/intake/quarantine/").status_code == 404
        assert cast.client(outsider).post(f"/intake/quarantine/{row.pk}/",
                                          {"reason": "x"}).status_code == 404
    boss = admin_client()  # who may retry it in the admin may register it too, linked there
    assert boss.get(f"/intake/quarantine/{row.pk}/").status_code == 200
    admin_list = boss.get("/admin/intake/quarantinedmessage/").content.decode()
    assert f'href="/intake/quarantine/{row.pk}/"' in admin_list
    settings.TOUSU_INTAKE_UNIT = "SH01"  # an agent of another unit
    assert cast.client("agent").get("/intake/quarantine/").status_code == 404
    assert QuarantinedMessage.objects.get(pk=row.pk).status == "held"


def test_a_quarantined_sms_of_a_new_customer_is_a_complaint(cast: Any) -> None:
    raw = json.dumps({"message_id": "gw-8", "from": "10086", "text": "存款被误扣，请处理。"},
                     ensure_ascii=False).encode()
    row = quarantine(channel="sms", raw=raw, origin="sms-webhook", error="not a phone number")
    c = override.register_held(cast.principal("agent"), row.pk, reason="客户致电确认",
                               address="139 1234 5678")
    assert (c.channel, c.customer.phone) == ("sms", "13912345678")


def test_an_unreadable_message_stays_held_with_the_reason(cast: Any) -> None:
    row = quarantine(channel="sms", raw=b"{}", origin="sms-webhook", error="unreadable")
    with pytest.raises(ActionError, match="cannot be read"):
        override.register_held(cast.principal("agent"), row.pk, reason="试试")
    assert QuarantinedMessage.objects.get(pk=row.pk).status == "held"  # the claim rolled back


def test_the_reason_is_redacted_when_the_complaint_is_anonymised(cast: Any) -> None:
    from django.utils import timezone

    from privacy.actions import anonymise_complaint

    row = held_auto_subject()
    c = override.register_held(cast.principal("agent"), row.pk, reason="陈七本人来电确认")
    anonymise_complaint(c.pk, timezone.localdate(), timezone.now())
    row.refresh_from_db()
    assert (row.override_reason, row.error, row.sender) == ("", "", "")


def test_a_message_registration_refuses_stays_held_with_an_error(cast: Any) -> None:
    raw = json.dumps({"message_id": "gw-9", "from": "10086", "text": "请处理。"}).encode()
    row = quarantine(channel="sms", raw=raw, origin="sms-webhook", error="not a phone number")
    with pytest.raises(ActionError) as refused:  # its own number is no customer's phone
        override.register_held(cast.principal("agent"), row.pk, reason="试试")
    assert refused.value.errors[0][0] == "message"
    assert QuarantinedMessage.objects.get(pk=row.pk).status == "held"
