"""Extensions within each pack's limits, pauses only for the reasons a pack allows, and clocks
that restart on new facts."""

import datetime as dt
from typing import Any
from unittest import mock

import pytest

from clocks import rules
from clocks import service as clocks
from clocks.models import Deadline
from complaints.action_schemas import ApproveIn, ExtendIn, MergeIn, PauseIn
from complaints.actions import run_action
from complaints.errors import ActionError

pytestmark = pytest.mark.django_db


def clock(c: Any, obligation: str = "decision") -> Deadline:
    return Deadline.objects.get(complaint=c, obligation=obligation)


def test_cn_goes_to_thirty_then_sixty_days_only_with_a_senior_approver(register: Any) -> None:
    c = register()
    with pytest.raises(clocks.ClockError, match="May not exceed 60"):
        clocks.extend_decision(c.pk, 61, "复杂", "max", senior=True)
    with pytest.raises(clocks.ClockError, match="Beyond 30 days") as refused:
        clocks.extend_decision(c.pk, 31, "复杂", "mia", senior=False)
    assert refused.value.field == "approver"
    first = clocks.extend_decision(c.pk, 30, "复杂", "mia", senior=False)
    assert first.due_at == rules.cn_days_due(c.received_at, 30)
    second = clocks.extend_decision(c.pk, 60, "鉴定", "max", senior=True)
    assert second.due_at == rules.cn_days_due(c.received_at, 60)
    assert [(e["total_days"], e["approver"], e["senior"]) for e in second.extensions] == [
        (30, "mia", False), (60, "max", True)]
    with pytest.raises(clocks.ClockError, match="May not exceed 60"):
        clocks.extend_decision(c.pk, 61, "again", "max", senior=True)


def test_a_deadline_that_has_passed_cannot_be_extended(register: Any) -> None:
    c = register()
    due = clock(c).due_at
    last_second = due + dt.timedelta(microseconds=999_999)
    assert clocks.extend(c.pk, "", 30, "复杂", "mia", False, at=last_second).due_at > due
    late = clock(c).due_at + dt.timedelta(seconds=1)
    with pytest.raises(clocks.ClockError, match="has passed"):
        clocks.extend(c.pk, "", 60, "复杂", "max", True, at=late)


def test_the_extend_action_records_reason_and_approver_and_tells_the_customer(
        cast: Any, register: Any) -> None:
    c = register()
    run_action(cast.principal("agent"), c.number, "accept", ApproveIn(version=1))
    mia = cast.principal("mia")
    with pytest.raises(ActionError) as refused:
        run_action(mia, c.number, "extend", ExtendIn(version=2, total_days=90, reason="复杂案情",
                                                     approver="max"))
    assert refused.value.errors[0][0] == "total_days"
    done = run_action(mia, c.number, "extend", ExtendIn(version=2, total_days=45,
                                                        reason="需外部鉴定", approver="max"))
    extension = clock(done).extensions[0]
    assert (extension["total_days"], extension["reason"], extension["approver"]) == (
        45, "需外部鉴定", "max")
    notice = done.notifications.get(kind="extension_notice")
    due = clocks.local_due(clock(done)).date()
    assert f"{due:%Y年%m月%d日}" in notice.body
    assert done.events.last().payload["obligation"] == "decision"


def test_cn_pauses_only_for_the_reasons_it_allows_and_keeps_the_intervals(register: Any) -> None:
    c = register(received_at="2026-11-02T10:00:00+08:00")
    start = dt.datetime(2026, 11, 5, 9, 0, tzinfo=rules.CN_ZONE)
    clocks.pause_decision(c.pk, start, "mediation")
    clocks.resume_decision(c.pk, start + dt.timedelta(days=2))
    clocks.pause_decision(c.pk, start + dt.timedelta(days=3), "correction")
    resumed = clocks.resume_decision(c.pk, start + dt.timedelta(days=6))
    assert [(i["reason"], i["days"]) for i in resumed.paused_intervals] == [
        ("mediation", 2), ("correction", 3)]
    assert resumed.due_at == rules.cn_days_due(c.received_at, 15 + 5)
    with pytest.raises(clocks.ClockError, match="does not stop the clock"):
        clocks.pause_decision(c.pk, start + dt.timedelta(days=7), "holiday")


def test_uk_eight_weeks_are_never_extended_or_paused(settings: Any, register: Any) -> None:
    settings.TOUSU_RULE_PACK = "uk-fca"
    c = register()
    assert {d.obligation for d in c.deadlines.all()} == {"summary_resolution", "final_response"}
    with pytest.raises(clocks.ClockError, match="allows no extension"):
        clocks.extend(c.pk, "", 20, "busy", "mia", True)
    with pytest.raises(clocks.ClockError, match="allows no extension"):
        clocks.extend(c.pk, "final_response", 20, "busy", "mia", True)
    with pytest.raises(clocks.ClockError, match="uk-fca rule pack does not stop"):
        clocks.pause_decision(c.pk, c.received_at, "appraisal")


def test_uk_payment_services_go_from_fifteen_to_thirty_five_business_days(
        settings: Any, register: Any) -> None:
    settings.TOUSU_RULE_PACK = "uk-fca"
    c = register(received_at="2025-12-17T11:00:00+00:00", clock_flags=["payment_services"])
    psd = clock(c, "final_response_payment_services")
    assert psd.due_at.date() == dt.date(2026, 1, 12)  # 25, 26 Dec and 1 Jan are holidays
    with pytest.raises(clocks.ClockError, match="May not exceed 35"):
        clocks.extend(c.pk, "", 36, "exceptional", "mia", False,
                      at=c.received_at + dt.timedelta(days=5))
    extended = clocks.extend(c.pk, "", 35, "exceptional: third party", "mia", False,
                             at=c.received_at + dt.timedelta(days=5))
    assert extended.due_at.date() == dt.date(2026, 2, 9)  # 35th business day
    assert extended.extensions[0]["day_type"] == "business"


def test_reg_e_goes_to_45_days_only_with_provisional_credit_and_90_only_where_allowed(
        settings: Any, cast: Any, register: Any) -> None:
    settings.TOUSU_RULE_PACK = "us-cfpb"
    c = register(received_at="2026-11-10T10:00:00-05:00", clock_flags=["reg_e"])
    assert clock(c, "reg_e_investigation").due_at.date() == dt.date(2026, 11, 26)  # 23:59 EST
    at = c.received_at + dt.timedelta(days=3)
    with pytest.raises(clocks.ClockError, match="provisional_credit") as refused:
        clocks.extend(c.pk, "reg_e_investigation", 45, "investigating", "mia", False, at=at)
    assert refused.value.field == "conditions"
    with pytest.raises(clocks.ClockError, match="May not exceed 45"):
        clocks.extend(c.pk, "reg_e_investigation", 90, "pos", "mia", False,
                      conditions=["provisional_credit"], flags=c.tags, at=at)
    with mock.patch("django.utils.timezone.now", return_value=at):
        run_action(cast.principal("agent"), c.number, "accept", ApproveIn(version=1))
        done = run_action(cast.principal("mia"), c.number, "extend", ExtendIn(
            version=2, total_days=45, reason="provisionally credited on 12 Nov", approver="max",
            obligation="reg_e_investigation", conditions=["provisional_credit"]))
    reg_e = clock(done, "reg_e_investigation")
    assert reg_e.due_at.astimezone(rules.packs.get("us-cfpb").zone).date() == dt.date(2026, 12, 25)
    assert reg_e.extensions[0]["conditions"] == ["provisional_credit"]
    pos = register(received_at="2026-11-10T10:00:00-05:00",
                   clock_flags=["reg_e", "reg_e_pos_or_foreign"])
    ninety = clocks.extend(pos.pk, "reg_e_investigation", 90, "POS", "mia", False,
                           conditions=["provisional_credit"], flags=pos.tags, at=at)
    assert ninety.extensions[0]["total_days"] == 90


def test_new_facts_in_a_repeat_submission_restart_the_primary_clock(cast: Any,
                                                                     register: Any) -> None:
    primary = register(received_at="2026-11-02T10:00:00+08:00")
    clocks.extend(primary.pk, "", 30, "复杂", "mia", False,
                  at=primary.received_at + dt.timedelta(days=3))
    repeat = register(received_at="2026-11-10T15:00:00+08:00", content="补充：又被扣收一次年费。")
    run_action(cast.principal("alice"), repeat.number, "merge",
               MergeIn(version=1, into=primary.number, new_facts=True))
    restarted = clock(primary)
    assert restarted.started_at == repeat.received_at
    assert restarted.due_at == rules.cn_days_due(repeat.received_at, 15)
    assert restarted.extensions == [] and restarted.restarts[0]["reason"].startswith("new facts")
    assert restarted.restarts[0]["extensions"][0]["total_days"] == 30
    plain = register(received_at="2026-11-11T09:00:00+08:00")
    run_action(cast.principal("alice"), plain.number, "merge",
               MergeIn(version=1, into=primary.number))
    assert clock(primary).started_at == repeat.received_at  # no new facts: no restart


def test_cn_emergency_obligations_are_met_by_their_actions(settings: Any, cast: Any,
                                                           register: Any) -> None:
    settings.TOUSU_RULE_PACK = "cn-emergency"
    c = register()
    assert {d.obligation for d in c.deadlines.all()} == {
        "acceptance", "dispatch", "first_contact", "decision"}
    run_action(cast.principal("agent"), c.number, "accept", ApproveIn(version=1))
    statuses = dict(c.deadlines.values_list("obligation", "status"))
    assert statuses == {"acceptance": "met", "dispatch": "open", "first_contact": "open",
                        "decision": "open"}
    with pytest.raises(ActionError) as refused:
        run_action(cast.principal("mia"), c.number, "extend",
                   ExtendIn(version=2, total_days=1, reason="overnight", approver="max"))
    assert "no extension" in refused.value.errors[0][1]
    with pytest.raises(ActionError):
        run_action(cast.principal("alice"), c.number, "pause",
                   PauseIn(version=2, reason="appraisal", detail="鉴定"))


def test_a_late_fulfilment_is_a_breach_and_an_early_one_is_met(register: Any) -> None:
    c = register()
    due = clock(c).due_at
    with mock.patch("django.utils.timezone.now", return_value=due + dt.timedelta(hours=1)):
        clocks.stop(c.pk, "decision", due + dt.timedelta(hours=1))
    late = clock(c)
    assert (late.status, late.breached_at) == ("breached", due)


def test_a_reopened_uk_complaint_gets_a_new_final_response_clock_but_no_new_fast_track(
        settings: Any, register: Any) -> None:
    settings.TOUSU_RULE_PACK = "uk-fca"
    c = register(received_at="2026-03-02T10:00:00+00:00")
    responded = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)
    clocks.stop(c.pk, "decision", responded)
    assert dict(c.deadlines.values_list("obligation", "status")) == {
        "summary_resolution": "expired", "final_response": "met"}
    reopened = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)
    clocks.restart_decision(c.pk, reopened)
    final = clock(c, "final_response")
    assert (final.status, final.started_at) == ("open", reopened)
    assert final.due_at.date() == dt.date(2026, 5, 27)  # 8 weeks from 1 April, 23:59:59 BST
    assert final.restarts[0]["status"] == "met"
    assert clock(c, "summary_resolution").status == "expired"


def test_a_clock_flag_set_after_registration_adds_its_clock_from_receipt(
        settings: Any, register: Any) -> None:
    from complaints.models import Complaint

    settings.TOUSU_RULE_PACK = "us-cfpb"
    c = register(received_at="2026-11-10T10:00:00-05:00")
    assert not clocks.sync_obligations(c)
    Complaint.objects.filter(pk=c.pk).update(tags=[*c.tags, "reg_e"])
    c.refresh_from_db()
    added = clocks.sync_obligations(c)
    assert [d.obligation for d in added] == ["reg_e_investigation"]
    assert clock(c, "reg_e_investigation").started_at == c.received_at


def test_a_deadline_past_its_due_second_cannot_be_paused_to_move_the_breach(
        register: Any) -> None:
    c = register(received_at="2026-11-02T10:00:00+08:00")
    due = clock(c).due_at
    with pytest.raises(clocks.ClockError, match="has passed") as refused:
        clocks.pause_decision(c.pk, due + dt.timedelta(seconds=1), "mediation")
    assert refused.value.field == "reason"
    assert (clock(c).status, clock(c).due_at) == ("open", due)  # the sweeper breaches it
    clocks.pause_decision(c.pk, due + dt.timedelta(microseconds=999_999), "mediation")
    assert clock(c).status == "paused"  # the last second is still in time


def test_a_decision_sent_while_the_clock_is_paused_counts_the_paused_days_out(
        register: Any) -> None:
    c = register(received_at="2026-11-02T10:00:00+08:00")  # due 17 Nov
    clocks.pause_decision(c.pk, dt.datetime(2026, 11, 12, 10, 0, tzinfo=rules.CN_ZONE),
                          "appraisal")
    clocks.stop(c.pk, "decision", dt.datetime(2026, 11, 20, 10, 0, tzinfo=rules.CN_ZONE))
    met = clock(c)  # 10 days counted, 8 paused: in time, not breached on 17 Nov
    assert (met.status, met.breached_at, met.paused_since) == ("met", None, None)
    assert met.paused_intervals[0]["days"] == 8
    assert met.due_at == rules.cn_days_due(c.received_at, 15 + 8)


def test_the_customers_own_call_does_not_meet_the_first_contact_duty(
        settings: Any, cast: Any, register: Any) -> None:
    from complaints.action_schemas import ContactIn

    settings.TOUSU_RULE_PACK = "cn-emergency"
    c = register()
    run_action(cast.principal("agent"), c.number, "contact", ContactIn(
        version=1, kind="call", summary="客户来电催问进度", outbound=False))
    assert clock(c, "first_contact").status == "open"
    run_action(cast.principal("agent"), c.number, "contact", ContactIn(
        version=2, kind="call", summary="回电客户说明处理进度"))
    assert clock(c, "first_contact").status == "met"
