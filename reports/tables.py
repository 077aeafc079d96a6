"""The shape every report has, whatever it computes: named tables of typed columns, rows and a
totals row. The API serialises it as JSON, reports/xlsx.py as a workbook, the pages as HTML."""

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus

from reports.stats import Window

API_BASE = "/api/v1/reports"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text, int, rate (0..1), num, money


@dataclass
class Table:
    key: str
    title: str  # the sheet name (31 characters at most)
    columns: list[Column]
    rows: list[dict[str, Any]]
    totals: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in self.columns],
            "rows": self.rows,
            "totals": self.totals,
        }


@dataclass
class Report:
    name: str
    title: str
    window: Window | None
    scope: str
    tables: list[Table]
    extra: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "report": self.name,
            "title": self.title,
            "period": self.window.as_dict() if self.window else None,
            "scope": self.scope,
            "notes": self.notes,
            "tables": {t.key: t.as_json() for t in self.tables},
            **self.extra,
        }

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


@dataclass(frozen=True)
class Params:
    """What a report may be asked for (the API's query string)."""

    period: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    every: str = ""
    group: tuple[str, ...] = ()
    unit: str = ""
    unit_depth: int = 1
    filters: dict[str, list[str]] = field(default_factory=dict)
    measures: tuple[str, ...] = ()
    measure: str = ""
    unit_only: bool = False
    page: int = 1
    page_size: int = 100


@lru_cache(maxsize=4096)
def _q(value: str) -> str:
    return quote_plus(value)


def drill_url(
    measure: str, w: Window, unit: str = "", unit_only: bool = False, **filters: str
) -> str:
    """The API address of the complaints behind one figure (built for many rows: the quoting
    of the few distinct values is cached)."""
    parts = [f"measure={_q(measure)}&from={w.start.isoformat()}&to={w.end.isoformat()}"]
    if unit:
        parts.append(f"unit={_q(unit)}")
        if unit_only:
            parts.append("unit_only=true")
    # An empty value (unclassified, not ruled) is written "-".
    parts += [f"{k}={_q(v or '-')}" for k, v in filters.items() if v is not None]
    return f"{API_BASE}/drill?{'&'.join(parts)}"
