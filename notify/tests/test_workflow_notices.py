"""The steps of a complaint's workflow that someone must act on reach them in-app, once: a
proposal awaiting approval, a proposal returned for rework, a customer's review request. A
deactivated user is told nothing more; operations retry a failed notification by hand."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from complaints.tests.helpers import act, investigating
from conftest import admin_client
from notify.models import Notification
from notify.outbox import MAX_ATTEMPTS, deliver_due

pytestmark = pytest.mark.django_db
NOTICE = {"decision": "upheld", "verification": "核对账单与通话录音。",
          "basis": "信用卡章程第十条。", "reasons": "年费收取未经同意。"}


def _told(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind, channel="in_app")
                  .values_list("user__username", flat=True))


def test_a_proposal_awaiting_approval_tells_its_approvers_not_its_proposer(
        cast: Any, register: Any) -> None:
    c = investigating(cast, register(amount="9000.00"))
    c = act(cast, "alice", c, "propose_resolution", **NOTICE, remedy="refund", amount="6000.00")
    assert c.state == "awaiting_approval"
    assert _told("approval_needed") == ["mia"]
    text = Notification.objects.get(kind="approval_needed").body
    assert c.number in text and "审批" in text and "approval" in text


def test_a_proposal_needing_approval_one_level_up_tells_the_managers_above(
        cast: Any, register: Any) -> None:
    c = investigating(cast, register(amount="90000.00"))
    c = act(cast, "alice", c, "propose_resolution", **NOTICE, remedy="refund",
            amount="60000.00")
    assert _told("approval_needed") == ["max"]


def test_a_returned_proposal_tells_the_handler_once(cast: Any, register: Any) -> None:
    c = investigating(cast, register(amount="9000.00"))
    c = act(cast, "alice", c, "propose_resolution", **NOTICE, remedy="refund", amount="6000.00")
    c = act(cast, "mia", c, "return", reason="请补充通话录音 13812345678")
    assert _told("returned") == ["alice"]
    body = Notification.objects.get(kind="returned").body
    assert "退回" in body and "rework" in body and "13812345678" not in body


def test_a_review_request_tells_the_handler_and_the_managers_above(
        cast: Any, register: Any) -> None:
    c = act(cast, "alice", investigating(cast, register()), "respond", **NOTICE)
    act(cast, "agent", c, "request_review", reason="不服处理决定")
    assert _told("review_requested") == ["alice", "max"]


def test_a_deactivated_user_is_told_nothing_more(cast: Any, register: Any) -> None:
    mia = cast.users["mia"]
    mia.email = "mia@example.com"
    mia.is_active = False
    mia.save()
    c = register(content="我要向12378投诉，并联系媒体曝光")
    assert c.severity == "major"
    assert _told("major") == ["max"]


def test_operations_retry_a_failed_notification_from_the_admin(
        register: Any, monkeypatch: Any) -> None:
    register()
    Notification.objects.update(status="failed", attempts=MAX_ATTEMPTS, last_error="down")
    row = Notification.objects.get()
    client = admin_client()
    answer = client.post("/admin/notify/notification/", {
        "action": "retry", "_selected_action": [row.pk]}, follow=True)
    assert answer.status_code == 200
    row.refresh_from_db()
    assert row.status == "pending"
    assert deliver_due() == 1
    row.refresh_from_db()
    assert row.status == "sent" and row.last_error == ""
    assert get_user_model().objects.filter(username="boss").exists()


def test_a_deactivated_users_pending_notices_are_not_sent_and_block_nobody(
        cast: Any, register: Any) -> None:
    from django.core import mail

    from notify.models import Channel
    from notify.outbox import enqueue

    c = register()
    for name in ("mia", "max"):
        enqueue(kind="work_order", channel=Channel.EMAIL, address=f"{name}@example.com",
                subject="New work order", body="New work order", dedupe_key=f"t:{name}",
                complaint_id=c.pk, user_id=cast.users[name].pk)
    get_user_model().objects.filter(username="mia").update(is_active=False)
    deliver_due()
    assert [m.to for m in mail.outbox] == [["max@example.com"]]
    mias = Notification.objects.get(dedupe_key="t:mia")
    assert mias.status == "failed" and "deactivated" in mias.last_error
    assert deliver_due() == 0 and len(mail.outbox) == 1


def test_a_transfer_notice_reads_in_both_languages_with_identifiers_masked(
        cast: Any, register: Any) -> None:
    from org.models import RoleGrant

    manager = get_user_model().objects.create_user("manager-bj02")
    RoleGrant.objects.create(user=manager, role="manager", unit=cast.bj02)
    c = act(cast, "agent", register(), "accept")
    act(cast, "max", c, "assign", unit="BJ02", reason="客户 13812345678 在海淀开户")
    body = Notification.objects.get(kind="transfer", channel="in_app").body
    assert "转办" in body and "Transferred" in body
    assert "13812345678" not in body and c.number in body


def test_a_transfer_to_a_unit_without_managers_tells_the_nearest_above(
        cast: Any, register: Any) -> None:
    c = act(cast, "agent", register(), "accept")
    act(cast, "max", c, "assign", unit="BJ02", reason="客户在海淀开户")
    assert _told("transfer") == ["max"]  # BJ02 has no manager of its own


def test_an_unclaimed_work_order_at_a_unit_without_managers_tells_the_nearest_above(
        cast: Any, register: Any) -> None:
    from django.utils import timezone

    from complaints.actions.system import return_unclaimed
    from org.models import RoleGrant

    handler = get_user_model().objects.create_user("handler-bj02")
    RoleGrant.objects.create(user=handler, role="handler", unit=cast.bj02)
    c = act(cast, "agent", register(), "accept")
    act(cast, "max", c, "assign", unit="BJ02", handler="handler-bj02", reason="海淀开户")
    assert return_unclaimed(timezone.now() + timezone.timedelta(days=30)) == 1
    assert _told("unclaimed") == ["max"]


def test_a_robot_switched_off_before_delivery_gets_nothing(
        cast: Any, register: Any, monkeypatch: Any) -> None:
    from org.models import Subscription

    posted: list[str] = []
    monkeypatch.setattr("notify.webhooks.post", lambda channel, url, *a: posted.append(url) or "ok")
    for name in ("on", "off"):
        Subscription.objects.create(unit=cast.bj, event="major", channel="slack",
                                    webhook_url=f"https://hooks.example.com/{name}")
    register(content="我要向12378投诉，并联系媒体曝光")
    Subscription.objects.filter(webhook_url__endswith="/off").update(active=False)
    deliver_due()
    assert posted == ["https://hooks.example.com/on"]
    off = Notification.objects.get(address__endswith="/off")
    assert off.status == "failed" and "deactivated" in off.last_error
