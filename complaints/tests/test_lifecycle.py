"""Every action from every state: allowed moves land where the lifecycle table says, with one
event and a new version; disallowed moves are refused with 409 and change nothing."""

import base64
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from clocks import service as clocks
from complaints.action_schemas import ACTION_SCHEMAS
from complaints.actions import run_action
from complaints.choices import State
from complaints.errors import Conflict
from complaints.lifecycle import LIFECYCLE
from complaints.models import Complaint, Referral, Resolution, ReviewRequest, Visit
from org.access import staff_principal
from org.models import RoleGrant

NOTICE = {"decision": "upheld", "verification": "调取通话录音并核对账单。",
          "basis": "《信用卡章程》第十条。", "reasons": "年费收取未经客户同意。"}
PAYLOADS: dict[str, dict[str, Any]] = {
    "accept": {}, "claim": {}, "approve": {}, "start_follow_up": {}, "resume": {},
    "decline": {"reason": "not_a_complaint", "detail": "客户仅咨询年费标准"},
    "assign": {"unit": "BJ02", "reason": "属海淀支行辖内业务"},
    "contact": {"kind": "call", "summary": "致电客户核实情况"},
    "add_evidence": {"name": "账单.pdf",
                     "content_base64": base64.b64encode(b"%PDF-1.4 statement").decode()},
    "schedule_visit": {"proposed_at": "2026-12-01T10:00:00+08:00", "place": "客户家中",
                       "customer_consent": True},
    "record_visit": {"outcome": "已上门核实"},
    "answer_visit": {"consent": True},
    "note": {"text": "内部备注"},
    "propose_resolution": {**NOTICE, "remedy": "refund", "amount": "300.00"},
    "return": {"reason": "金额依据不足"},
    "respond": NOTICE,
    "follow_up_result": {"satisfied": True, "score": 5},
    "request_review": {"reason": "对处理结果不满意"},
    "decide_review": {"outcome": "upheld", "reasons": "原处理决定事实清楚"},
    "refer": {"kind": "mediation", "body": "北京金融纠纷调解中心"},
    "record_referral_outcome": {"outcome": "调解成功"},
    "extend": {"total_days": 30, "reason": "案情复杂需调取外部资料", "approver": "max"},
    "pause": {"reason": "appraisal", "detail": "委托司法鉴定"},
    "escalate": {"severity": "major", "reason": "客户称将向媒体曝光"},
    "withdraw": {"reason": "客户与网点和解", "via": "phone"},
    "merge": {"into": "PRIMARY"},
    "reopen": {"reason": "发现新的事实"},
    "rule_validity": {"validity": "valid", "reason": "网点未经同意扣收年费，投诉成立"},
    "tag_root_cause": {"root_cause": "RC01", "note": "年费减免流程缺失"},
    "record_group_size": {"group_size": 25, "reason": "次日客户到网点共同投诉"},
}


def _prepare(action: str, c: Complaint, register: Any) -> dict[str, Any]:
    """Rows an action needs besides its state, so that only the state decides the outcome."""
    now = timezone.now()
    payload = dict(PAYLOADS[action])
    if action in {"approve", "return"} or (action == "respond" and c.state == "awaiting_approval"):
        Resolution.objects.create(complaint=c, decision="upheld", remedy="refund",
                                  amount=Decimal("100.00"), verification="v", basis="b",
                                  reasons="r",
                                  needs_approval=True, proposed_by="staff:alice", proposed_at=now)
    if action == "record_visit":
        Visit.objects.create(complaint=c, proposed_at=now, place="网点", customer_consent=True)
    if action == "answer_visit":
        payload["visit_id"] = Visit.objects.create(complaint=c, proposed_at=now, place="网点").pk
    if action == "request_review":
        clocks.open_review_window(c.pk, now)
    if action == "decide_review":
        ReviewRequest.objects.create(complaint=c, requested_at=now, reason="不服")
    if action == "record_referral_outcome":
        Referral.objects.create(complaint=c, kind="mediation", body="调解中心", referred_at=now)
    if action == "resume":
        clocks.pause_decision(c.pk, now - dt.timedelta(days=2), "appraisal")
    if action == "merge":
        payload["into"] = register().number
    return payload


@pytest.fixture
def lead(cast: Any) -> Any:
    """A head-office lead holding every working role, so only the state decides."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("lead")
    for role in ["handler", "manager", "consumer_protection", "intake_agent"]:
        RoleGrant.objects.create(user=user, role=role, unit=cast.ho)
    return staff_principal(user)


@pytest.mark.parametrize("state", State.values)
@pytest.mark.parametrize("action", list(LIFECYCLE))
def test_every_action_from_every_state(action: str, state: str, register: Any,
                                       lead: Any) -> None:
    c = register()
    Complaint.objects.filter(pk=c.pk).update(state=state)
    c.refresh_from_db()
    payload = _prepare(action, c, register)
    params = ACTION_SCHEMAS[action].model_validate({"version": c.version, **payload})
    events_before = c.events.count()
    move = LIFECYCLE[action]

    if state not in move.sources:
        with pytest.raises(Conflict) as refused:
            run_action(lead, c.number, action, params)
        assert refused.value.code == "not_allowed"
        c.refresh_from_db()
        assert (c.state, c.version, c.events.count()) == (state, 1, events_before)
        return

    result = run_action(lead, c.number, action, params)
    result.refresh_from_db()
    if move.target is None:
        assert result.state == state
    elif isinstance(move.target, tuple):
        assert result.state in move.target
    else:
        assert result.state == move.target
    assert result.version == 2
    last = result.events.order_by("-seq").first()
    assert result.events.count() == events_before + 1
    assert last is not None and (last.type, last.state_after) == (action, result.state)


def test_the_table_has_a_schema_and_a_handler_for_every_action() -> None:
    from complaints.actions.moves import HANDLERS

    assert set(LIFECYCLE) == set(ACTION_SCHEMAS) == set(HANDLERS)
    assert set(LIFECYCLE) >= {"accept", "decline", "assign", "claim", "propose_resolution",
                              "approve", "return", "respond", "start_follow_up",
                              "follow_up_result", "request_review", "decide_review", "refer",
                              "record_referral_outcome", "extend", "pause", "resume",
                              "escalate", "withdraw", "merge", "reopen", "contact",
                              "add_evidence", "schedule_visit", "record_visit", "note"}
