"""The general reports: statistics by any combination of dimensions, the service measures, the
root-cause report, and the complaints behind any figure (drill)."""

from collections.abc import Sequence
from typing import Any

from django.db.models import F, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from complaints.models import Complaint
from reports.choices import MEASURES
from reports.facts import ack_limit, zone
from reports.scope import Scope
from reports.stats import (
    RATES,
    Key,
    Window,
    distributions,
    label_of,
    labels,
    parse_period,
    percentile,
    rates,
    sums,
    window,
)
from reports.tables import Column, Params, Report, Table, drill_url

DIM_TITLES = {
    "period": "期间 Period",
    "unit": "机构 Unit",
    "business": "业务类别 Business category",
    "cause": "投诉原因 Cause",
    "code_channel": "业务办理渠道 Business channel",
    "channel": "投诉渠道 Complaint channel",
    "source": "来源 Source",
    "severity": "等级 Severity",
    "state": "状态 State",
    "validity": "有效性 Validity",
    "root_cause": "根因 Root cause",
}
MEASURE_TITLES = {
    "n": "投诉量 Complaints",
    "ack_ok": "按时登记确认 Acknowledged in time",
    "decided": "已作出决定 Decided",
    "on_time": "按时决定 Decided in time",
    "handling_days": "处理天数合计 Handling days (sum)",
    "contacted": "已联系 Contacted",
    "contact_hours": "首次联系小时合计 First-contact hours (sum)",
    "reprocessed": "回访不满意重新处理 Reprocessed",
    "reviewed": "申请复核 Review requested",
    "review_changed": "复核变更 Review changed decision",
    "review_upheld": "复核维持 Review upheld decision",
    "repeat": "重复投诉 Repeat",
    "surveyed": "已回访 Surveyed",
    "satisfied": "满意 Satisfied",
    "score": "评分合计 Score (sum)",
    "upheld": "支持或部分支持 Upheld",
    "redress": "赔付金额(分) Redress (cents)",
    "monetary": "金钱补偿 Monetary relief",
    "non_monetary": "非金钱补救 Non-monetary relief",
    "explanation": "解释说明 Explanation",
    "band_3bd": "3个工作日内 Within 3 business days",
    "band_8w": "8周内 Within 8 weeks",
    "band_over": "超过8周 Over 8 weeks",
    "closed": "已办结 Closed",
    "withdrawn": "撤诉 Withdrawn",
    "withdrawn_after_contact": "联系后即撤诉 Withdrawn soon after contact",
}
RATE_TITLES = {
    "ack_rate": "登记确认及时率 Acknowledgement compliance",
    "on_time_rate": "按时办结率 Decision deadline compliance",
    "mean_handling_days": "平均处理天数 Mean handling days",
    "median_handling_days": "处理天数中位数 Median handling days",
    "p90_handling_days": "处理天数P90 P90 handling days",
    "mean_contact_hours": "平均首次联系小时 Mean first-contact hours",
    "median_contact_hours": "首次联系小时中位数 Median first-contact hours",
    "p90_contact_hours": "首次联系小时P90 P90 first-contact hours",
    "reprocess_rate": "重新处理率 Reprocess rate",
    "review_rate": "复核率 Review rate",
    "review_changed_rate": "复核改变率 Review changed rate",
    "repeat_rate": "重复投诉率 Repeat rate",
    "satisfaction_rate": "满意率 Satisfaction rate",
    "mean_score": "平均评分 Mean score",
    "withdrawal_rate": "撤诉率 Withdrawal rate",
    "upheld_rate": "支持率 Upheld rate",
}
NUM_RATES = {"mean_handling_days", "mean_contact_hours", "mean_score"}
DRILL_EXTRA = ("ack_late", "late", "undecided")


def _group(p: Params, default: Sequence[str]) -> tuple[str, ...]:
    return tuple(p.group) if p.group else tuple(default)


def key_columns(group: Sequence[str], every: str) -> list[Column]:
    cols = [Column("period", DIM_TITLES["period"])] if every else []
    for g in group:
        cols += [
            Column(g, DIM_TITLES[g]),
            Column(
                f"{g}_label", DIM_TITLES[g].split(" ")[0] + "名称 " + DIM_TITLES[g].split(" ", 1)[1]
            ),
        ]
    return cols


class Rows:
    """Turns a sums() key into the row's key columns, labels and drill filters."""

    def __init__(
        self,
        scope: Scope,
        w: Window,
        group: Sequence[str],
        every: str,
        depth: int,
        filters: dict[str, list[str]],
        unit: str = "",
    ) -> None:
        self.scope, self.w, self.group, self.every, self.depth = scope, w, group, every, depth
        self.filters = filters
        self.unit = unit  # the unit the report was narrowed to: its drill-downs stay there
        self.names = labels()
        self._labels: dict[tuple[str, str], str] = {}
        self._direct: dict[str, bool] = {}
        self._windows: dict[str, Window] = {}

    def keys(self, key: Key) -> dict[str, Any]:
        row: dict[str, Any] = {}
        values = list(key)
        if self.every:
            row["period"] = values.pop(0)
        for g, v in zip(self.group, values, strict=True):
            row[g] = v
            label = self._labels.get((g, v))
            if label is None:
                label = self._labels[(g, v)] = (
                    self.scope.by_code(v).name if g == "unit" else label_of(self.names, g, v)
                )
            row[f"{g}_label"] = label
        return row

    def window_of(self, key: Key) -> Window:
        if not self.every:
            return self.w
        if key[0] not in self._windows:
            part = parse_period(key[0])
            self._windows[key[0]] = Window(
                max(part.start, self.w.start), min(part.end, self.w.end), part.label
            )
        return self._windows[key[0]]

    def drill(self, measure: str, key: Key) -> str:
        values = list(key[1:] if self.every else key)
        unit, unit_only, dims = self.unit, False, {}
        for g, v in zip(self.group, values, strict=True):
            if g == "unit":
                unit = v
                if v not in self._direct:
                    self._direct[v] = self.scope.direct_only(self.scope.by_code(v), self.depth)
                unit_only = self._direct[v]
            else:
                dims[g] = v
        for dim, wanted in self.filters.items():
            if dim not in dims:
                dims[dim] = ",".join(x or "-" for x in wanted)
        return drill_url(measure, self.window_of(key), unit, unit_only, **dims)


def _window(p: Params, default: str = "year") -> Window:
    return window(p.period, p.start, p.end, default)


def statistics(scope: Scope, p: Params) -> Report:
    """Counts (and any MEASURES) by any combination of the dimensions, the period and the unit
    rolled up the tree."""
    w = _window(p)
    group = _group(p, ())
    measures = tuple(m for m in (p.measures or ("n",)) if m in MEASURES) or ("n",)
    needed = tuple(dict.fromkeys(("n", *measures)))
    cells = sums(scope, w, group, p.filters, p.every, p.unit_depth, needed)
    rows_of = Rows(scope, w, group, p.every, p.unit_depth, p.filters, p.unit)
    rows = []
    total = dict.fromkeys(measures, 0)
    for key in sorted(cells):
        cell = cells[key]
        if not cell["n"] and not any(cell[m] for m in measures):
            continue
        row = rows_of.keys(key) | {m: cell[m] for m in measures}
        row["drill"] = rows_of.drill("n", key)
        rows.append(row)
        for m in measures:
            total[m] += cell[m]
    columns = key_columns(group, p.every) + [Column(m, MEASURE_TITLES[m], "int") for m in measures]
    table = Table("statistics", "统计 Statistics", columns, rows, total)
    return Report(
        "statistics",
        "投诉统计 Complaint statistics",
        w,
        scope.label(),
        [table],
        extra={"group": list(group), "every": p.every, "filters": p.filters},
    )


SPREAD_GROUPS = frozenset({"unit", "business"})


def service(scope: Scope, p: Params) -> Report:
    """The service measures by group (default: unit), each with its numerator and denominator
    and the address of the complaints behind the numerator."""
    w = _window(p)
    group = _group(p, ("unit",))
    cells = sums(scope, w, group, p.filters, p.every, p.unit_depth, MEASURES)
    spreads_ok = set(group) <= SPREAD_GROUPS and set(p.filters) <= {"business"}
    spread_group = [g for g in group if g in SPREAD_GROUPS]
    dists = {}
    if spreads_ok:
        for metric in ("handling_days", "contact_hours"):
            dists[metric] = distributions(
                scope, w, metric, spread_group, p.filters.get("business"), p.every, p.unit_depth
            )
            dists[f"all_{metric}"] = distributions(scope, w, metric, (), p.filters.get("business"))
    rows_of = Rows(scope, w, group, p.every, p.unit_depth, p.filters, p.unit)
    counted = (
        "n",
        "ack_ok",
        "decided",
        "on_time",
        "contacted",
        "reprocessed",
        "surveyed",
        "satisfied",
        "reviewed",
        "review_changed",
        "review_upheld",
        "repeat",
        "withdrawn",
        "withdrawn_after_contact",
        "upheld",
    )
    rows = []
    total = dict.fromkeys(MEASURES, 0)
    for key in sorted(cells):
        cell = cells[key]
        if not cell["n"]:
            continue
        row = rows_of.keys(key) | {m: cell[m] for m in counted} | rates(cell)
        for metric in ("handling_days", "contact_hours"):
            dist = dists.get(metric, {}).get(key) if spreads_ok else None
            row[f"median_{metric}"] = percentile(dist, 0.5) if dist else None
            row[f"p90_{metric}"] = percentile(dist, 0.9) if dist else None
        row["drill"] = {m: rows_of.drill(m, key) for m in (*counted, *DRILL_EXTRA)}
        rows.append(row)
        for m in MEASURES:
            total[m] += cell[m]
    totals: dict[str, Any] = {m: total[m] for m in counted} | rates(total)
    for metric in ("handling_days", "contact_hours"):
        dist = dists.get(f"all_{metric}", {}).get(()) if spreads_ok else None
        totals[f"median_{metric}"] = percentile(dist, 0.5) if dist else None
        totals[f"p90_{metric}"] = percentile(dist, 0.9) if dist else None
    rate_cols = [name for name, _, _ in RATES]
    for metric in ("handling_days", "contact_hours"):
        rate_cols[rate_cols.index(f"mean_{metric}") + 1 : 0] = [f"median_{metric}", f"p90_{metric}"]
    columns = (
        key_columns(group, p.every)
        + [Column(m, MEASURE_TITLES[m], "int") for m in counted]
        + [
            Column(
                r,
                RATE_TITLES[r],
                "num" if r in NUM_RATES or r.startswith(("median", "p90")) else "rate",
            )
            for r in rate_cols
        ]
    )
    notes = [
        "Rates are over the complaints received in the period; percentiles interpolate "
        "linearly between closest ranks."
    ]
    if not spreads_ok:
        notes.append("Medians and P90 are given when grouping by unit, business and period only.")
    overdue = _overdue_now(scope)
    return Report(
        "service",
        "服务指标 Service measures",
        w,
        scope.label(),
        [Table("service", "服务指标 Service", columns, rows, totals)],
        extra={
            "group": list(group),
            "every": p.every,
            "filters": p.filters,
            "overdue_open_now": overdue,
        },
        notes=notes,
    )


def _overdue_now(scope: Scope) -> int:
    """Complaints in scope with a decision clock past due and not met, now (read live)."""
    from clocks.models import Deadline

    queryset = Deadline.objects.filter(
        obligation="decision",
        met_at__isnull=True,
        status__in=["open", "breached"],
        due_at__lt=timezone.now(),
    )
    if not scope.whole_bank:
        queryset = queryset.filter(complaint__unit_id__in=scope.unit_ids)
    return queryset.count()


def root_causes(scope: Scope, p: Params) -> Report:
    """Root causes by business category (the product) and unit, for the complaints closed and
    tagged among those received in the period."""
    w = _window(p)
    params = Params(
        period=p.period,
        start=p.start,
        end=p.end,
        every=p.every,
        group=_group(p, ("root_cause", "business", "unit")),
        unit=p.unit,
        unit_depth=p.unit_depth,
        filters=p.filters,
        measures=("n",),
    )
    report = statistics(scope, params)
    report.name, report.title = "root_causes", "根因分析 Root causes"
    report.tables[0].key, report.tables[0].title = "root_causes", "根因 Root causes"
    report.window = w
    return report


# The complaints behind a figure.


def drill_queryset(
    scope: Scope,
    w: Window,
    filters: dict[str, list[str]],
    measure: str,
    unit_code: str = "",
    unit_only: bool = False,
) -> QuerySet[Complaint]:
    import datetime as dt

    if measure not in MEASURES and measure not in DRILL_EXTRA:
        from complaints.errors import ActionError

        known = ", ".join((*MEASURES, *DRILL_EXTRA))
        raise ActionError("未知指标 / Unknown measure", [("measure", f"可选 / known: {known}")])
    tz = zone()
    queryset = Complaint.objects.filter(
        received_at__gte=dt.datetime.combine(w.start, dt.time(), tz),
        received_at__lt=dt.datetime.combine(w.end + dt.timedelta(days=1), dt.time(), tz),
    )
    if not scope.whole_bank:
        queryset = queryset.filter(unit_id__in=scope.unit_ids)
    if unit_code:
        unit = scope.by_code(unit_code)
        queryset = (
            queryset.filter(unit_id=unit.pk)
            if unit_only
            else queryset.filter(unit__path__startswith=unit.path)
        )
    for dim, values in filters.items():
        queryset = queryset.filter(_dim_filter(dim, values))
    if measure == "repeat":
        queryset = queryset.alias(tags_text=Cast("tags", TextField()))
    return queryset.filter(_measure_filter(measure))


def _dim_filter(dim: str, values: list[str]) -> Q:
    query = Q(pk__in=[])
    for value in values:
        if dim in {"business", "cause", "code_channel"}:
            json_key = "channel" if dim == "code_channel" else dim
            if value:
                query |= Q(**{f"codes__{json_key}": value})
            else:
                query |= ~Q(codes__has_key=json_key) | Q(**{f"codes__{json_key}": ""})
        elif dim == "root_cause":
            query |= (
                Q(root_cause_tag__cause__code=value) if value else Q(root_cause_tag__isnull=True)
            )
        else:
            query |= Q(**{dim: value})
    return query


def _measure_filter(measure: str) -> Q:
    if measure == "n":
        return Q()
    if measure in {"ack_ok", "ack_late"}:
        in_time = Q(registered_at__lte=F("received_at") + ack_limit())
        return in_time if measure == "ack_ok" else ~in_time
    if measure == "repeat":
        return Q(tags_text__contains='"repeat"')
    if measure == "late":
        return Q(report_fact__decided__gt=0, report_fact__on_time=0)
    if measure == "undecided":
        return ~Q(report_fact__decided__gt=0)
    return Q(**{f"report_fact__{measure}__gt": 0})


def drill(scope: Scope, p: Params) -> Report:
    """The complaints behind one figure (paginated), with the measure's value for each."""
    w = _window(p)
    measure = p.measure or "n"
    queryset = drill_queryset(scope, w, p.filters, measure, p.unit, p.unit_only)
    queryset = queryset.select_related("unit").order_by("received_at", "pk")
    count = queryset.count()
    start = (p.page - 1) * p.page_size
    page = list(queryset[start : start + p.page_size])
    facts = {f.pk: f for f in _facts([c.pk for c in page])}
    rows = []
    for c in page:
        fact = facts.get(c.pk)
        value = getattr(fact, measure, None) if fact and measure in MEASURES else None
        rows.append(
            {
                "number": c.number,
                "received_at": timezone.localtime(c.received_at, zone()),
                "unit": c.unit.code,
                "state": c.state,
                "severity": c.severity,
                "channel": c.channel,
                "source": c.source,
                "validity": c.validity,
                "business": (c.codes or {}).get("business", ""),
                "cause": (c.codes or {}).get("cause", ""),
                "value": value,
            }
        )
    columns = [
        Column("number", "编号 Number"),
        Column("received_at", "收到 Received"),
        Column("unit", DIM_TITLES["unit"]),
        Column("state", DIM_TITLES["state"]),
        Column("severity", DIM_TITLES["severity"]),
        Column("channel", DIM_TITLES["channel"]),
        Column("source", DIM_TITLES["source"]),
        Column("validity", DIM_TITLES["validity"]),
        Column("business", DIM_TITLES["business"]),
        Column("cause", DIM_TITLES["cause"]),
        Column("value", "值 Value", "int"),
    ]
    return Report(
        "drill",
        f"明细 Complaints behind {measure}",
        w,
        scope.label(),
        [Table("complaints", "明细 Complaints", columns, rows)],
        extra={"measure": measure, "count": count, "page": p.page, "page_size": p.page_size},
        notes=[_page_note(count, start, len(rows))] if len(rows) < count else [],
    )


def _page_note(count: int, start: int, shown: int) -> str:
    if not shown:
        return f"共 {count} 件，此页之后没有了 / {count} complaints; none on this page"
    return (f"共 {count} 件，此处为第 {start + 1}–{start + shown} 件 / {count} complaints; "
            f"these are {start + 1}–{start + shown}")


def _facts(ids: list[int]) -> list[Any]:
    from reports.models import Fact

    return list(Fact.objects.filter(pk__in=ids))
