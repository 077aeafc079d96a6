"""The first cn decision deadline: 15 calendar days from the day after receipt in Beijing time,
the last day included, a last day that is a rest day moving to the next working day."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from clocks import rules
from clocks import service as clocks
from clocks.models import Deadline

BJ = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BJ)


@pytest.mark.parametrize(("received", "last_day"), [
    (local(2026, 11, 22, 22, 24), dt.date(2026, 12, 7)),  # a Monday: no roll
    (local(2026, 11, 23, 0, 0), dt.date(2026, 12, 8)),  # midnight belongs to the new day
    (local(2026, 11, 22, 23, 59), dt.date(2026, 12, 7)),
    (local(2026, 11, 20, 9, 0), dt.date(2026, 12, 7)),  # day 15 is Sat 5 Dec -> Mon 7 Dec
    (dt.datetime(2026, 11, 22, 16, 30, tzinfo=dt.UTC), dt.date(2026, 12, 8)),  # 00:30 Beijing
    (local(2025, 9, 20, 10, 0), dt.date(2025, 10, 9)),  # day 15 in National Day holiday
    (local(2025, 9, 26, 10, 0), dt.date(2025, 10, 11)),  # a Saturday that is a working day
    (local(2026, 2, 1, 10, 0), dt.date(2026, 2, 24)),  # Spring Festival 2026 (15-23 Feb off)
])
def test_the_decision_is_due_at_the_end_of_the_last_day(received: dt.datetime,
                                                         last_day: dt.date) -> None:
    due = rules.decision_due(received)
    assert due.astimezone(BJ) == dt.datetime.combine(last_day, dt.time(23, 59, 59), tzinfo=BJ)


def test_a_year_without_an_official_schedule_falls_back_to_weekends() -> None:
    due = rules.decision_due(local(2099, 1, 1, 10, 0))  # day 15 = Fri 16 Jan 2099
    assert due.astimezone(BJ).date() == dt.date(2099, 1, 16)


@pytest.mark.django_db
def test_extensions_stop_at_their_limits(register: Any) -> None:
    c = register()
    with pytest.raises(clocks.ClockError) as too_far:
        clocks.extend_decision(c.pk, 61, "复杂", "max", senior=True)
    assert too_far.value.field == "total_days"
    with pytest.raises(clocks.ClockError) as not_senior:
        clocks.extend_decision(c.pk, 60, "复杂", "mia", senior=False)
    assert not_senior.value.field == "approver"
    first = clocks.extend_decision(c.pk, 30, "复杂", "mia", senior=False)
    assert first.due_at == rules.cn_days_due(c.received_at, 30)
    with pytest.raises(clocks.ClockError):
        clocks.extend_decision(c.pk, 30, "again", "mia", senior=False)
    second = clocks.extend_decision(c.pk, 60, "鉴定", "max", senior=True)
    assert [e["total_days"] for e in second.extensions] == [30, 60]


@pytest.mark.django_db
def test_paused_days_are_not_counted(register: Any) -> None:
    c = register(received_at="2026-11-02T10:00:00+08:00")
    before = Deadline.objects.get(complaint=c).due_at
    clocks.pause_decision(c.pk, local(2026, 11, 5, 9, 0), "appraisal")
    assert Deadline.objects.get(complaint=c).status == "paused"
    resumed = clocks.resume_decision(c.pk, local(2026, 11, 9, 15, 0))
    assert resumed.status == "open"
    assert resumed.paused_intervals[0]["days"] == 4
    assert resumed.due_at == rules.cn_days_due(c.received_at, 15 + 4)
    assert resumed.due_at > before


@pytest.mark.django_db
def test_the_extend_action_needs_a_senior_approver_past_thirty_days(cast: Any,
                                                                    register: Any) -> None:
    from complaints.action_schemas import ApproveIn, ExtendIn
    from complaints.actions import run_action
    from complaints.errors import ActionError

    c = register()
    run_action(cast.principal("agent"), c.number, "accept", ApproveIn(version=1))
    mia = cast.principal("mia")
    with pytest.raises(ActionError) as refused:
        run_action(mia, c.number, "extend", ExtendIn(version=2, total_days=60, reason="复杂案情",
                                                     approver="mia"))
    assert refused.value.errors[0][0] == "approver"
    done = run_action(mia, c.number, "extend", ExtendIn(version=2, total_days=60,
                                                        reason="复杂案情", approver="max"))
    assert done.version == 3
    assert done.notifications.filter(kind="extension_notice").count() == 1


@pytest.mark.django_db
def test_a_branch_manager_is_not_senior_for_the_branchs_own_complaint(cast: Any,
                                                                      register: Any) -> None:
    from complaints.action_schemas import ApproveIn, ExtendIn
    from complaints.actions import run_action
    from complaints.errors import ActionError
    from complaints.models import Complaint

    c = register()
    run_action(cast.principal("agent"), c.number, "accept", ApproveIn(version=1))
    Complaint.objects.filter(pk=c.pk).update(unit=cast.bj)  # handled by the branch itself
    with pytest.raises(ActionError) as refused:
        run_action(cast.principal("max"), c.number, "extend", ExtendIn(
            version=2, total_days=60, reason="复杂案情", approver="max"))
    assert refused.value.errors[0][0] == "approver"  # Art. 18: the unit above must approve
    run_action(cast.principal("max"), c.number, "extend", ExtendIn(
        version=2, total_days=30, reason="复杂案情", approver="max"))
