"""Regulator transfers (NFRA 12378, PBOC 12363): batch import of a CSV or XLSX file. Each row is
registered on its own through register_complaint, so the good rows are kept when others fail,
and every bad row is reported with its field. The regulator's reference is the row's idempotency
key and the complaint's external reference (unique per regulator), so importing the same file
again creates nothing new."""

import csv
import datetime as dt
import hashlib
import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import IntegrityError
from django.utils import timezone
from pydantic import ValidationError

from complaints.actions import register_complaint
from complaints.choices import Source
from complaints.errors import ActionError
from complaints.models import Complaint
from complaints.schemas import ComplaintIn
from intake.models import RegulatorBatch
from org.access import Principal
from tousu.messages import validation_message

# Column names as regulators' exports spell them, in English or Chinese.
COLUMNS = {
    "reference": ("reference", "ref", "transfer_no", "转办编号", "工单编号", "编号"),
    "regulator": ("regulator", "source", "来源", "转办机构", "监管机构"),
    "received_at": ("received_at", "received", "date", "收到时间", "转办日期", "登记时间"),
    "customer_name": ("customer_name", "name", "客户姓名", "投诉人", "姓名"),
    "phone": ("phone", "mobile", "联系电话", "电话"),
    "email": ("email", "邮箱", "电子邮箱"),
    "id_number": ("id_number", "证件号码", "身份证号"),
    "language": ("language", "语言"),
    "unit": ("unit", "org", "机构代码", "被投诉机构"),
    "product": ("product", "产品", "业务"),
    "content": ("content", "text", "投诉内容", "内容"),
    "claim": ("claim", "诉求"),
    "amount": ("amount", "涉及金额", "金额"),
}
ALIASES = {alias.lower(): column for column, names in COLUMNS.items() for alias in names}
NFRA = ("nfra", "regulator_nfra", "12378", "金融监管总局", "国家金融监督管理总局", "银保监会",
        "cbirc")
PBOC = ("pboc", "regulator_pboc", "12363", "人民银行", "中国人民银行")
REGULATORS = {**dict.fromkeys(NFRA, Source.REGULATOR_NFRA),
              **dict.fromkeys(PBOC, Source.REGULATOR_PBOC)}
FIELD_OF = {"customer.name": "customer_name", "customer.phone": "phone",
            "customer.email": "email", "customer.id_number": "id_number",
            "customer.language": "language", "external_ref": "reference", "source": "regulator"}
MAX_ROWS = 200_000
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet numbers it: the header is row 1
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass
class Report:
    rows: int = 0
    created: list[str] = field(default_factory=list)  # numbers of the new complaints
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    batch_id: int | None = None

    @property
    def failed(self) -> int:
        return len({e.row for e in self.errors})

    def summary(self) -> str:
        return (f"{self.rows} rows: {len(self.created)} registered, {self.duplicates} already "
                f"imported, {self.failed} refused")


class FileError(Exception):
    pass


def read_rows(name: str, data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: value}) for every non-empty row of a .csv (UTF-8 with or without
    BOM, else GB18030 as Excel in China writes it) or .xlsx file."""
    if Path(name).suffix.lower() == ".xlsx":
        values = _xlsx(data)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030", errors="replace")
        values = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    for number, row in enumerate(values, start=1):
        if header is None:
            header = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in row]
            missing = [c for c in ("reference", "regulator", "customer_name", "content")
                       if c not in header]
            if missing:
                raise FileError(f"missing columns: {', '.join(missing)} (found: {', '.join(row)})")
            continue
        cells = [c.replace("\x00", "").strip() for c in row]  # PostgreSQL cannot store NUL
        if any(cells):
            yield number, dict(zip(header, cells, strict=False))
    if header is None:
        raise FileError("the file is empty")


def _xlsx(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise FileError(f"not a readable .xlsx file: {exc}") from exc
    sheet = book.active
    if sheet is None:
        return
    for row in sheet.iter_rows(values_only=True):
        yield [_cell(v) for v in row]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _received_at(value: str) -> dt.datetime | None:
    if not value:
        return None
    text = value.replace("/", "-").replace("年", "-").replace("月", "-").replace("日", "").strip()
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("不是有效的日期（YYYY-MM-DD 或 YYYY-MM-DD HH:MM） / not a date "
                         "(YYYY-MM-DD or YYYY-MM-DD HH:MM)") from None
    if parsed.tzinfo is None:  # the regulator's local time
        parsed = timezone.make_aware(parsed)
    return parsed


def _amount(value: str) -> str | None:
    text = value.replace(",", "").replace("¥", "").replace("￥", "").replace("元", "").strip()
    if not text:
        return None
    try:
        Decimal(text)
    except InvalidOperation:
        raise ValueError("不是有效的金额 / not an amount") from None
    return text


def to_payload(row: dict[str, str]) -> dict[str, Any]:
    """The create payload for one row; raises RowField for a value it cannot read."""
    regulator = REGULATORS.get(row.get("regulator", "").strip().lower())
    if regulator is None:
        raise RowField("regulator", "须为 nfra（12378）或 pboc（12363） / must be nfra (12378) or "
                                    "pboc (12363)")
    try:
        received_at = _received_at(row.get("received_at", ""))
    except ValueError as exc:
        raise RowField("received_at", str(exc)) from None
    try:
        amount = _amount(row.get("amount", ""))
    except ValueError as exc:
        raise RowField("amount", str(exc)) from None
    customer = {"name": row.get("customer_name", ""), "phone": row.get("phone", ""),
                "email": row.get("email", ""), "id_number": row.get("id_number", "")}
    if row.get("language"):
        customer["language"] = row["language"]
    return {
        "channel": "regulator", "source": regulator, "external_ref": row.get("reference", ""),
        "received_at": received_at, "customer": customer, "unit": row.get("unit", ""),
        "product": row.get("product", ""), "content": row.get("content", ""),
        "claim": row.get("claim", ""), "amount": amount,
    }


class RowField(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _field(loc: tuple[int | str, ...]) -> str:
    name = ".".join(str(p) for p in loc)
    return FIELD_OF.get(name, name)


def import_file(principal: Principal, name: str, data: bytes) -> Report:
    """Register every good row; report the others. The whole file is read first (a file that is
    not a transfer file at all raises FileError and nothing is written)."""
    rows = list(read_rows(name, data))
    if len(rows) > MAX_ROWS:
        raise FileError(f"more than {MAX_ROWS} rows: split the file")
    report = Report(rows=len(rows))
    refs = {r.get("reference", "") for _, r in rows}
    # Only to skip known rows quickly: the unique constraints decide, not this read.
    known = set(Complaint.objects.filter(
        source__in=[Source.REGULATOR_NFRA, Source.REGULATOR_PBOC], external_ref__in=refs,
    ).values_list("source", "external_ref")) if len(refs) <= 50_000 else set()
    for number, row in rows:
        ref = row.get("reference", "")
        if not ref:
            report.errors.append(RowError(number, "reference", "必填 / required"))
            continue
        try:
            payload = to_payload(row)
            if (payload["source"], ref) in known:
                report.duplicates += 1
                continue
            data_in = ComplaintIn.model_validate(payload)
        except RowField as exc:
            report.errors.append(RowError(number, exc.field, exc.message))
            continue
        except ValidationError as exc:
            report.errors.extend(RowError(number, _field(e["loc"]), validation_message(dict(e)))
                                 for e in exc.errors())
            continue
        fingerprint = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str)
                                     .encode()).hexdigest()
        try:
            registered = register_complaint(
                principal, data_in, idempotency_key=f"regulator:{payload['source']}:{ref}",
                request_hash=fingerprint)
        except ActionError as exc:
            if exc.code == "idempotency_mismatch" or exc.code == "duplicate_reference":
                report.errors.append(RowError(
                    number, "reference", "已以不同内容导入过，请在投诉上更正 / already "
                    "imported with different content; correct it on the complaint"))
            else:
                report.errors.extend(RowError(number, FIELD_OF.get(f, f), m)
                                     for f, m in exc.errors or [("row", exc.detail)])
            continue
        except IntegrityError:
            report.duplicates += 1  # the same reference registered by another path
            continue
        if registered.created:
            report.created.append(registered.complaint.number)
        else:
            report.duplicates += 1
    batch = RegulatorBatch.objects.create(
        file_name=name[:255], sha256=hashlib.sha256(data).hexdigest(),
        imported_by=principal.label[:150], rows=report.rows, created=len(report.created),
        duplicates=report.duplicates, failed=report.failed,
        errors=[e.as_dict() for e in report.errors[:10_000]],
    )
    report.batch_id = batch.pk
    logger.info("regulator import %s: %s", name, report.summary())
    return report


def error_report_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "field", "message"])
    for e in report.errors:
        writer.writerow([e.row, e.field, e.message])
    return out.getvalue()
