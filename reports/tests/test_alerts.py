"""The emerging-issue alert fires on a planted spike and stays quiet on noise; the withdrawal
flag catches a unit whose withdrawals follow its contacts."""

import datetime as dt
import math
import random
from typing import Any

import pytest
from django.utils import timezone

from reports import rollups
from reports.alerts import AlertConfig, emerging, poisson_upper, send_alerts, withdrawal_flags
from reports.choices import DIMS, MEASURES
from reports.facts import Facts
from reports.scope import report_scope
from reports.stats import parse_period
from reports.tests.helpers import act, customer, register, to_investigating

WEEK = parse_period("2026-W20")
UNITS = ["BJ01", "BJ02", "SH01"]
CATEGORIES = ["B01", "B02", "B03", "B04"]


def _poisson(rng: random.Random, lam: float) -> int:
    k, p, limit = 0, 1.0, math.exp(-lam)
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _plant(cast: Any, seed: int, spike: int = 0, lam: float = 3.0) -> None:
    """Nine weeks of Poisson(λ) weekly counts per unit × category, written as the hook
    would; `spike` more complaints of B02 at BJ01 in the last week."""
    rng = random.Random(seed)  # noqa: S311 (test data)
    units = {u.code: u.pk for u in (cast.bj01, cast.bj02, cast.sh01)}
    delta = rollups.Delta()
    for week in range(9):
        monday = WEEK.start - dt.timedelta(weeks=8 - week)
        for code in UNITS:
            for business in CATEGORIES:
                n = _poisson(rng, lam) + (
                    spike if (week, code, business) == (8, "BJ01", "B02") else 0
                )
                if n:
                    dims = dict.fromkeys(DIMS, "")
                    dims.update(
                        business=business,
                        channel="phone",
                        source="direct",
                        severity="normal",
                        state="registered",
                    )
                    delta.add(
                        Facts(
                            monday + dt.timedelta(days=rng.randint(0, 6)),
                            units[code],
                            tuple(dims[d] for d in DIMS),
                            tuple(n if m == "n" else 0 for m in MEASURES),
                        )
                    )
    rollups.write(delta)


def test_the_poisson_tail_is_right() -> None:
    assert poisson_upper(0, 2.0) == 1.0
    assert poisson_upper(1, 2.0) == pytest.approx(1 - math.exp(-2))
    assert poisson_upper(3, 0.5) == pytest.approx(1 - math.exp(-0.5) * (1 + 0.5 + 0.125))


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_noise_raises_no_alert(cast: Any, seed: int) -> None:
    _plant(cast, seed)
    assert emerging(report_scope(cast.principal("cpo")), WEEK, AlertConfig()) == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_planted_spike_raises_an_alert(cast: Any, seed: int) -> None:
    _plant(cast, seed, spike=15)
    alerts = emerging(report_scope(cast.principal("cpo")), WEEK, AlertConfig())
    assert ("BJ01", "B02") in {(a["unit"], a["business"]) for a in alerts}
    assert {a["business"] for a in alerts} == {"B02"}
    assert {a["unit"] for a in alerts} <= {"BJ01", "BJ", "HO"}  # the spike rolls up
    spike = next(a for a in alerts if a["unit"] == "BJ01")
    assert spike["count"] >= 15 and spike["p_value"] < spike["threshold"]
    # The sub-branch's manager sees it; the other branch's people do not.
    assert emerging(report_scope(cast.principal("mia")), WEEK, AlertConfig())
    from complaints.errors import Forbidden

    with pytest.raises(Forbidden):
        report_scope(cast.principal("bob"))


def test_six_complaints_in_a_quiet_category_alert_end_to_end(cast: Any) -> None:
    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday() + 7)  # last complete week
    start = dt.datetime.combine(monday, dt.time(10), timezone.get_current_timezone())
    numbers = {
        register(
            cast,
            at=start + dt.timedelta(hours=5 * i),
            customer=customer(i),
            codes={"business": "B05", "cause": "C11"},
        ).number
        for i in range(6)
    }
    y, w, _ = monday.isocalendar()
    body = cast.client("cpo").get(f"/api/v1/reports/alerts?period={y}-W{w:02d}").json()
    rows = body["tables"]["alerts"]["rows"]
    assert ("BJ01", "B05", 6) in {(a["unit"], a["business"], a["count"]) for a in rows}
    assert body["test"]["kind"] == "poisson_upper_tail_bonferroni"
    link = next(a for a in rows if a["unit"] == "BJ01")["drill"]
    listed = cast.client("cpo").get(link).json()["tables"]["complaints"]["rows"]
    assert {r["number"] for r in listed} == numbers
    assert send_alerts(f"{y}-W{w:02d}") >= 1
    from notify.models import Notification

    assert Notification.objects.filter(kind="bulletin", user=cast.users["mia"]).exists()
    assert send_alerts(f"{y}-W{w:02d}") >= 1  # a second run writes nothing new
    assert Notification.objects.filter(kind="bulletin", user=cast.users["mia"]).count() == 1


def test_withdrawals_right_after_the_banks_contact_are_flagged(cast: Any) -> None:
    alice = cast.principal("alice")
    for i in range(4):
        c = register(cast, ago=dt.timedelta(days=2), customer=customer(i))
        to_investigating(cast, c.number)
        act(
            alice,
            c.number,
            "contact",
            kind="call",
            summary="劝说",
            at=timezone.now() - dt.timedelta(hours=3),
        )
        act(alice, c.number, "withdraw", reason="客户撤回", via="phone")
    for i in range(6):
        register(cast, who="bob", unit="SH01", customer=customer(10 + i))
    scope = report_scope(cast.principal("cpo"))
    window = parse_period(str(timezone.localdate().year))
    rows = {r["unit"]: r for r in withdrawal_flags(scope, window, AlertConfig())}
    assert set(rows) == {"BJ01"}
    flag = rows["BJ01"]
    assert (flag["withdrawn"], flag["after_contact"], flag["flagged"]) == (4, 4, True)
    assert "contact" in flag["reasons"]


@pytest.mark.parametrize("query, field", [
    ("period=2026", "period"), ("period=2026Q1", "period"), ("period=2026-03", "period"),
    ("from=2026-03-01", "from"), ("to=2026-03-31", "to"), ("business=B01", "business"),
])
def test_alerts_refuse_what_they_would_ignore(cast: Any, query: str, field: str) -> None:
    answer = cast.client("cpo").get(f"/api/v1/reports/alerts?{query}")
    assert answer.status_code == 422, answer.content
    assert [e["field"] for e in answer.json()["errors"]] == [field]


def test_alerts_take_a_week_or_a_day(cast: Any) -> None:
    for period in ("2026-W10", "2026-03-05", ""):
        answer = cast.client("cpo").get(f"/api/v1/reports/alerts?period={period}")
        assert answer.status_code == 200, (period, answer.content)
