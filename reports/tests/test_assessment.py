"""The branch assessment of a hand-checked quarter, from the default rules (data)."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from complaints.models import Complaint
from reports.models import AssessmentPost
from reports.tests.helpers import act, customer, register


def _last_quarter() -> tuple[str, dt.datetime]:
    today = timezone.localdate()
    q = (today.month - 1) // 3 + 1
    y, q = (today.year, q - 1) if q > 1 else (today.year - 1, 4)
    start = dt.datetime(y, 3 * q - 2, 5, 10, tzinfo=timezone.get_current_timezone())
    return f"{y}Q{q}", start


@pytest.fixture
def quarter(cast: Any) -> str:
    users = get_user_model().objects
    for name, post, unit in [
        ("pres", "president", cast.bj),
        ("vp", "vice_president", cast.bj),
        ("resp01", "responsible", cast.bj01),
    ]:
        AssessmentPost.objects.create(unit=unit, post=post, user=users.create_user(name))
    label, start = _last_quarter()
    cases = [
        {"source": "head_office"},  # 2,000 each; 2 points
        {"source": "regulator_nfra", "staff_complained_about": "alice"},  # 2,500 each; 3 pts
        {"content": "客户称将向媒体曝光年费问题。"},  # public opinion: 4,000 each; 5 points
        {},  # other valid complaint: no amount; 1 point
    ]
    cpo = cast.principal("cpo")
    for i, case in enumerate(cases):
        c = register(cast, at=start + dt.timedelta(days=i), customer=customer(i), **case)
        Complaint.objects.filter(pk=c.pk).update(state="closed")
        act(cpo, c.number, "rule_validity", validity="valid", reason="投诉成立")
    invalid = register(cast, at=start, customer=customer(8), source="head_office")
    Complaint.objects.filter(pk=invalid.pk).update(state="closed")
    act(cpo, invalid.number, "rule_validity", validity="invalid", reason="不成立")
    sh = register(cast, who="bob", unit="SH01", at=start, customer=customer(9))
    Complaint.objects.filter(pk=sh.pk).update(state="closed")
    act(cpo, sh.number, "rule_validity", validity="valid", reason="投诉成立")
    return label


def test_the_quarter_is_assessed_as_computed_by_hand(cast: Any, quarter: str) -> None:
    body = cast.client("cpo").get(f"/api/v1/reports/assessment?period={quarter}").json()
    people = {
        (r["person"]): (r["complaints"], Decimal(r["amount"]))
        for r in body["tables"]["people"]["rows"]
    }
    assert people == {
        "resp01": (2, Decimal("6000")),  # head office 2,000 + public opinion 4,000
        "alice": (1, Decimal("2500")),  # the staff member complained about answers for NFRA
        "vp": (3, Decimal("8500")),  # 2,000 + 2,500 + 4,000
        "pres": (3, Decimal("8500")),
    }
    units = {
        r["unit"]: (r["valid"], Decimal(r["deducted"]), Decimal(r["bonus"]), Decimal(r["score"]))
        for r in body["tables"]["units"]["rows"]
    }
    assert units["BJ01"] == (4, Decimal(11), Decimal(0), Decimal(89))  # 2 + 3 + 5 + 1
    assert units["BJ02"] == (0, Decimal(0), Decimal(5), Decimal(105))  # none: bonus
    assert units["BJ"] == (0, Decimal(0), Decimal(0), Decimal(100))  # its subtree had some
    assert units["SH01"] == (1, Decimal(1), Decimal(0), Decimal(99))
    assert Decimal(body["tables"]["people"]["totals"]["amount"]) == Decimal("25500")


def test_the_assessment_workbook_has_a_sheet_per_unit_and_person(cast: Any, quarter: str) -> None:
    import io

    from openpyxl import load_workbook

    res = cast.client("cpo").get(f"/api/v1/reports/assessment?period={quarter}&format=xlsx")
    book = load_workbook(io.BytesIO(res.content))
    assert [ws.title for ws in book.worksheets][:3] == [
        "机构考核 Units",
        "人员考核 People",
        "明细 Complaints",
    ]
    people = book.worksheets[1]
    assert people.cell(row=people.max_row, column=4).value == 25500


def test_a_sub_branch_manager_is_assessed_on_its_own_unit(cast: Any, quarter: str) -> None:
    body = cast.client("mia").get(f"/api/v1/reports/assessment?period={quarter}").json()
    assert [r["unit"] for r in body["tables"]["units"]["rows"]] == ["BJ01"]
    assert {r["person"] for r in body["tables"]["people"]["rows"]} == {
        "resp01",
        "alice",
        "vp",
        "pres",
    }
