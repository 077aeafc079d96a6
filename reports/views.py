"""The reports in the workspace: any report as tables with bar charts, the week's alerts, and
the annual disclosure as a printable page. Thin: parse, run the report through the caller's
scope, render."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from pydantic import ValidationError

from complaints.errors import ActionError
from org.access import Principal, staff_principal
from reports.api import ReportQuery, params_of
from reports.scope import report_paths
from reports.selectors import REPORTS, run_report
from reports.tables import API_BASE, Report, Table
from tousu.messages import detail, validation_message

# The reports' tabs, bilingual like the rest of these pages.
TITLES = {
    "statistics": "统计 Statistics",
    "service": "服务指标 Service",
    "root_causes": "根因 Root causes",
    "regulator": "监管统计 Regulator",
    "fca": "FCA 报表 FCA return",
    "cfpb": "CFPB 报表 CFPB",
    "disclosure": "年度披露 Disclosure",
    "alerts": "预警 Alerts",
    "withdrawals": "撤诉 Withdrawals",
    "assessment": "考核 Assessment",
}
EVERY = [
    ("day", "日 day"),
    ("week", "周 week"),
    ("month", "月 month"),
    ("quarter", "季 quarter"),
    ("year", "年 year"),
]
# The errors of the report parameters, in both languages, with the values that are valid.
CHARTED = ("n", "count", "received", "opened", "total", "withdrawn", "valid", "subtree")


def _principal(request: HttpRequest) -> Principal:
    principal = staff_principal(request.user)
    if principal is None:
        raise Http404
    return principal


def _chart(table: Table) -> list[dict[str, Any]]:
    """Bars for the table's main count: (label, value, percent of the largest)."""
    column = next((c.key for c in table.columns if c.key in CHARTED), None)
    if column is None or not table.rows:
        return []
    label_key = table.columns[1].key if len(table.columns) > 1 else table.columns[0].key
    values = [
        (str(r.get(label_key) or r.get(table.columns[0].key)), r.get(column) or 0)
        for r in table.rows[:40]
    ]
    top = max((v for _, v in values), default=0) or 1
    return [{"label": label, "value": v, "pct": round(100 * v / top, 1)} for label, v in values]


def _run(request: HttpRequest, name: str) -> tuple[Report | None, str]:
    principal = _principal(request)
    try:
        query = ReportQuery.model_validate(request.GET.dict())
        return run_report(principal, name, params_of(query)), ""
    except ValidationError as exc:
        return None, "参数无效 Invalid parameter: " + "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {validation_message(dict(e))}"
            for e in exc.errors()
        )
    except ActionError as exc:
        if exc.status == 404 and name not in REPORTS:
            raise Http404 from None
        return None, detail(exc.code, exc.detail) + ": " + "; ".join(m for _, m in exc.errors)


def _on_page(drill: Any) -> Any:
    """A figure's drill-down address (the API's, in the report) as the page's own, so that a
    click opens a page, not a JSON document."""
    if isinstance(drill, dict):
        return {k: _on_page(v) for k, v in drill.items()}
    if isinstance(drill, str):
        return drill.replace(f"{API_BASE}/drill?", "/reports/drill/?", 1)
    return drill


def _pager(report: Report | None, request: HttpRequest) -> dict[str, Any] | None:
    """Previous/next links for the drill-down, which lists a page of complaints at a time."""
    if report is None or "page_size" not in report.extra:
        return None
    page, size, count = report.extra["page"], report.extra["page_size"], report.extra["count"]
    links = {}
    for key, number in (("previous", page - 1), ("next", page + 1)):
        if number >= 1 and (number - 1) * size < count:
            query = request.GET.copy()
            query["page"] = str(number)
            links[key] = f"?{query.urlencode()}"
    return {"count": count, "page": page, "pages": max(1, -(-count // size)), **links}


def _cell(value: Any) -> Any:
    """A figure as the page shows it: fractions (rates, p-values) to three decimals, and a
    tiny one as "< 0.001" rather than 0.00009428…"""
    if not isinstance(value, float):
        return value
    if 0 < abs(value) < 0.001:
        return "< 0.001"
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _forbidden(request: HttpRequest) -> HttpResponse | None:
    """The bilingual 403 page for staff without a reporting role (None for the others)."""
    if report_paths(_principal(request)):
        return None
    return render(request, "reports/forbidden.html", status=403)


@login_required
def report_page(request: HttpRequest, name: str = "service") -> HttpResponse:
    if (refused := _forbidden(request)) is not None:
        return refused
    report, error = _run(request, name)
    status = 200 if report else 400
    tables = [
        {
            "t": t,
            "chart": _chart(t),
            "rows": [
                [_cell(row.get(c.key)) for c in t.columns] + [_on_page(row.get("drill"))]
                for row in t.rows
            ],
            "totals": [_cell(t.totals.get(c.key)) if t.totals else None for c in t.columns],
            # The totals row is labelled in its first column when that is a key, not a figure.
            "labelled": bool(t.columns) and t.columns[0].kind == "text",
        }
        for t in (report.tables if report else [])
    ]
    query = request.GET.copy()
    query["format"] = "xlsx"
    return render(
        request,
        "reports/report.html",
        {
            "name": name,
            "report": report,
            "error": error,
            "tables": tables,
            "reports": [
                (n, TITLES.get(n, n), text) for n, (_, text) in REPORTS.items() if n != "drill"
            ],
            "every": EVERY,
            "xlsx": f"/api/v1/reports/{name}?{query.urlencode()}",
            "pager": _pager(report, request),
            "f": request.GET,
        },
        status=status,
    )


@login_required
def disclosure_page(request: HttpRequest, year: int) -> HttpResponse:
    """The annual public disclosure, laid out for printing (the browser prints it to PDF)."""
    if (refused := _forbidden(request)) is not None:
        return refused
    query = request.GET.copy()
    query["period"] = str(year)
    request.GET = query  # type: ignore[assignment]
    report, error = _run(request, "disclosure")
    if report is None:
        raise Http404(error)
    return render(
        request,
        "reports/disclosure.html",
        {
            "report": report,
            "year": year,
            "summary": report.table("summary").rows,
            "business": [r for r in report.table("by_business").rows if r["n"]],
            "regions": report.table("by_region").rows,
        },
    )
