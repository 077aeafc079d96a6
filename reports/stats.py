"""Reading the rollups: periods, the choice of cube and grain, sums by any combination of
dimensions with the org unit rolled up the tree, exact percentiles, and the service measures.

Every figure is over the complaints *received* in the period (a receipt cohort), in the
caller's scope. A period is read from month cells for its whole months and from day cells for
the days around them, so a quarter is three month cells per combination, however many
complaints it had."""

import calendar
import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, Sum

from complaints import choices as ch
from complaints.errors import ActionError
from reports.choices import ALL, CUBES, DAY, DIMS, MEASURES, MONTH, Period
from reports.facts import local_day
from reports.models import RootCause, Spread, Tally
from reports.scope import Scope
from triage.codes import BUSINESS, CAUSE, CHANNEL

GROUPS = ("unit", *DIMS)


@dataclass(frozen=True)
class Window:
    """A period of whole local days, both ends included."""

    start: dt.date
    end: dt.date
    label: str

    def as_dict(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "label": self.label}


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


# The years a report may cover: beyond them a period's arithmetic (a week's end, the baseline
# weeks before it) would leave the calendar.
YEARS = (1900, 2999)


def _out_of_range(field: str) -> ActionError:
    return ActionError(
        "统计期间超出范围 / Period out of range",
        [(field, f"年份须在 {YEARS[0]}–{YEARS[1]} 之间 / the year must be {YEARS[0]}–{YEARS[1]}")],
    )


def parse_period(text: str) -> Window:
    """'2026', '2026H1', '2026Q1', '2026-03', '2026-W10' or '2026-03-05'."""
    text = text.strip().upper()
    if (m := re.match(r"\d{4}", text)) and not YEARS[0] <= int(m[0]) <= YEARS[1]:
        raise _out_of_range("period")
    try:
        if m := re.fullmatch(r"(\d{4})", text):
            y = int(m[1])
            return Window(dt.date(y, 1, 1), dt.date(y, 12, 31), text)
        if m := re.fullmatch(r"(\d{4})-?H([12])", text):
            y, h = int(m[1]), int(m[2])
            return Window(dt.date(y, 6 * h - 5, 1), _month_end(y, 6 * h), f"{y}H{h}")
        if m := re.fullmatch(r"(\d{4})-?Q([1-4])", text):
            y, q = int(m[1]), int(m[2])
            return Window(dt.date(y, 3 * q - 2, 1), _month_end(y, 3 * q), f"{y}Q{q}")
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            y, mo = int(m[1]), int(m[2])
            return Window(dt.date(y, mo, 1), _month_end(y, mo), text)
        if m := re.fullmatch(r"(\d{4})-?W(\d{2})", text):
            start = dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return Window(start, start + dt.timedelta(days=6), f"{m[1]}-W{m[2]}")
        day = dt.date.fromisoformat(text)
        return Window(day, day, text)
    except ValueError:
        pass
    raise ActionError(
        "无效的统计期间 / Unknown period",
        [("period", "格式如 2026、2026H1、2026Q1、2026-03、2026-W10、2026-03-05 / use 2026, "
                    "2026H1, 2026Q1, 2026-03, 2026-W10 or 2026-03-05")]
    )


def window(
    period: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
    default: str = "year",
) -> Window:
    """The period asked for: `period`, else `from`/`to`, else the current year (or quarter,
    or the last complete quarter: `default`)."""
    if period and (start or end):
        raise ActionError("统计期间重复 / Two periods given", [(
            "period", "请只填写期间，或只填写起止日期 / give a period or from/to, not both")])
    if period:
        return parse_period(period)
    today = local_day(dt.datetime.now(dt.UTC))
    if start or end:
        # `to` alone runs from the start of its year; `from` alone runs to today.
        e = end or today
        s = start or dt.date(e.year, 1, 1)
        for field, day in (("from", s), ("to", e)):
            if not YEARS[0] <= day.year <= YEARS[1]:
                raise _out_of_range(field)
        if e < s:
            raise ActionError(
                "统计期间为空 / Empty period",
                [
                    ("to", "结束日期早于开始日期 / is before from")
                    if end
                    else ("from", "开始日期晚于今天 / is after today")
                ],
            )
        return Window(s, e, f"{s.isoformat()}..{e.isoformat()}")
    q = (today.month - 1) // 3 + 1
    if default == "quarter":
        return parse_period(f"{today.year}Q{q}")
    if default == "last_quarter":
        y, q = (today.year, q - 1) if q > 1 else (today.year - 1, 4)
        return parse_period(f"{y}Q{q}")
    return parse_period(str(today.year))


def bucket(every: str, day: dt.date) -> str:
    if every == Period.DAY:
        return day.isoformat()
    if every == Period.WEEK:
        y, w, _ = day.isocalendar()
        return f"{y}-W{w:02d}"
    if every == Period.MONTH:
        return f"{day.year}-{day.month:02d}"
    if every == Period.QUARTER:
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def pieces(w: Window, days_only: bool) -> list[tuple[str, dt.date, dt.date]]:
    """(grain, first period, last period): month cells for the whole months inside the window,
    day cells for the rest."""
    first_full = (
        w.start
        if w.start.day == 1
        else (_month_end(w.start.year, w.start.month) + dt.timedelta(days=1))
    )
    last_full = (
        w.end
        if w.end == _month_end(w.end.year, w.end.month)
        else (w.end.replace(day=1) - dt.timedelta(days=1))
    )
    if days_only or first_full > last_full:
        return [(DAY, w.start, w.end)]
    out = [(MONTH, first_full, last_full.replace(day=1))]
    if w.start < first_full:
        out.append((DAY, w.start, first_full - dt.timedelta(days=1)))
    if last_full < w.end:
        out.append((DAY, last_full + dt.timedelta(days=1), w.end))
    return out


def pick_cube(dims: Iterable[str]) -> int:
    """The smallest cube keeping every dimension asked for."""
    wanted = set(dims)
    fits = [(len(kept), cube) for cube, kept in CUBES.items() if wanted <= kept]
    return min(fits)[1]


def _period_filter(w: Window, days_only: bool) -> Q:
    query = Q(pk__in=[])
    for grain, lo, hi in pieces(w, days_only):
        query |= Q(grain=grain, period__range=(lo, hi))
    return query


def _check(group: Sequence[str], filters: dict[str, list[str]]) -> None:
    valid = ", ".join(GROUPS)
    bad = [(f"group.{g}", f"未知维度 {g!r}，可选 / unknown dimension {g!r}; valid: {valid}")
           for g in group if g not in GROUPS]
    bad += [(f, f"未知维度 {f!r}，可选 / unknown dimension {f!r}; valid: {', '.join(DIMS)}")
            for f in filters if f not in DIMS]
    if bad:
        raise ActionError("未知统计维度 / Unknown dimension", bad)


def check_values(filters: dict[str, list[str]]) -> None:
    """Refuses a filter value that no complaint can have (a misspelt state or code would
    otherwise read as an empty figure); "" (written "-") is the empty value."""
    names = labels()
    bad = []
    for dim, values in filters.items():
        known = names.get(dim, {})
        unknown = [v for v in values if v and v not in known]
        if unknown:
            valid = ", ".join(known)
            bad.append(
                (dim, f"未知取值 / unknown value: {', '.join(unknown)}; 可选 / valid: -, {valid}")
            )
    if bad:
        raise ActionError("未知筛选取值 / Unknown filter value", bad)


Key = tuple[str, ...]


def sums(
    scope: Scope,
    w: Window,
    group: Sequence[str] = (),
    filters: dict[str, list[str]] | None = None,
    every: str = "",
    unit_depth: int = 1,
    measures: Sequence[str] = MEASURES,
) -> dict[Key, dict[str, int]]:
    """Sums of `measures` per combination of `group` (dimension names or "unit"), plus the
    period bucket first when `every` is set; a unit is rolled up to the unit `unit_depth`
    levels below its report root."""
    filters = filters or {}
    _check(group, filters)
    days_only = every in {Period.DAY, Period.WEEK}
    cube = pick_cube([g for g in group if g != "unit"] + list(filters))
    queryset = Tally.objects.filter(_period_filter(w, days_only), cube=cube)
    if not scope.whole_bank:
        queryset = queryset.filter(unit_id__in=scope.unit_ids)
    for dim, values in filters.items():
        queryset = queryset.filter(**{f"{dim}__in": values})
    columns = (
        (["period"] if every else [])
        + (["unit_id"] if "unit" in group else [])
        + [g for g in group if g != "unit"]
    )
    annotations = {f"sum_{m}": Sum(m) for m in measures}
    if not columns:
        row = queryset.aggregate(**annotations)
        return {(): {m: row[f"sum_{m}"] or 0 for m in measures}}
    # Read the grouped rows as plain tuples: the ORM's per-row conversion costs more than
    # the query on a large report.
    sql, params = queryset.values(*columns).annotate(**annotations).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    out: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(measures, 0))
    units: dict[int, str] = {}
    width = len(columns)
    at = [columns.index("unit_id" if g == "unit" else g) for g in group]
    for row in rows:
        key: list[str] = []
        if every:
            period = row[0]
            key.append(
                bucket(
                    every, period if isinstance(period, dt.date) else dt.date.fromisoformat(period)
                )
            )
        for g, i in zip(group, at, strict=True):
            if g == "unit":
                unit_id = row[i]
                code = units.get(unit_id)
                if code is None:
                    code = units[unit_id] = scope.roll_up(unit_id, unit_depth).code
                key.append(code)
            else:
                key.append(row[i])
        cell = out[tuple(key)]
        for j, m in enumerate(measures):
            cell[m] += int(row[width + j] or 0)  # PostgreSQL sums integers as numeric
    return dict(out)


def distributions(
    scope: Scope,
    w: Window,
    metric: str,
    group: Sequence[str] = (),
    business: list[str] | None = None,
    every: str = "",
    unit_depth: int = 1,
) -> dict[Key, list[tuple[int, int]]]:
    """(value, count) pairs of a spread metric per combination of `group` (⊆ unit, business)."""
    days_only = every in {Period.DAY, Period.WEEK}
    queryset = Spread.objects.filter(_period_filter(w, days_only), metric=metric)
    if not scope.whole_bank:
        queryset = queryset.filter(unit_id__in=scope.unit_ids)
    if business:
        queryset = queryset.filter(business__in=business)
    columns = (
        (["period"] if every else [])
        + (["unit_id"] if "unit" in group else [])
        + (["business"] if "business" in group else [])
    )
    rows = queryset.values(*columns, "value").annotate(count=Sum("n"))
    merged: dict[Key, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        key: list[str] = [bucket(every, row["period"])] if every else []
        for g in group:
            key.append(
                scope.roll_up(row["unit_id"], unit_depth).code if g == "unit" else row["business"]
            )
        merged[tuple(key)][row["value"]] += row["count"]
    return {k: sorted((v, n) for v, n in d.items() if n) for k, d in merged.items()}


def percentile(dist: Sequence[tuple[int, int]], p: float) -> float | None:
    """The p-quantile of the multiset, interpolating linearly between closest ranks (as
    numpy's default and Excel's PERCENTILE.INC): the median of 1, 2, 3, 4 is 2.5."""
    total = sum(n for _, n in dist)
    if total == 0:
        return None
    h = (total - 1) * p
    lo_rank, hi_rank = math.floor(h), math.ceil(h)

    def at(rank: int) -> int:
        seen = 0
        for value, n in dist:
            seen += n
            if rank < seen:
                return value
        return dist[-1][0]

    lo, hi = at(lo_rank), at(hi_rank)
    return round(lo + (hi - lo) * (h - lo_rank), 4)


def ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


# The service measures: (name, numerator, denominator); each drills down to its numerator.
RATES: tuple[tuple[str, str, str], ...] = (
    ("ack_rate", "ack_ok", "n"),
    ("on_time_rate", "on_time", "decided"),
    ("mean_handling_days", "handling_days", "decided"),
    ("mean_contact_hours", "contact_hours", "contacted"),
    ("reprocess_rate", "reprocessed", "surveyed"),
    ("review_rate", "reviewed", "decided"),
    ("review_changed_rate", "review_changed", "reviewed"),
    ("repeat_rate", "repeat", "n"),
    ("satisfaction_rate", "satisfied", "surveyed"),
    ("mean_score", "score", "surveyed"),
    ("withdrawal_rate", "withdrawn", "n"),
    ("upheld_rate", "upheld", "decided"),
)


def rates(cell: dict[str, int]) -> dict[str, float | None]:
    return {name: ratio(cell.get(num, 0), cell.get(den, 0)) for name, num, den in RATES}


def labels() -> dict[str, dict[str, str]]:
    """Labels of every dimension's values."""
    return {
        "business": BUSINESS,
        "cause": CAUSE,
        "code_channel": CHANNEL,
        "channel": dict(ch.Channel.choices),
        "source": dict(ch.Source.choices),
        "severity": dict(ch.Severity.choices),
        "state": dict(ch.State.choices),
        "validity": dict(ch.Validity.choices),
        "root_cause": dict(RootCause.objects.values_list("code", "label")),
    }


def label_of(names: dict[str, dict[str, str]], dim: str, value: str) -> str:
    found = names.get(dim, {}).get(value)
    if found:
        return str(found)
    if value in ("", ALL):
        return (
            "未分类 Unclassified"
            if dim in {"business", "cause", "code_channel", "root_cause"}
            else "—"
        )
    return value
