"""The regulator's reports: the CN quarterly statistical report by the JR/T 0169 codes, the
FCA complaints-return style and CFPB style summaries, and the annual public disclosure."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from complaints import choices as ch
from complaints.models import Complaint
from reports.catalog import DIM_TITLES, _window
from reports.facts import local_day, zone
from reports.scope import Scope
from reports.stats import Window, distributions, percentile, ratio, sums
from reports.tables import Column, Params, Report, Table, drill_url
from triage.codes import BUSINESS, CAUSE, CHANNEL

UNCLASSIFIED = ""

# REGULATION.md 2: the FCA's product groupings and causes [M]; the mapping from our JR/T 0169
# codes is the bank's choice, kept here as data.
FCA_PRODUCT = {
    "B01": "Banking: savings and other banking",
    "B02": "Banking: credit and debit cards",
    "B03": "Home finance and consumer credit",
    "B04": "Payment services",
    "B05": "Banking: other banking",
    "B06": "Banking: other banking",
    "B07": "Investments: other",
    "B08": "Investments: other",
    "B09": "Banking: current accounts",
    "B10": "Investments: structured products",
    "B11": "Insurance and pure protection",
    "B12": "Banking: other banking",
    "B13": "Consumer credit: arrears and collection",
    "B14": "Other",
}
FCA_CAUSE = {
    "C01": "General admin/customer service",
    "C02": "General admin/customer service",
    "C03": "General admin/customer service",
    "C04": "Advising, selling and arranging",
    "C05": "Advising, selling and arranging",
    "C06": "Advising, selling and arranging",
    "C07": "Terms and disputed sums/charges",
    "C08": "Terms and disputed sums/charges",
    "C09": "Terms and disputed sums/charges",
    "C10": "Other",
    "C11": "Other",
    "C12": "Arrears related",
}


def _name(codes: dict[str, str], code: str) -> str:
    return codes.get(code, "未分类 Unclassified") if code else "未分类 Unclassified"


def regulator(scope: Scope, p: Params) -> Report:
    """The quarterly statistical report in the layout of JR/T 0169-2018: business category ×
    cause, the business-transaction channel, the unit (region), and the source."""
    w = _window(p, "last_quarter")
    cells = sums(scope, w, ("business", "cause"), p.filters, measures=("n",))
    causes = [*CAUSE, UNCLASSIFIED]
    businesses = [*BUSINESS, UNCLASSIFIED]
    matrix_cols = [
        Column("business", "业务类别代码 Code"),
        Column("business_label", "业务类别 Business category"),
    ]
    matrix_cols += [Column(c or "unclassified", _name(CAUSE, c), "int") for c in causes]
    matrix_cols.append(Column("total", "合计 Total", "int"))
    rows, totals = [], {c or "unclassified": 0 for c in causes} | {"total": 0}
    for b in businesses:
        row: dict[str, Any] = {"business": b or "-", "business_label": _name(BUSINESS, b)}
        for c in causes:
            n = cells.get((b, c), {}).get("n", 0)
            row[c or "unclassified"] = n
            totals[c or "unclassified"] += n
        row["total"] = sum(row[c or "unclassified"] for c in causes)
        totals["total"] += row["total"]
        row["drill"] = drill_url("n", w, business=b)
        rows.append(row)
    by_code = Table("by_code", "业务类别×原因 Category x cause", matrix_cols, rows, totals)

    channel_cells = sums(scope, w, ("code_channel",), p.filters, measures=("n",))
    by_channel = _one_dim(
        w,
        "code_channel",
        [*CHANNEL, UNCLASSIFIED],
        channel_cells,
        CHANNEL,
        "by_channel",
        "业务办理渠道 Channel",
    )
    source_cells = sums(scope, w, ("source",), p.filters, measures=("n",))
    by_source = _one_dim(
        w,
        "source",
        list(ch.Source.values),
        source_cells,
        dict(ch.Source.choices),
        "by_source",
        "投诉来源 Source",
    )
    by_unit = _units(scope, w, p)
    ratios = _ratios(scope, w, int(totals["total"]))
    return Report(
        "regulator",
        "银行业金融机构消费投诉统计表 Quarterly complaint statistics (JR/T 0169)",
        w,
        scope.label(),
        [by_code, by_channel, by_unit, by_source, ratios],
        notes=[
            "Codes are the bank's stable codes mapped to the labels of JR/T 0169-2018; "
            "the standard's numeric codes are not reproduced (REGULATION.md 1.4)."
        ],
    )


def _ratios(scope: Scope, w: Window, complaints: int) -> Table:
    """The regulator's benchmark ratios: complaints per 1,000 business outlets and per 10
    million personal customers, from the year's ReportingBase (the whole bank only: a part of
    the tree has no customer count of its own)."""
    from reports.models import ReportingBase

    base = ReportingBase.objects.filter(year=w.start.year).first()
    outlets = customers = None
    if scope.whole_bank:
        outlets = (base.outlets if base and base.outlets else None) or sum(
            1 for u in scope.units.values() if u.active and u.kind in {"branch", "sub_branch"}
        )
        customers = base.personal_customers if base else None
    rows: list[dict[str, Any]] = [
        {"item": "投诉量 Complaints", "value": complaints},
        {"item": "营业网点 Business outlets", "value": outlets},
        {
            "item": "每千个营业网点投诉量 Per 1,000 outlets",
            "value": round(complaints * 1000 / outlets, 2) if outlets else None,
        },
        {"item": "个人客户 Personal customers", "value": customers},
        {
            "item": "每千万个人客户投诉量 Per 10 million personal customers",
            "value": round(complaints * 10_000_000 / customers, 2) if customers else None,
        },
    ]
    return Table(
        "ratios",
        "监管指标 Benchmark ratios",
        [Column("item", "指标 Ratio"), Column("value", "数值 Value", "num")],
        rows,
    )


def _one_dim(
    w: Window,
    dim: str,
    values: list[str],
    cells: dict[Any, dict[str, int]],
    names: dict[str, str],
    key: str,
    title: str,
) -> Table:
    total = sum(c["n"] for c in cells.values())
    rows = []
    for v in values:
        n = cells.get((v,), {}).get("n", 0)
        rows.append(
            {
                dim: v or "-",
                f"{dim}_label": _name(names, v),
                "n": n,
                "share": ratio(n, total),
                "drill": drill_url("n", w, "", False, **{dim: v}),
            }
        )
    columns = [
        Column(dim, DIM_TITLES[dim]),
        Column(f"{dim}_label", "名称 Name"),
        Column("n", "投诉量 Complaints", "int"),
        Column("share", "占比 Share", "rate"),
    ]
    return Table(key, title, columns, rows, {"n": total, "share": ratio(total, total)})


def _units(scope: Scope, w: Window, p: Params) -> Table:
    """Every unit in scope: its own complaints and its subtree's (rolled up the tree)."""
    own = sums(scope, w, ("unit",), p.filters, unit_depth=99, measures=("n",))
    valid_filters = {**p.filters, "validity": ["valid"]}
    own_valid = sums(scope, w, ("unit",), valid_filters, unit_depth=99, measures=("n",))
    rows: list[dict[str, Any]] = []
    units = sorted(scope.units.values(), key=lambda u: u.path)
    for unit in units:
        subtree = [u for u in units if u.path.startswith(unit.path)]
        rows.append(
            {
                "unit": unit.code,
                "unit_label": unit.name,
                "kind": unit.get_kind_display(),
                "own": own.get((unit.code,), {}).get("n", 0),
                "subtree": sum(own.get((u.code,), {}).get("n", 0) for u in subtree),
                "valid": sum(own_valid.get((u.code,), {}).get("n", 0) for u in subtree),
                "drill": drill_url("n", w, unit.code),
            }
        )
    top = [r for r in rows if scope.by_code(str(r["unit"])) in scope.roots]
    totals = {
        "own": sum(r["own"] for r in rows),
        "subtree": sum(r["subtree"] for r in top),
        "valid": sum(r["valid"] for r in top),
    }
    columns = [
        Column("unit", "机构代码 Unit"),
        Column("unit_label", "机构 Name"),
        Column("kind", "层级 Kind"),
        Column("own", "本机构 Own", "int"),
        Column("subtree", "含下辖 With units below", "int"),
        Column("valid", "有效投诉 Valid", "int"),
    ]
    return Table("by_unit", "机构 Units", columns, rows, totals)


def fca(scope: Scope, p: Params) -> Report:
    """A summary in the style of the FCA complaints return (DISP 1 Annex 1R): by product
    grouping and cause, opened, decided within the time bands, upheld and redress."""
    w = _window(p, "last_quarter")
    cells = sums(scope, w, ("business", "cause"), p.filters)
    groups: dict[tuple[str, str], dict[str, int]] = {}
    for (b, c), cell in cells.items():
        key = (FCA_PRODUCT.get(b, "Other"), FCA_CAUSE.get(c, "Other"))
        acc = groups.setdefault(key, dict.fromkeys(cell, 0))
        for m, v in cell.items():
            acc[m] += v
    rows, total = (
        [],
        dict.fromkeys(("n", "band_3bd", "band_8w", "band_over", "upheld", "decided", "redress"), 0),
    )
    for (product, cause), cell in sorted(groups.items()):
        if not cell["n"]:
            continue
        rows.append(
            {
                "product": product,
                "cause": cause,
                "opened": cell["n"],
                "within_3bd": cell["band_3bd"],
                "within_8w": cell["band_8w"],
                "over_8w": cell["band_over"],
                "upheld": cell["upheld"],
                "upheld_rate": ratio(cell["upheld"], cell["decided"]),
                "redress": float(Decimal(cell["redress"]) / 100),
            }
        )
        for m in total:
            total[m] += cell[m]
    totals = {
        "opened": total["n"],
        "within_3bd": total["band_3bd"],
        "within_8w": total["band_8w"],
        "over_8w": total["band_over"],
        "upheld": total["upheld"],
        "upheld_rate": ratio(total["upheld"], total["decided"]),
        "redress": float(Decimal(total["redress"]) / 100),
    }
    columns = [
        Column("product", "Product grouping"),
        Column("cause", "Cause"),
        Column("opened", "Opened", "int"),
        Column("within_3bd", "Closed by 3 business days", "int"),
        Column("within_8w", "Closed after 3 business days, within 8 weeks", "int"),
        Column("over_8w", "Closed after 8 weeks", "int"),
        Column("upheld", "Upheld", "int"),
        Column("upheld_rate", "Upheld %", "rate"),
        Column("redress", "Redress paid", "money"),
    ]
    return Report(
        "fca",
        "Complaints return (FCA DISP 1 Annex 1R style)",
        w,
        scope.label(),
        [Table("fca", "FCA return", columns, rows, totals)],
        extra={"outstanding_at_start": _outstanding(scope, w.start)},
        notes=[
            "Over the complaints opened in the period; bands count weekdays, not "
            "UK bank holidays; the product and cause mapping is the bank's [M]."
        ],
    )


def _outstanding(scope: Scope, start: dt.date) -> int:
    """Complaints received before the period and not closed before it (read live)."""
    from django.db.models import Q

    at = dt.datetime.combine(start, dt.time(), zone())
    queryset = Complaint.objects.filter(received_at__lt=at).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=at)
    )
    if not scope.whole_bank:
        queryset = queryset.filter(unit_id__in=scope.unit_ids)
    return queryset.count()


def cfpb(scope: Scope, p: Params) -> Report:
    """A summary in the style of the CFPB company portal: by product and issue, how the
    complaints were closed and whether the response was timely."""
    w = _window(p, "quarter")
    cells = sums(scope, w, ("business", "cause"), p.filters)
    rows, total = (
        [],
        dict.fromkeys(
            ("n", "monetary", "non_monetary", "explanation", "decided", "on_time", "reviewed"), 0
        ),
    )
    for (b, c), cell in sorted(cells.items()):
        if not cell["n"]:
            continue
        rows.append(
            {
                "product": _name(BUSINESS, b),
                "issue": _name(CAUSE, c),
                "received": cell["n"],
                "monetary": cell["monetary"],
                "non_monetary": cell["non_monetary"],
                "explanation": cell["explanation"],
                "in_progress": cell["n"] - cell["decided"],
                "timely": cell["on_time"],
                "timely_rate": ratio(cell["on_time"], cell["decided"]),
                "disputed": cell["reviewed"],
                "drill": drill_url("n", w, business=b, cause=c),
            }
        )
        for m in total:
            total[m] += cell[m]
    totals = {
        "received": total["n"],
        "monetary": total["monetary"],
        "non_monetary": total["non_monetary"],
        "explanation": total["explanation"],
        "in_progress": total["n"] - total["decided"],
        "timely": total["on_time"],
        "timely_rate": ratio(total["on_time"], total["decided"]),
        "disputed": total["reviewed"],
    }
    columns = [
        Column("product", "Product"),
        Column("issue", "Issue"),
        Column("received", "Received", "int"),
        Column("monetary", "Closed with monetary relief", "int"),
        Column("non_monetary", "Closed with non-monetary relief", "int"),
        Column("explanation", "Closed with explanation", "int"),
        Column("in_progress", "In progress", "int"),
        Column("timely", "Timely response", "int"),
        Column("timely_rate", "Timely %", "rate"),
        Column("disputed", "Disputed (review requested)", "int"),
    ]
    return Report(
        "cfpb",
        "Company response summary (CFPB style)",
        w,
        scope.label(),
        [Table("cfpb", "CFPB summary", columns, rows, totals)],
    )


def disclosure(scope: Scope, p: Params) -> Report:
    """The annual public disclosure (年度投诉情况公开): volumes, categories, regions and
    handling, for a year."""
    last_year = str(local_day(timezone.now()).year - 1)
    w = _window(p) if (p.period or p.start or p.end) else _window(Params(period=last_year))
    total = sums(scope, w, (), {}).get((), {})
    handling = distributions(scope, w, "handling_days").get(())
    summary_rows = [
        ("受理投诉 Complaints received", total.get("n", 0), "int"),
        ("已作出处理决定 Decided", total.get("decided", 0), "int"),
        (
            "按时办结率 Decided within the deadline",
            ratio(total.get("on_time", 0), total.get("decided", 0)),
            "rate",
        ),
        (
            "平均处理天数 Mean days to decision",
            ratio(total.get("handling_days", 0), total.get("decided", 0)),
            "num",
        ),
        (
            "处理天数中位数 Median days to decision",
            percentile(handling, 0.5) if handling else None,
            "num",
        ),
        (
            "回访满意率 Satisfied at follow-up",
            ratio(total.get("satisfied", 0), total.get("surveyed", 0)),
            "rate",
        ),
        ("申请复核 Reviews requested", total.get("reviewed", 0), "int"),
        ("撤诉 Withdrawn", total.get("withdrawn", 0), "int"),
    ]
    summary = Table(
        "summary",
        "概况 Summary",
        [Column("item", "项目 Item"), Column("value", "数值 Value", "num")],
        [{"item": item, "value": value, "kind": kind} for item, value, kind in summary_rows],
    )
    business = _one_dim(
        w,
        "business",
        [*BUSINESS, UNCLASSIFIED],
        sums(scope, w, ("business",), {}, measures=("n",)),
        BUSINESS,
        "by_business",
        "业务类别 Categories",
    )
    regions = sums(scope, w, ("unit",), {}, unit_depth=1, measures=("n",))
    region_total = sum(c["n"] for c in regions.values())
    region_rows = [
        {
            "unit": code,
            "unit_label": scope.by_code(code).name,
            "n": cell["n"],
            "share": ratio(cell["n"], region_total),
        }
        for (code,), cell in sorted(regions.items())
        if cell["n"]
    ]
    by_region = Table(
        "by_region",
        "地区 Regions",
        [
            Column("unit", "机构代码 Unit"),
            Column("unit_label", "地区 Region"),
            Column("n", "投诉量 Complaints", "int"),
            Column("share", "占比 Share", "rate"),
        ],
        region_rows,
        {"n": region_total, "share": ratio(region_total, region_total)},
    )
    return Report(
        "disclosure",
        f"{w.label}年度消费投诉情况 Annual complaints disclosure",
        w,
        scope.label(),
        [summary, business, by_region],
    )
