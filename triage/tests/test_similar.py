"""Similar resolved cases: closed complaints in the caller's scope, most similar first."""

from typing import Any

import pytest
from django.utils import timezone

from complaints.models import Complaint, Resolution

pytestmark = pytest.mark.django_db


def close(complaint: Any, reasons: str) -> None:
    now = timezone.now()
    Complaint.objects.filter(pk=complaint.pk).update(state="closed", closed_at=now,
                                                     codes={"cause": "C07"})
    Resolution.objects.create(complaint=complaint, decision="upheld", remedy="refund",
                              verification="核实扣费记录", basis="收费标准", reasons=reasons,
                              proposed_by="alice", proposed_at=now)


def test_the_most_similar_closed_complaints_come_with_their_resolutions(
    cast: Any, register: Any
) -> None:
    fee = register(content="信用卡年费未经同意被扣收300元，要求退还年费。")
    close(fee, "年费已退还，客户电话13812345678")
    loan = register(content="贷款逾期后催收人员骚扰家人。")
    close(loan, "已责令催收机构整改")
    register(content="信用卡年费还没退，客服说不能退。")  # open: never a similar *resolved* case
    new = register(content="我的信用卡被扣了年费，没有经过我同意，要求退还。")
    response = cast.client("alice").get(f"/api/v1/complaints/{new.number}/similar")
    assert response.status_code == 200
    found = response.json()
    assert [f["number"] for f in found][:2] == [fee.number, loan.number]
    best = found[0]
    assert best["codes"] == {"cause": "C07"} and best["remedy"] == "refund"
    assert "13812345678" not in best["reasons"] and best["score"] > found[1]["score"]
    assert cast.client("bob").get(f"/api/v1/complaints/{new.number}/similar").status_code == 404


def test_a_complaint_reopened_after_the_index_read_it_is_no_longer_a_resolved_case(
    cast: Any, register: Any
) -> None:
    fee = register(content="信用卡年费未经同意被扣收300元，要求退还年费。")
    close(fee, "年费已退还")
    new = register(content="我的信用卡被扣了年费，没有经过我同意，要求退还。")
    path = f"/api/v1/complaints/{new.number}/similar"
    assert [f["number"] for f in cast.client("alice").get(path).json()] == [fee.number]
    Complaint.objects.filter(pk=fee.pk).update(state="investigating")  # reopened
    assert cast.client("alice").get(path).json() == []
