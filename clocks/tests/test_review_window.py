"""The review window's edges through the real action: a request in the last second of its last
day is taken, the first one after midnight is refused; and what the API shows of the clocks."""

import datetime as dt
import json
from typing import Any
from unittest import mock

import pytest

from clocks import rules
from clocks.models import Deadline
from complaints.action_schemas import ApproveIn, AssignIn, NoticeIn, RequestReviewIn
from complaints.actions import run_action
from complaints.errors import ActionError
from conftest import complaint_body
from org.keys import issue_key

pytestmark = pytest.mark.django_db
BJ = rules.CN_ZONE


def frozen(at: dt.datetime) -> Any:
    return mock.patch("django.utils.timezone.now", return_value=at)


def responded(cast: Any, register: Any, at: dt.datetime) -> Any:
    """A complaint whose decision was sent at `at`."""
    c = register(received_at=(at - dt.timedelta(days=3)).isoformat())
    with frozen(at - dt.timedelta(days=2)):
        run_action(cast.principal("agent"), c.number, "accept", ApproveIn(version=1))
        run_action(cast.principal("mia"), c.number, "assign",
                   AssignIn(version=2, unit="BJ01", handler="alice"))
        run_action(cast.principal("alice"), c.number, "claim", ApproveIn(version=3))
    with frozen(at):
        run_action(cast.principal("alice"), c.number, "respond", NoticeIn(
            version=4, decision="rejected", verification="调取交易记录", basis="合同第5条",
            reasons="年费按约定收取"))
    return c


@pytest.mark.parametrize(("offset", "allowed"), [
    (dt.timedelta(microseconds=999_999), True),  # 23:59:59.999999 on the last day
    (dt.timedelta(seconds=1), False),  # 00:00:00 the next day
])
def test_the_review_window_edges(cast: Any, register: Any, offset: dt.timedelta,
                                 allowed: bool) -> None:
    sent = dt.datetime(2026, 9, 1, 15, 0, tzinfo=BJ)  # day 30 = 1 Oct, National Day -> 8 Oct
    c = responded(cast, register, sent)
    window = Deadline.objects.get(complaint=c, obligation="review_request_window")
    assert window.due_at == dt.datetime(2026, 10, 8, 23, 59, 59, tzinfo=BJ)
    with frozen(window.due_at + offset):
        if allowed:
            done = run_action(cast.principal("agent"), c.number, "request_review",
                              RequestReviewIn(version=5, reason="不服处理决定"))
            assert done.state == "reviewing"
            window.refresh_from_db()
            assert window.status == "met"
            review = Deadline.objects.get(complaint=c, obligation="review_decision")
            assert review.due_at == rules.cn_days_due(window.due_at + offset, 30)
        else:
            with pytest.raises(ActionError) as refused:
                run_action(cast.principal("agent"), c.number, "request_review",
                           RequestReviewIn(version=5, reason="不服处理决定"))
            assert refused.value.errors[0][0] == "requested_at"


def test_the_decision_clock_stops_met_and_the_api_shows_due_remaining_and_status(
        cast: Any, register: Any) -> None:
    sent = dt.datetime(2026, 9, 1, 15, 0, tzinfo=BJ)
    c = responded(cast, register, sent)
    client = cast.client("mia")
    with frozen(dt.datetime(2026, 9, 2, 15, 0, tzinfo=BJ)):
        rows = {d["obligation"]: d for d in
                client.get(f"/api/v1/complaints/{c.number}/deadlines").json()}
    assert rows["decision"]["status"] == "met" and rows["decision"]["remaining_s"] is None
    window = rows["review_request_window"]
    assert (window["status"], window["kind"], window["rule_pack"]) == ("open", "window", "cn")
    assert window["due_at"] == "2026-10-08T23:59:59+08:00"
    assert window["remaining_s"] == int((dt.datetime(2026, 10, 8, 23, 59, 59, tzinfo=BJ)
                                         - dt.datetime(2026, 9, 2, 15, 0, tzinfo=BJ))
                                        .total_seconds())


def test_a_us_complaint_registered_through_the_api_carries_parallel_clocks(
        settings: Any, cast: Any) -> None:
    from django.test import Client

    settings.TOUSU_RULE_PACK = "us-cfpb"
    _, token = issue_key("portal", ["complaints:create", "complaints:read"], cast.bj)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    body = complaint_body(received_at="2026-11-10T10:00:00-05:00", clock_flags=["reg_e"])
    response = client.post("/api/v1/complaints", data=json.dumps(body),
                           content_type="application/json", headers={"Idempotency-Key": "us-1"})
    assert response.status_code == 201, response.content
    data = response.json()
    assert "reg_e" in data["tags"]
    due = {d["obligation"]: d["due_at"] for d in data["deadlines"]}
    assert due == {
        "cfpb_initial_response": "2026-11-25T23:59:59-05:00",
        "reg_e_investigation": "2026-11-25T23:59:59-05:00",
        "cfpb_final_response": "2027-01-09T23:59:59-05:00",
    }
    listed = client.get(f"/api/v1/complaints/{data['number']}/deadlines").json()
    assert [d["obligation"] for d in listed] == [d["obligation"] for d in data["deadlines"]]
    bad = client.post("/api/v1/complaints", data=json.dumps({**body, "clock_flags": ["reg_q"]}),
                      content_type="application/json", headers={"Idempotency-Key": "us-2"})
    assert bad.status_code == 422


def test_the_window_closes_at_the_first_request_and_opens_with_the_next_decision(
        cast: Any, register: Any) -> None:
    from clocks import service

    sent = dt.datetime(2026, 9, 1, 15, 0, tzinfo=BJ)
    c = responded(cast, register, sent)
    asked = sent + dt.timedelta(days=1)
    with frozen(asked):
        run_action(cast.principal("agent"), c.number, "request_review",
                   RequestReviewIn(version=5, reason="不服处理决定"))
    assert not service.review_window_open(c.pk, asked + dt.timedelta(hours=1))
    service.open_review_window(c.pk, asked + dt.timedelta(days=2))  # a decision taken anew
    assert service.review_window_open(c.pk, asked + dt.timedelta(days=3))
