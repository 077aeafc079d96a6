"""What the portal tells the customer about a decision, a decline, a merge and a referral:
everything the notice says, and only the remedies still open."""

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from portal.tests.test_portal import NOTICE, _act, _file, _investigating

pytestmark = pytest.mark.django_db


def _text(client: Client, number: str) -> str:
    html = client.get(f"/portal/c/{number}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    return re.sub(r"<[^>]+>", "", html)


def _remedies(client: Client, number: str) -> str:
    html = client.get(f"/portal/c/{number}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    found = re.search(r'<p id="remedies">(.*?)</p>', html, re.S)
    return found.group(1) if found else ""


def test_the_decision_card_says_how_it_was_verified_the_basis_and_the_review_deadline(
        cast: Any) -> None:
    from clocks.models import Deadline
    from complaints.models import Complaint

    client = Client()
    number = _file(client)
    _investigating(cast, number)
    _act(cast, "alice", number, "propose_resolution", **NOTICE, remedy="refund", amount="50.00")
    if Complaint.objects.get(number=number).state == "awaiting_approval":
        _act(cast, "mia", number, "approve")
    page = _text(client, number)
    assert "调取交易记录" in page and "借记卡章程" in page and "交易非本人所为" in page
    assert "CNY 50.00" in page
    window = Deadline.objects.get(complaint__number=number, obligation="review_request_window")
    last_day = f"{timezone.localtime(window.due_at):%Y-%m-%d}"
    assert f"可在{last_day}前申请复核" in _remedies(client, number)
    assert "30日内" not in page


def test_no_review_is_offered_once_decided_or_once_the_window_closed(cast: Any) -> None:
    from clocks.models import Deadline
    from complaints.models import Complaint

    client = Client()
    number = _file(client)
    _investigating(cast, number)
    _act(cast, "alice", number, "respond", **NOTICE)
    assert "申请复核" in _remedies(client, number)
    Deadline.objects.filter(complaint__number=number, obligation="review_request_window").update(
        due_at=Complaint.objects.get(number=number).received_at - dt.timedelta(days=2))
    assert "申请复核" not in _remedies(client, number) and "调解" in _remedies(client, number)

    other = _file(client)
    _investigating(cast, other)
    _act(cast, "alice", other, "respond", **NOTICE)
    client.post(f"/portal/c/{other}/request_review/", {"request_review-reason": "不满意"})
    _act(cast, "max", other, "decide_review", outcome="upheld", reasons="原决定事实清楚。")
    assert "原决定事实清楚" in _text(client, other)
    assert "申请复核" not in _remedies(client, other) and "调解" in _remedies(client, other)


def _notice(number: str, kind: str) -> str:
    from notify.models import Notification

    return Notification.objects.get(complaint__number=number, kind=kind).body


def test_a_declined_complaint_gives_the_reason_in_the_customers_language(cast: Any) -> None:
    from complaints.models import Customer

    client = Client()
    number = _file(client)
    _act(cast, "agent", number, "decline", reason="not_a_complaint", detail="咨询理财产品收益")
    sms = _notice(number, "decline_notice")
    assert "原因：非投诉（咨询）（咨询理财产品收益）" in sms and "A query" not in sms
    page = _text(client, number)
    assert "非投诉（咨询）" in page and "咨询理财产品收益" in page and "监管部门" in page

    english = _file(client)
    Customer.objects.filter(complaints__number=english).update(language="en")
    _act(cast, "agent", english, "decline", reason="not_a_complaint", detail="a question on fees")
    sms = _notice(english, "decline_notice")
    assert "Reason: A query, not a complaint (a question on fees)" in sms and "非投诉" not in sms


def test_a_merged_complaint_names_the_primary_the_customer_follows(cast: Any) -> None:
    client = Client()
    primary, merged = _file(client), _file(client)
    _act(cast, "mia", merged, "merge", into=primary)
    page = _text(client, merged)
    assert f"本投诉已并入投诉{primary}" in page
    assert client.get(f"/portal/c/{primary}/").status_code == 200


def test_a_referral_is_notified_and_shown(cast: Any) -> None:
    client = Client()
    number = _file(client)
    _investigating(cast, number)
    _act(cast, "alice", number, "refer", kind="mediation", body="北京金融纠纷调解中心",
         reference="TJ-2026-7")
    assert "已转交北京金融纠纷调解中心（调解）处理，编号TJ-2026-7" in _notice(number,
                                                                          "referral_notice")
    page = _text(client, number)
    assert "调解 · 北京金融纠纷调解中心" in page and "TJ-2026-7" in page
