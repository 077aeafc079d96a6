"""Any report as an Excel workbook: one sheet per table with its header on the first row (bold,
filled, frozen, with the autofilter), typed number formats, a bold totals row below the data
(outside the filter), and an "About" sheet with the period, the scope and the notes."""

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from reports.facts import zone
from reports.tables import Report, Table

FORMATS = {"int": "#,##0", "rate": "0.0%", "num": "#,##0.00", "money": "#,##0.00"}
HEADER_FILL = PatternFill("solid", fgColor="123C69")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TOTAL_BORDER = Border(top=Side(style="thin"))
_BAD = re.compile(r"[\[\]:*?/\\]")


def _value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, zone()).replace(tzinfo=None)
    if isinstance(value, bool | int | float | Decimal | dt.date | str):
        return value
    return str(value)


def _text_safe(cell: Any) -> Any:
    """The cell with a text value kept as text: openpyxl stores a string that starts with "="
    as a formula, so a unit's or a root cause's name such as `=HYPERLINK(...)` would run in the
    reader's Excel (formula injection)."""
    if isinstance(cell.value, str) and cell.data_type == "f":
        cell.data_type = "s"
    return cell


def _width(value: Any) -> int:
    text = str(value if value is not None else "")
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _sheet(ws: Any, table: Table) -> None:
    ws.title = _BAD.sub(" ", table.title)[:31]
    widths = [_width(c.label) for c in table.columns]
    for j, col in enumerate(table.columns, start=1):
        cell = ws.cell(row=1, column=j, value=col.label)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for i, row in enumerate(table.rows, start=2):
        for j, col in enumerate(table.columns, start=1):
            value = _value(row.get(col.key))
            cell = _text_safe(ws.cell(row=i, column=j, value=value))
            if col.kind in FORMATS:
                cell.number_format = FORMATS[col.kind]
            widths[j - 1] = max(widths[j - 1], _width(value))
    last = len(table.rows) + 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{last}"
    ws.freeze_panes = "A2"
    if table.totals is not None:
        total_row = last + 1
        # The label takes the first column when it is a key; a table of figures only (no
        # grouping) keeps its first total and is labelled after its last column.
        labelled = table.columns[0].kind == "text"
        for j, col in enumerate(table.columns, start=1):
            value = "合计 Total" if j == 1 and labelled else _value(table.totals.get(col.key))
            cell = ws.cell(row=total_row, column=j, value=value)
            cell.font, cell.border = Font(bold=True), TOTAL_BORDER
            if col.kind in FORMATS and (j > 1 or not labelled):
                cell.number_format = FORMATS[col.kind]
        if not labelled:
            cell = ws.cell(row=total_row, column=len(table.columns) + 1, value="合计 Total")
            cell.font = Font(bold=True)
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(8, width + 2))


def workbook(report: Report) -> bytes:
    book = Workbook()
    for index, table in enumerate(report.tables):
        _sheet(book.active if index == 0 else book.create_sheet(), table)
    about = book.create_sheet("About")
    lines = [
        ("报表 Report", report.title),
        ("期间 Period", f"{report.window.start} – {report.window.end}" if report.window else ""),
        ("范围 Scope", report.scope),
        ("生成时间 Generated", timezone.localtime(timezone.now(), zone()).replace(tzinfo=None)),
    ]
    lines += [("说明 Note", note) for note in report.notes]
    for i, (key, value) in enumerate(lines, start=1):
        about.cell(row=i, column=1, value=key).font = Font(bold=True)
        _text_safe(about.cell(row=i, column=2, value=value))
    about.column_dimensions["A"].width = 20
    about.column_dimensions["B"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
