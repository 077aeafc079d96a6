"""One review (复核) per decision: once asked for, the decision is not reviewed again; a decision
taken anew (after reopening) opens a window of its own (DESIGN.md: within 30 days of the
decision)."""

import json
from typing import Any

import pytest

from complaints.errors import Conflict
from complaints.selectors import allowed_actions
from complaints.tests.helpers import act, investigating

pytestmark = pytest.mark.django_db
NOTICE = {"decision": "rejected", "verification": "调取交易记录", "basis": "合同第5条",
          "reasons": "年费按约定收取"}


def responded(cast: Any, c: Any) -> Any:
    return act(cast, "alice", investigating(cast, c), "respond", **NOTICE)


def reviewed(cast: Any, c: Any) -> Any:
    c = act(cast, "agent", c, "request_review", reason="不服处理决定")
    return act(cast, "max", c, "decide_review", outcome="upheld", reasons="原决定事实清楚。")


def test_a_decided_review_is_not_requested_again(cast: Any, register: Any) -> None:
    c = reviewed(cast, responded(cast, register()))
    assert c.state == "closed"
    assert "request_review" not in allowed_actions(cast.principal("agent"), c)
    with pytest.raises(Conflict) as refused:
        act(cast, "agent", c, "request_review", reason="再次申请复核")
    field, message = refused.value.errors[0]
    assert field == "review" and "已申请过复核" in message and "already been requested" in message
    assert c.reviews.count() == 1
    client = cast.client("agent")
    detail = client.get(f"/api/v1/complaints/{c.number}").json()
    assert "request_review" not in detail["allowed_actions"]
    response = client.post(f"/api/v1/complaints/{c.number}/actions/request_review",
                           data=json.dumps({"version": c.version, "reason": "再次申请复核"}),
                           content_type="application/json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "review"


def test_a_decision_taken_anew_after_reopening_may_be_reviewed(cast: Any, register: Any) -> None:
    c = reviewed(cast, responded(cast, register()))
    c = act(cast, "mia", c, "reopen", reason="发现新的交易记录")
    c = act(cast, "alice", c, "respond", **NOTICE)
    assert "request_review" in allowed_actions(cast.principal("agent"), c)
    c = act(cast, "agent", c, "request_review", reason="对新决定不服")
    assert c.state == "reviewing" and c.reviews.count() == 2


def test_a_changed_review_records_the_new_decision_for_reports_and_letters(
        cast: Any, register: Any) -> None:
    from complaints.errors import ActionError
    from intake.letters import decided_resolution

    c = responded(cast, register())
    c = act(cast, "agent", c, "request_review", reason="补偿不足")
    with pytest.raises(ActionError) as refused:
        act(cast, "max", c, "decide_review", outcome="changed", reasons="变更为全额退还。")
    assert refused.value.errors[0][0] == "decision"
    c = act(cast, "max", c, "decide_review", outcome="changed", reasons="变更为全额退还。",
            decision="upheld", remedy="refund", amount="300.00")
    now = decided_resolution(c)
    assert (now.decision, now.remedy, str(now.amount), now.approved_by) == (
        "upheld", "refund", "300.00", "staff:max")
    assert c.events.get(type="decide_review").payload["resolution_id"] == now.pk
