"""Bulk import of the org tree from CSV or XLSX (columns: code, name, kind, parent code).
Every row is checked first; on any error nothing is written and every bad row is reported."""

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from org.choices import UnitKind
from org.models import OrgUnit
from org.tree import ROOT_RULE, code_problem

COLUMNS = ("code", "name", "kind", "parent")


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.field}: {self.message}"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[RowError] | None = None
    # Each unit written, with whether the import created it, for the caller's audit record.
    written: list[tuple[OrgUnit, bool]] = field(default_factory=list)


class FileError(ValueError):
    """The upload is not a readable CSV or XLSX file (nothing was written)."""


class Row(dict[str, str]):
    """One row of a file, with its number as a spreadsheet shows it (blank rows are skipped
    but still counted)."""

    number: int


def numbered(rows: list[dict[str, str]]) -> list[tuple[int, dict[str, str]]]:
    """Each row with its number: the file's own, else its place after the header."""
    return [(getattr(row, "number", place), row) for place, row in enumerate(rows, start=2)]


def read_rows(name: str, data: bytes) -> list[dict[str, str]]:
    """Rows as dicts by the header's column names (each a numbered Row), from a .csv (UTF-8,
    BOM allowed, else GB18030 as Excel in China writes it) or .xlsx file; FileError when it is
    neither."""
    if Path(name).suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
            if sheet is None:
                return []
            values = [["" if v is None else str(v).replace("\x00", "").strip() for v in row]
                      for row in sheet.iter_rows(values_only=True)]
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise FileError(f"无法读取的 .xlsx 文件 / not a readable .xlsx file: {exc}") from exc
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030", errors="replace")
        try:
            reader = csv.reader(io.StringIO(text, newline=""))
            values = [[v.replace("\x00", "").strip() for v in row] for row in reader]
        except csv.Error as exc:
            raise FileError(f"无法读取的 CSV 文件 / not a readable CSV file: {exc}") from exc
    if not values:
        return []
    header = [h.lower() for h in values[0]]
    rows: list[dict[str, str]] = []
    for number, cells in enumerate(values[1:], start=2):
        if any(cells):
            row = Row(zip(header, cells, strict=False))
            row.number = number
            rows.append(row)
    return rows


def validate(rows: list[dict[str, str]]) -> list[RowError]:
    errors: list[RowError] = []
    kinds = set(UnitKind.values)
    in_file: dict[str, int] = {}
    existing = set(OrgUnit.objects.values_list("code", flat=True))
    inactive = set(OrgUnit.objects.filter(active=False).values_list("code", flat=True))
    for number, row in numbered(rows):
        for column in COLUMNS[:3]:
            if not row.get(column):
                errors.append(RowError(number, column, "必填 / required"))
        code = row.get("code", "")
        if code in in_file:
            first = in_file[code]
            errors.append(RowError(number, "code",
                                   f"与第 {first} 行重复 / duplicate of row {first}"))
        elif code:
            in_file[code] = number
        if row.get("kind") and row["kind"] not in kinds:
            errors.append(RowError(number, "kind", f"须为以下之一 / must be one of "
                                                    f"{', '.join(sorted(kinds))}"))
        if code and code_problem(code):
            errors.append(RowError(number, "code", str(code_problem(code))))
        if len(code) > 32:
            errors.append(RowError(number, "code", "最多 32 个字符 / at most 32 characters"))
        if len(row.get("name", "")) > 200:
            errors.append(RowError(number, "name", "最多 200 个字符 / at most 200 characters"))
    # The tree after the import: the bank's units as they are, moved as the file says (a unit
    # moved under its own descendant is a cycle too).
    parents = {code: parent or "" for code, parent in
               OrgUnit.objects.values_list("code", "parent__code")}
    parents.update({row.get("code", ""): row.get("parent", "") for row in rows})
    # One root, the head office: a unit left without a parent would be outside every scope.
    roots = {code for code, parent in parents.items() if code and not parent}
    kept = {code for code in OrgUnit.objects.filter(parent=None).values_list("code", flat=True)
            if code in roots} or {next((r["code"] for r in rows if r.get("code") in roots), "")}
    if len(roots) > 1:
        errors += [RowError(number, "parent", ROOT_RULE) for number, row in numbered(rows)
                   if not row.get("parent") and row.get("code") not in kept]
    for number, row in numbered(rows):
        parent = row.get("parent", "")
        if parent in inactive and row.get("code", "") not in inactive:
            errors.append(RowError(number, "parent", f"上级机构 {parent!r} 已停用 / the parent "
                                                      f"{parent!r} is deactivated"))
        if parent and parent not in in_file and parent not in existing:
            errors.append(RowError(number, "parent", f"文件和系统中均无机构 {parent!r} / no unit "
                                                      f"{parent!r} in the file or the bank"))
        seen, cursor = {row.get("code", "")}, parent
        while cursor and cursor in parents:
            if cursor in seen:
                errors.append(RowError(number, "parent",
                                       "上级机构形成循环 / the parents form a cycle"))
                break
            seen.add(cursor)
            cursor = parents[cursor]
    return errors


def import_units(rows: list[dict[str, str]]) -> ImportResult:
    errors = validate(rows)
    if errors:
        return ImportResult(errors=errors)
    result = ImportResult(errors=[])
    pending = list(rows)
    with transaction.atomic():
        while pending:  # parents before children; validate() ruled out cycles
            known = set(OrgUnit.objects.values_list("code", flat=True))
            waiting = {p["code"] for p in pending}
            ready = [r for r in pending if not r.get("parent")
                     or (r["parent"] in known and r["parent"] not in waiting)]
            if not ready:
                raise RuntimeError("unresolvable parents")  # validate() makes this unreachable
            for row in ready:
                parent = OrgUnit.objects.get(code=row["parent"]) if row.get("parent") else None
                unit = OrgUnit.objects.filter(code=row["code"]).first()
                if unit is None:
                    unit = OrgUnit(code=row["code"], name=row["name"], kind=row["kind"],
                                   parent=parent)
                    unit.save()
                    result.created += 1
                    result.written.append((unit, True))
                else:
                    unit.name, unit.kind, unit.parent = row["name"], row["kind"], parent
                    unit.save()
                    result.updated += 1
                    result.written.append((unit, False))
            pending = [r for r in pending if r not in ready]
    return result
