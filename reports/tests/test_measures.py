"""Every service measure on a small data set walked through the real actions, with the
expected figures worked out by hand; every figure drills down to exactly its complaints."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from reports.tests.helpers import NOTICE, act, customer, register, to_investigating

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def cohort(cast: Any) -> dict[str, Any]:
    """A: received 2 days ago, contacted after 5 h, decided in time (2 days), satisfied (5).
    B: 40 days ago, contacted after 30 h, decided (partly upheld), not satisfied (2): handled
       again, so undecided now.
    C: 40 days ago, decided late (40 days, rejected), review changed the decision, closed.
    D: 3 days ago, the same customer as A (a repeat), contacted 2 h ago, withdrew now.
    E: received now at SH01 (acknowledged in time), nothing else."""
    alice = cast.principal("alice")
    a = register(cast, ago=2 * DAY, customer=customer(1), codes={"business": "B02", "cause": "C07"})
    b = register(
        cast, ago=40 * DAY, customer=customer(2), codes={"business": "B02", "cause": "C01"}
    )
    c = register(
        cast, ago=40 * DAY, customer=customer(3), codes={"business": "B03", "cause": "C07"}
    )
    d = register(cast, ago=3 * DAY, customer=customer(1), codes={"business": "B02", "cause": "C07"})
    e = register(cast, who="bob", unit="SH01", customer=customer(5))
    for x in (a, b, c, d):
        to_investigating(cast, x.number)
    act(alice, a.number, "contact", kind="call", summary="核实", at=(a.received_at + 5 * HOUR))
    act(alice, a.number, "respond", **NOTICE)
    act(alice, a.number, "start_follow_up")
    act(alice, a.number, "follow_up_result", satisfied=True, score=5)
    act(alice, b.number, "contact", kind="call", summary="核实", at=(b.received_at + 30 * HOUR))
    act(alice, b.number, "respond", **{**NOTICE, "decision": "partially_upheld"})
    act(alice, b.number, "start_follow_up")
    act(alice, b.number, "follow_up_result", satisfied=False, score=2)
    act(alice, c.number, "respond", **{**NOTICE, "decision": "rejected"})
    act(alice, c.number, "request_review", reason="不服处理结果")
    act(cast.principal("max"), c.number, "decide_review", outcome="changed", reasons="改为支持",
        decision="rejected", remedy="apology")  # the remedy changed
    act(alice, d.number, "contact", kind="call", summary="沟通", at=(timezone.now() - 2 * HOUR))
    act(alice, d.number, "withdraw", reason="客户撤回", via="phone")
    start = timezone.localtime(b.received_at).date()
    return {
        "a": a,
        "b": b,
        "c": c,
        "d": d,
        "e": e,
        "query": f"from={start.isoformat()}&to={timezone.localdate().isoformat()}",
    }


def test_each_measure_matches_the_hand_computed_figure(cast: Any, cohort: dict[str, Any]) -> None:
    res = cast.client("cpo").get(f"/api/v1/reports/service?{cohort['query']}")
    assert res.status_code == 200, res.json()
    t = res.json()["tables"]["service"]["totals"]
    assert t["n"] == 5
    assert (t["ack_ok"], t["ack_rate"]) == (1, 0.2)  # only E was registered within 24 h
    assert (t["decided"], t["on_time"], t["on_time_rate"]) == (2, 1, 0.5)  # A in time, C late
    assert t["mean_handling_days"] == 21.0  # (2 + 40) / 2
    assert (t["median_handling_days"], t["p90_handling_days"]) == (21.0, 36.2)  # 2+0.9*38
    assert t["contacted"] == 3  # A 5 h, B 30 h, D 70 h
    assert t["mean_contact_hours"] == 35.0
    assert (t["median_contact_hours"], t["p90_contact_hours"]) == (30.0, 62.0)  # 30+0.8*40
    assert (t["surveyed"], t["satisfied"], t["satisfaction_rate"]) == (2, 1, 0.5)
    assert t["mean_score"] == 3.5
    assert (t["reprocessed"], t["reprocess_rate"]) == (1, 0.5)
    assert (t["reviewed"], t["review_rate"]) == (1, 0.5)  # of the 2 decided
    assert (t["review_changed"], t["review_changed_rate"]) == (1, 1.0)
    assert (t["repeat"], t["repeat_rate"]) == (1, 0.2)
    assert (t["withdrawn"], t["withdrawal_rate"], t["withdrawn_after_contact"]) == (1, 0.2, 1)
    assert (t["upheld"], t["upheld_rate"]) == (2, 1.0)  # A upheld, B partly (B undecided now)


def test_each_figure_drills_down_to_exactly_its_complaints(
    cast: Any, cohort: dict[str, Any]
) -> None:
    client = cast.client("cpo")
    expected = {
        "n": "abcde",
        "ack_ok": "e",
        "ack_late": "abcd",
        "decided": "ac",
        "on_time": "a",
        "late": "c",
        "undecided": "bde",
        "contacted": "abd",
        "reprocessed": "b",
        "surveyed": "ab",
        "satisfied": "a",
        "reviewed": "c",
        "review_changed": "c",
        "repeat": "d",
        "withdrawn": "d",
        "withdrawn_after_contact": "d",
        "upheld": "ab",
        "closed": "ac",
    }
    for measure, letters in expected.items():
        res = client.get(f"/api/v1/reports/drill?measure={measure}&{cohort['query']}")
        assert res.status_code == 200, res.json()
        numbers = {r["number"] for r in res.json()["tables"]["complaints"]["rows"]}
        assert numbers == {cohort[x].number for x in letters}, measure
        assert res.json()["count"] == len(letters)


def test_rows_by_unit_roll_up_and_their_drill_links_agree(
    cast: Any, cohort: dict[str, Any]
) -> None:
    client = cast.client("cpo")
    body = client.get(f"/api/v1/reports/service?group=unit&{cohort['query']}").json()
    rows = {r["unit"]: r for r in body["tables"]["service"]["rows"]}
    assert set(rows) == {"BJ", "SH"}  # rolled up to the branches below the head office
    assert (rows["BJ"]["n"], rows["SH"]["n"]) == (4, 1)
    link = rows["BJ"]["drill"]["decided"]
    numbers = {r["number"] for r in client.get(link).json()["tables"]["complaints"]["rows"]}
    assert numbers == {cohort["a"].number, cohort["c"].number}


def test_statistics_group_by_any_dimensions_and_period(cast: Any, cohort: dict[str, Any]) -> None:
    client = cast.client("audrey")
    body = client.get(
        f"/api/v1/reports/statistics?group=business,cause,state&{cohort['query']}"
    ).json()
    cells = {
        (r["business"], r["cause"], r["state"]): r["n"]
        for r in body["tables"]["statistics"]["rows"]
    }
    assert cells == {
        ("B02", "C07", "closed"): 1,
        ("B02", "C01", "investigating"): 1,
        ("B03", "C07", "closed"): 1,
        ("B02", "C07", "withdrawn"): 1,
        ("", "", "registered"): 1,
    }
    body = client.get(
        f"/api/v1/reports/statistics?every=day&group=unit&unit_depth=2&{cohort['query']}"
    ).json()
    assert sum(r["n"] for r in body["tables"]["statistics"]["rows"]) == 5
    assert {r["unit"] for r in body["tables"]["statistics"]["rows"]} == {"BJ01", "SH01"}
    body = client.get(
        f"/api/v1/reports/statistics?every=month&source=direct&channel=phone&"
        f"severity=normal,complex,major&{cohort['query']}"
    ).json()
    assert body["tables"]["statistics"]["totals"]["n"] == 5
    body = client.get(
        f"/api/v1/reports/statistics?every=quarter&group=state,unit&unit_depth=2&{cohort['query']}"
    ).json()
    by_state: dict[tuple[str, str], int] = {}
    for r in body["tables"]["statistics"]["rows"]:
        key = (r["state"], r["unit"])
        by_state[key] = by_state.get(key, 0) + r["n"]
    assert by_state == {
        ("closed", "BJ01"): 2,
        ("investigating", "BJ01"): 1,
        ("withdrawn", "BJ01"): 1,
        ("registered", "SH01"): 1,
    }


def test_a_misspelt_filter_value_is_refused_not_counted_as_zero(
    cast: Any, cohort: dict[str, Any]
) -> None:
    client = cast.client("cpo")
    for report in ("statistics", "drill"):
        res = client.get(f"/api/v1/reports/{report}?state=clsoed&{cohort['query']}")
        assert res.status_code == 422, report
        assert [e["field"] for e in res.json()["errors"]] == ["state"]
        assert "clsoed" in res.json()["errors"][0]["message"]
    res = client.get(f"/api/v1/reports/statistics?business=B99,B02&{cohort['query']}")
    assert [e["field"] for e in res.json()["errors"]] == ["business"]
    ok = client.get(
        f"/api/v1/reports/statistics?state=closed,withdrawn&validity=-&{cohort['query']}"
    )
    assert ok.status_code == 200 and ok.json()["tables"]["statistics"]["totals"]["n"] == 3
