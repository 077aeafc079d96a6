"""Report endpoints of API v1: `GET /api/v1/reports/{name}?format=json|xlsx`. Thin: parse,
run the report through the caller's scope, serialise."""

import datetime as dt
from dataclasses import replace
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from complaints.api import ERRORS
from complaints.errors import ActionError
from org.access import Principal
from privacy.actions import log_access
from privacy.models import AccessKind
from reports.choices import DIMS, MEASURES, Period
from reports.selectors import REPORTS, run_report
from reports.stats import check_values
from reports.tables import Params
from reports.xlsx import workbook

router = Router(tags=["reports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_ROWS = 100_000  # the most complaints one drill-down workbook lists (it says so if cut)


class ReportQuery(Schema):
    model_config = ConfigDict(populate_by_name=True)

    format: Literal["json", "xlsx"] = "json"
    period: str = Field(
        "", max_length=20, description="2026, 2026H1, 2026Q1, 2026-03, 2026-W10 or 2026-03-05"
    )
    from_: dt.date | None = Field(None, alias="from")
    to: dt.date | None = None
    every: Period | None = None
    group: str = Field("", max_length=200, description="comma list: unit and dimensions")
    unit: str = Field("", max_length=32, description="report on this unit's subtree")
    unit_depth: int = Field(1, ge=0, le=10, description="levels below the root to roll up to")
    unit_only: bool = False
    measures: str = Field("", max_length=500, description="comma list, or all")
    measure: str = Field("", max_length=40, description="drill: the measure")
    business: str = Field("", max_length=200)
    cause: str = Field("", max_length=200)
    code_channel: str = Field("", max_length=200)
    channel: str = Field("", max_length=200)
    source: str = Field("", max_length=200)
    severity: str = Field("", max_length=200)
    state: str = Field("", max_length=300)
    validity: str = Field("", max_length=100)
    root_cause: str = Field("", max_length=200)
    page: int = Field(1, ge=1)
    page_size: int = Field(100, ge=1, le=1000)


def _list(text: str) -> list[str]:
    """A comma list; "-" stands for the empty value (unclassified, not ruled)."""
    return ["" if v.strip() == "-" else v.strip() for v in text.split(",") if v.strip()]


def params_of(q: ReportQuery) -> Params:
    group = tuple(_list(q.group))
    measures = MEASURES if q.measures.strip() == "all" else tuple(_list(q.measures))
    unknown = [m for m in measures if m not in MEASURES]
    if unknown:
        raise ActionError("未知指标 / Unknown measure",
                          [("measures", f"未知 / unknown: {', '.join(unknown)}")])
    filters = {d: _list(getattr(q, d)) for d in DIMS if getattr(q, d)}
    check_values(filters)
    return Params(
        period=q.period,
        start=q.from_,
        end=q.to,
        every=q.every or "",
        group=group,
        unit=q.unit,
        unit_depth=q.unit_depth,
        filters=filters,
        measures=measures,
        measure=q.measure,
        unit_only=q.unit_only,
        page=q.page,
        page_size=q.page_size,
    )


@router.get("/reports", response={200: list[dict[str, str]], **ERRORS}, summary="The reports")
def list_reports(request: HttpRequest) -> list[dict[str, str]]:
    return [
        {"name": name, "description": text, "url": f"/api/v1/reports/{name}"}
        for name, (_, text) in REPORTS.items()
    ]


@router.get("/reports/{name}", response={200: dict[str, Any], **ERRORS}, summary="A report")
def get_report(request: HttpRequest, name: str, q: Query[ReportQuery]) -> Any:
    """Statistics, service measures, the regulator's and the public reports, alerts and the
    branch assessment, over the caller's scope; `format=xlsx` for a workbook."""
    principal: Principal = request.auth  # type: ignore[attr-defined]
    params = params_of(q)
    if q.format == "xlsx":  # a workbook holds every row, not the page a screen shows
        params = replace(params, page=1, page_size=EXPORT_ROWS)
    report = run_report(principal, name, params)
    # Every report that leaves through the API is an export: who took what, in which format.
    log_access(principal, AccessKind.REPORT_EXPORT, channel="api", target=name,
               detail={"format": q.format,
                       "query": q.model_dump(mode="json", by_alias=True, exclude_defaults=True)})
    if q.format == "xlsx":
        period = report.window.label if report.window else ""
        response = HttpResponse(workbook(report), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}-{period}.xlsx"'
        return response
    return report.as_json()
