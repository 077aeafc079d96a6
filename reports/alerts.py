"""Emerging-issue alerts and the withdrawal-abuse flag.

Emerging issues. For every unit in scope (its whole subtree) and business category, this week's
count x is compared with its own baseline: λ, the mean weekly count of the previous
BASELINE_WEEKS weeks (at least FLOOR, so a category that had none can still be tested). The test
is the one-sided Poisson upper tail p = P(X ≥ x | λ). A cell is tested only when x ≥ MIN_COUNT
and x ≥ MIN_RATIO · λ; it alerts when p < ALPHA / m, m being the number of cells tested that week
(Bonferroni: at most ALPHA chance of any false alarm in a week of pure noise).

Withdrawals. A unit is flagged when it has at least MIN_WITHDRAWALS withdrawals and either its
withdrawal rate is significantly above the rest of the scope (one-sided binomial upper tail
below ALPHA / m over the units tested) or at least CLOSE_SHARE of its withdrawals came within the
withdrawal window after a contact by the bank: pressing customers to withdraw is an abuse the
regulator looks for."""

import datetime as dt
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Sum

from complaints.errors import ActionError
from reports.choices import DAY
from reports.facts import local_day
from reports.models import Tally
from reports.scope import Scope
from reports.stats import Window, parse_period, ratio, sums, window
from reports.tables import Column, Params, Report, Table, drill_url
from triage.codes import BUSINESS


@dataclass(frozen=True)
class AlertConfig:
    baseline_weeks: int = 8
    alpha: float = 0.01
    min_count: int = 5
    min_ratio: float = 2.0
    floor: float = 0.5
    min_withdrawals: int = 3
    close_share: float = 0.5

    @classmethod
    def from_settings(cls) -> "AlertConfig":
        return cls(**getattr(settings, "TOUSU_REPORTS_ALERTS", {}))


def poisson_upper(x: int, lam: float) -> float:
    """P(X ≥ x) for X ~ Poisson(λ), summed from x upwards (accurate far into the tail)."""
    if x <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    total, k = 0.0, x
    while True:
        term = math.exp(-lam + k * math.log(lam) - math.lgamma(k + 1))
        total += term
        if k > lam and term < total * 1e-15:
            break
        k += 1
    return min(1.0, total)


def binomial_upper(x: int, n: int, p: float) -> float:
    """P(X ≥ x) for X ~ Binomial(n, p)."""
    if x <= 0:
        return 1.0
    if x > n or p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    total = 0.0
    for k in range(x, n + 1):
        term = math.exp(
            math.lgamma(n + 1)
            - math.lgamma(k + 1)
            - math.lgamma(n - k + 1)
            + k * math.log(p)
            + (n - k) * math.log1p(-p)
        )
        total += term
        if k > n * p and term < total * 1e-15:
            break
    return min(1.0, total)


def _week_of(text: str) -> Window:
    """The ISO week named (2026-W10) or containing the day named; else the last complete
    week."""
    if "W" in text.upper():
        return parse_period(text)
    day = (
        parse_period(text).start
        if text
        else (local_day(dt.datetime.now(dt.UTC)) - dt.timedelta(days=7))
    )
    y, w, _ = day.isocalendar()
    return parse_period(f"{y}-W{w:02d}")


def _check_weekly(p: Params) -> None:
    """Alerts are a week's, over every category: a longer period, a date range or a filter
    would be silently ignored, so they are refused."""
    problems = [(name, "预警按周统计，不支持此参数 / alerts are weekly: not supported here")
                for name, given in (("from", p.start), ("to", p.end), *p.filters.items())
                if given]
    if p.period and not re.fullmatch(r"\d{4}-W\d{1,2}|\d{4}-\d{2}-\d{2}", p.period.strip(),
                                      re.IGNORECASE):
        problems.append(("period", "须为一周（2026-W10）或一天（2026-03-05） / give a week "
                                   "(2026-W10) or a day (2026-03-05)"))
    if problems:
        raise ActionError("预警参数无效 / Invalid alert parameters", problems)


def emerging(scope: Scope, week: Window, cfg: AlertConfig | None = None) -> list[dict[str, Any]]:
    """The alerts of one week (see the module's docstring for the test)."""
    cfg = cfg or AlertConfig.from_settings()
    first = week.start - dt.timedelta(weeks=cfg.baseline_weeks)
    queryset = Tally.objects.filter(grain=DAY, cube=1, period__range=(first, week.end))
    if not scope.whole_bank:
        queryset = queryset.filter(unit_id__in=scope.unit_ids)
    counts: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0] * (cfg.baseline_weeks + 1))
    for row in queryset.values("unit_id", "business", "period").annotate(count=Sum("n")):
        index = (row["period"] - first).days // 7
        if 0 <= index <= cfg.baseline_weeks:
            for unit_id in _ancestors_in_scope(scope, row["unit_id"]):
                counts[(unit_id, row["business"])][index] += row["count"]
    tested = []
    for (unit_id, business), weekly in counts.items():
        x = weekly[-1]
        baseline = sum(weekly[:-1]) / cfg.baseline_weeks
        lam = max(baseline, cfg.floor)
        if x >= cfg.min_count and x >= cfg.min_ratio * lam:
            tested.append((unit_id, business, x, baseline, lam, poisson_upper(x, lam)))
    threshold = cfg.alpha / max(1, len(tested))
    alerts = []
    for unit_id, business, x, baseline, lam, p in sorted(tested, key=lambda t: t[5]):
        if p < threshold:
            unit = scope.units[unit_id]
            alerts.append(
                {
                    "week": week.label,
                    "unit": unit.code,
                    "unit_label": unit.name,
                    "business": business or "-",
                    "business_label": BUSINESS.get(business, "未分类 Unclassified"),
                    "count": x,
                    "baseline_mean": round(baseline, 3),
                    "expected": round(lam, 3),
                    "p_value": p,
                    "threshold": threshold,
                    "drill": drill_url("n", week, unit.code, business=business),
                }
            )
    return alerts


def _ancestors_in_scope(scope: Scope, unit_id: int) -> list[int]:
    unit = scope.units[unit_id]
    parts = unit.path.strip("/").split("/")
    paths = ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]
    return [scope.by_path[p].pk for p in paths if p in scope.by_path]


def alerts(scope: Scope, p: Params) -> Report:
    _check_weekly(p)
    cfg = AlertConfig.from_settings()
    week = _week_of(p.period)
    rows = emerging(scope, week, cfg)
    columns = [
        Column("week", "周 Week"),
        Column("unit", "机构代码 Unit"),
        Column("unit_label", "机构 Name"),
        Column("business", "业务类别 Category"),
        Column("business_label", "名称 Name"),
        Column("count", "本周 This week", "int"),
        Column("baseline_mean", "基线周均 Baseline mean", "num"),
        Column("p_value", "p值 p-value", "num"),
    ]
    return Report(
        "alerts",
        "新发问题预警 Emerging-issue alerts",
        week,
        scope.label(),
        [Table("alerts", "预警 Alerts", columns, rows)],
        extra={
            "test": {
                "kind": "poisson_upper_tail_bonferroni",
                "baseline_weeks": cfg.baseline_weeks,
                "alpha": cfg.alpha,
                "min_count": cfg.min_count,
                "min_ratio": cfg.min_ratio,
                "floor": cfg.floor,
            }
        },
        notes=[(__doc__ or "").split("\n\n")[1].replace("\n", " ")],
    )


def withdrawal_flags(
    scope: Scope, w: Window, cfg: AlertConfig | None = None
) -> list[dict[str, Any]]:
    """Every unit with withdrawals in the period, flagged or not (see the module docstring)."""
    cfg = cfg or AlertConfig.from_settings()
    cells = sums(
        scope, w, ("unit",), unit_depth=99, measures=("n", "withdrawn", "withdrawn_after_contact")
    )
    total_n = sum(c["n"] for c in cells.values())
    total_w = sum(c["withdrawn"] for c in cells.values())
    tested = [k for k, c in cells.items() if c["withdrawn"] >= cfg.min_withdrawals]
    threshold = cfg.alpha / max(1, len(tested))
    rows = []
    for (code,), cell in sorted(cells.items()):
        n, wd, close = cell["n"], cell["withdrawn"], cell["withdrawn_after_contact"]
        if not wd:
            continue
        rest_n, rest_w = total_n - n, total_w - wd
        baseline = rest_w / rest_n if rest_n > 0 else None
        p_value = binomial_upper(wd, n, baseline) if baseline is not None else None
        high = bool(wd >= cfg.min_withdrawals and p_value is not None and p_value < threshold)
        near = bool(wd >= cfg.min_withdrawals and close / wd >= cfg.close_share)
        reasons = (["withdrawal rate well above the rest"] if high else []) + (
            ["withdrawals follow the bank's contact closely"] if near else []
        )
        rows.append(
            {
                "unit": code,
                "unit_label": scope.by_code(code).name,
                "n": n,
                "withdrawn": wd,
                "rate": ratio(wd, n),
                "baseline_rate": round(baseline, 4) if baseline is not None else None,
                "p_value": p_value,
                "after_contact": close,
                "after_contact_share": ratio(close, wd),
                "flagged": high or near,
                "reasons": "; ".join(reasons),
                "drill": drill_url("withdrawn", w, code, unit_only=True),
                "drill_after_contact": drill_url(
                    "withdrawn_after_contact", w, code, unit_only=True
                ),
            }
        )
    return rows


def withdrawals(scope: Scope, p: Params) -> Report:
    w = window(p.period, p.start, p.end, "quarter")
    rows = withdrawal_flags(scope, w)
    columns = [
        Column("unit", "机构代码 Unit"),
        Column("unit_label", "机构 Name"),
        Column("n", "投诉量 Complaints", "int"),
        Column("withdrawn", "撤诉 Withdrawn", "int"),
        Column("rate", "撤诉率 Rate", "rate"),
        Column("baseline_rate", "其他机构撤诉率 Rest of scope", "rate"),
        Column("after_contact", "联系后即撤诉 Soon after contact", "int"),
        Column("after_contact_share", "占比 Share", "rate"),
        Column("flagged", "预警 Flagged"),
        Column("reasons", "原因 Reasons"),
    ]
    return Report(
        "withdrawals",
        "撤诉异常监测 Withdrawal monitoring",
        w,
        scope.label(),
        [Table("withdrawals", "撤诉 Withdrawals", columns, rows)],
        notes=[(__doc__ or "").split("\n\n")[2].replace("\n", " ")],
    )


def send_alerts(week_text: str = "") -> int:
    """Tell each alerted unit's managers (and its bulletin subscriptions) of its alerts; the
    dedupe key makes a second run in the same week a no-op. Returns the alerts sent."""
    from notify.staff import tell_staff, unit_managers
    from org.choices import StaffEvent
    from org.models import OrgUnit
    from reports.scope import Scope

    units = {u.pk: u for u in OrgUnit.objects.all()}
    roots = tuple(u for u in units.values() if u.parent_id is None)
    scope = Scope(roots=roots, units=units, whole_bank=True)
    week = _week_of(week_text)
    found = emerging(scope, week)
    for alert in found:
        unit = scope.by_code(alert["unit"])
        text = (
            f"{week.label} 新发问题预警 Emerging issue: {alert['unit_label']} "
            f"{alert['business_label']} {alert['count']} 件 complaints this week "
            f"(基线周均 baseline {alert['baseline_mean']}, p={alert['p_value']:.2g}). "
            f"{alert['drill']}"
        )
        tell_staff(
            unit=unit,
            event=StaffEvent.BULLETIN,
            key=f"alert:{week.label}:{unit.code}:{alert['business']}",
            user_ids=unit_managers(unit),
            text=text,
        )
    return len(found)
