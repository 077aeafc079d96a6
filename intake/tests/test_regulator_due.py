"""The regulator's own deadline on a transfer is kept as a clock beside the pack's, shown on the
complaint, met by the decision, and a bad one refuses the row."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from clocks.sweeper import sweep
from complaints.models import Complaint
from complaints.tests.helpers import act, investigating
from intake.regulator import import_file

pytestmark = pytest.mark.django_db


def _import(cast: Any, due: str, ref: str = "QA-D1") -> Any:
    transferred = timezone.localdate() - dt.timedelta(days=10)
    data = ("转办编号,来源,转办日期,投诉人,手机号码,被投诉机构,投诉内容,反馈期限\n"
            f"{ref},12378,{transferred},王五,13912345678,BJ01,扣费不合理,{due}\n")
    return import_file(cast.principal("cpo"), "t.csv", data.encode())


def test_the_regulators_deadline_is_a_clock_shown_on_the_complaint(
        cast: Any, templates: None) -> None:
    due_day = timezone.localdate() + dt.timedelta(days=5)
    report = _import(cast, f"{due_day.year}年{due_day.month}月{due_day.day}日")
    assert len(report.created) == 1 and report.errors == [], report.errors
    c = Complaint.objects.get(external_ref="QA-D1")
    deadline = c.deadlines.get(obligation="regulator_due")
    local = timezone.localtime(deadline.due_at)
    assert (local.date(), local.time()) == (due_day, dt.time(23, 59, 59))
    assert deadline.due_at < c.deadlines.get(obligation="decision").due_at
    assert c.events.get(type="regulator_transfer").payload["regulator_due"]
    page = cast.client("mia").get(f"/complaints/{c.number}/")
    assert "监管要求反馈期限" in page.content.decode()  # the deadlines table
    english = cast.client("mia").get(f"/complaints/{c.number}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Regulator&#x27;s deadline for feedback" in english.content.decode()  # the timeline
    c = investigating(cast, c)
    notice = {"decision": "upheld", "verification": "核对账单。", "basis": "收费标准。",
              "reasons": "扣费未经同意。"}
    c = act(cast, "alice", c, "propose_resolution", **notice, remedy="refund", amount="30.00")
    c = act(cast, "mia", c, "respond", **notice)
    assert c.state == "responded"
    assert c.deadlines.get(obligation="regulator_due").status == "met"


def test_a_passed_regulator_deadline_is_breached_by_the_sweeper(cast: Any, templates: None) -> None:
    _import(cast, f"{timezone.localdate() - dt.timedelta(days=1)}", ref="QA-D2")
    c = Complaint.objects.get(external_ref="QA-D2")
    sweep(timezone.now())
    assert c.deadlines.get(obligation="regulator_due").status == "breached"
    assert c.deadlines.get(obligation="decision").status == "open"


@pytest.mark.parametrize("due", ["下周", "2020-01-01", "2026-02-30"])
def test_a_bad_regulator_deadline_refuses_the_row(cast: Any, due: str) -> None:
    report = _import(cast, due)
    assert report.created == []
    assert [(e.row, e.field) for e in report.errors] == [(2, "regulator_due")]
