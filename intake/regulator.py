"""Regulator transfers (NFRA 12378, PBOC 12363): batch import of a CSV or XLSX file. Each row is
registered on its own through register_complaint, so the good rows are kept when others fail,
and every bad row is reported with its field. The regulator's reference is the row's idempotency
key and the complaint's external reference (unique per regulator), so importing the same file
again creates nothing new."""

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from pydantic import ValidationError

from clocks import service as clocks
from complaints.actions import register_complaint
from complaints.choices import Source
from complaints.errors import ActionError
from complaints.models import Complaint
from complaints.schemas import ComplaintIn, CustomerIn
from intake.actions import record_system_event
from intake.identifiers import identifier
from intake.models import RegulatorBatch
from intake.regulator_formats import FileError, csv_records, decode, xlsx_records
from org.access import Principal
from tousu.messages import validation_message

# Column names as regulators' exports (and banks' own sheets) spell them, in English or Chinese;
# compared after _header_key (lower case, no spaces, ASCII brackets).
COLUMNS = {
    "reference": ("reference", "ref", "transfer_no", "reference_no", "转办编号", "转办单号",
                  "转办单编号", "工单编号", "工单号", "投诉编号", "投诉单号", "案件编号", "编号"),
    "regulator": ("regulator", "source", "来源", "转办机构", "转办单位", "转办部门", "监管机构"),
    "received_at": ("received_at", "received", "date", "transferred_at", "transfer_date",
                    "收到时间", "收到日期", "转办日期", "转办时间", "登记时间", "登记日期"),
    "customer_name": ("customer_name", "name", "customer", "客户姓名", "客户名称", "投诉人",
                      "投诉人姓名", "消费者姓名", "姓名"),
    "phone": ("phone", "mobile", "tel", "telephone", "phone_number", "mobile_phone", "cellphone",
              "联系电话", "电话", "电话号码", "手机号码", "手机号", "手机", "移动电话", "联系方式",
              "联系手机", "客户电话", "客户手机", "客户手机号", "客户联系电话", "投诉人电话",
              "投诉人手机", "投诉人联系电话", "投诉人联系方式"),
    "email": ("email", "e-mail", "mail", "email_address", "邮箱", "电子邮箱", "电子邮件", "邮件",
              "邮箱地址", "电子邮件地址", "客户邮箱", "投诉人邮箱"),
    "id_number": ("id_number", "id_no", "id_card", "证件号码", "证件号", "身份证号", "身份证号码",
                  "身份证", "客户证件号码", "投诉人证件号码", "投诉人身份证号"),
    "language": ("language", "语言"),
    "unit": ("unit", "org", "机构代码", "被投诉机构", "被投诉机构代码", "被投诉单位"),
    "product": ("product", "产品", "业务", "产品类型", "业务类型", "业务种类", "投诉业务",
                "产品或服务"),
    "content": ("content", "text", "投诉内容", "内容", "投诉事项", "投诉描述", "问题描述",
                "投诉详情", "事实与理由", "投诉事实与理由"),
    "claim": ("claim", "诉求", "投诉诉求", "客户诉求", "投诉人诉求", "诉求内容", "投诉请求",
              "请求事项"),
    # The regulator's own deadline for the bank's feedback, where its transfer sets one.
    "regulator_due": ("regulator_due", "due", "due_date", "deadline", "reply_by", "办理时限",
                      "办理期限", "反馈期限", "反馈时限", "回复期限", "答复期限", "办结时限",
                      "办结期限", "处理时限", "处理期限", "要求反馈时间", "要求反馈日期",
                      "要求办结时间", "要求办结日期"),
    # How many complain together (NFRA Order 2020 No. 3 Art. 29(2)).
    "group_size": ("group_size", "complainants", "投诉人数", "投诉人人数", "涉及人数", "人数"),
    "amount": ("amount", "涉及金额", "金额", "争议金额", "涉诉金额", "投诉金额", "涉案金额",
               "涉及金额(元)", "争议金额(元)", "金额(元)"),
}
# An unknown column named like one of these carries the customer's contact or identity: dropping
# it would lose the acknowledgement or the identity match, and guessing is unsafe (代理人电话 is
# not the customer's), so the file is refused until the column is renamed.
CUSTOMER_DATA_HINTS = ("手机", "电话", "邮箱", "邮件", "证件", "身份证", "phone", "mobile",
                       "mail", "tel", "id_number", "idcard")
# The columns a row cannot do without, with the Chinese header an error names them by.
REQUIRED_ZH = {"reference": "转办编号", "regulator": "转办机构", "customer_name": "客户姓名",
               "content": "投诉内容"}
IDENTIFIERS = frozenset({"reference", "phone", "email", "id_number", "group_size"})  # identifier()
ALIASES = {alias: column for column, names in COLUMNS.items() for alias in names}
NFRA = ("nfra", "regulator_nfra", "12378", "金融监管总局", "国家金融监督管理总局", "银保监会",
        "cbirc")
PBOC = ("pboc", "regulator_pboc", "12363", "人民银行", "中国人民银行")
REGULATORS = {**dict.fromkeys(NFRA, Source.REGULATOR_NFRA),
              **dict.fromkeys(PBOC, Source.REGULATOR_PBOC)}
FIELD_OF = {"customer.name": "customer_name", "customer.phone": "phone",
            "customer.email": "email", "customer.id_number": "id_number",
            "customer.language": "language", "external_ref": "reference", "source": "regulator"}
CHANGED = ("已导入过（{number}），但内容与导入时不同：未更新，请核对 / already imported "
           "({number}), but its content differs from what was imported: not updated, check it")
# A phone cell holding more than one number (13912345678/010-12345678, …；…, … 或 …), read after
# full-width signs are folded.
PHONE_SEPARATORS = re.compile(r"\s*(?:[/;,|、]|或者?|\bor\b)\s*", re.IGNORECASE)
MAX_ROWS = 200_000
MAX_ERRORS = 10_000  # kept on a batch
PROGRESS_STEP = 500
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
    # Rows already imported with other content: not imported, listed in errors all the same.
    changed_rows: set[int] = field(default_factory=set)

    @property
    def changed(self) -> int:
        return len(self.changed_rows)
    batch_id: int | None = None
    ignored: list[str] = field(default_factory=list)  # headers not understood

    @property
    def failed(self) -> int:
        # Row 1 is a header's warning; a changed row is counted as changed, not refused.
        return len({e.row for e in self.errors if e.row > 1} - self.changed_rows)

    def summary(self) -> str:
        changed = (f"已导入过但内容不同 {self.changed} 行（未更新，请核对），", f"{self.changed} "
                   "already imported but with different content (not updated: check them), "
                   ) if self.changed else ("", "")
        text = (f"{self.rows} 行：登记 {len(self.created)} 件，已导入过 {self.duplicates} 行，"
                f"{changed[0]}未通过 {self.failed} 行 / {self.rows} rows: {len(self.created)} "
                f"registered, {self.duplicates} already imported, {changed[1]}"
                f"{self.failed} refused")
        if self.ignored:
            text += (f"；未识别、未导入的列 / columns not understood, not imported: "
                     f"{', '.join(self.ignored)}")
        return text


@dataclass
class Parsed:
    rows: list[tuple[int, dict[str, str]]]
    ignored: list[str]  # headers (as the file spells them) that map to no column


def _header_key(text: str) -> str:
    return re.sub(r"\s+", "", text).lower().replace("（", "(").replace("）", ")").lstrip("*＊")


def read_file(name: str, data: bytes) -> Parsed:
    """Every non-empty row of a .csv or .xlsx transfer file as (row number, {column: value}),
    and the headers not understood. FileError when a required column is missing, a column
    not understood looks like the customer's contact or identity, or the CSV's encoding is
    not UTF-8 or GB18030."""
    if Path(name).suffix.lower() == ".xlsx":
        values: Iterator[list[str]] = xlsx_records(data)
    else:
        values = csv_records(decode(data))
    header: list[str] | None = None
    ignored: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    for number, row in enumerate(values, start=1):
        if header is None:
            header = [ALIASES.get(_header_key(h), "") for h in row]
            missing = [c for c in REQUIRED_ZH if c not in header]
            if missing:
                names = ", ".join(f"{COLUMNS[c][0]}（{REQUIRED_ZH[c]}）" for c in missing)
                raise FileError(f"缺少必需的列 / missing columns: {names}；文件的列 / "
                                f"found: {', '.join(h.strip() for h in row)}")
            ignored = [h.strip() for h, c in zip(row, header, strict=False)
                       if not c and h.strip()]
            personal = [h for h in ignored if any(k in _header_key(h) for k in CUSTOMER_DATA_HINTS)]
            if personal:
                names = "、".join(personal)
                raise FileError(
                    f"无法识别的列：{names}，疑似客户联系方式或证件信息，为免丢失未导入任何行；"
                    "请将其改为 phone（手机号码）、email（电子邮箱）或 id_number（证件号码）"
                    f"后重新导入 / columns not understood: {', '.join(personal)}; they look like "
                    "the customer's contact or identity, so nothing was imported: rename them "
                    "to phone, email or id_number and import again")
            continue
        cells = [c.replace("\x00", "").strip() for c in row]  # PostgreSQL cannot store NUL
        if not any(cells):
            continue
        values_of: dict[str, str] = {}
        for column, cell in zip(header, cells, strict=False):
            # Two headers for one column (电话 and 手机号码): the first that has a value.
            if column and not values_of.get(column):
                values_of[column] = identifier(cell) if column in IDENTIFIERS else cell
        rows.append((number, values_of))
    if header is None:
        raise FileError("文件是空的 / the file is empty")
    return Parsed(rows, ignored)


def read_rows(name: str, data: bytes) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: value}) for every non-empty row (see read_file)."""
    yield from read_file(name, data).rows


_DATE = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?:[T ]\s*)?(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})"
    r"(?:\s*[:：分]\s*(?P<S>\d{1,2})(?:\.\d+)?\s*秒?)?\s*分?)?")


def _received_at(value: str) -> dt.datetime | None:
    """The regulator's transfer date as Excel or a Chinese sheet writes it, padded or not:
    2026-11-03, 2026/11/3, 2026.11.03, 2026年11月3日, each optionally with a time (9:00)."""
    text = value.strip()
    if not text:
        return None
    match = _DATE.fullmatch(text)
    try:
        if match:
            parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
            parsed = dt.datetime(parts["y"], parts["m"], parts["d"], parts.get("H", 0),  # noqa: DTZ001
                                 parts.get("M", 0), parts.get("S", 0))
        else:
            parsed = dt.datetime.fromisoformat(text)  # with a zone or fractions of a second
    except ValueError:
        raise ValueError("不是有效的日期（YYYY-MM-DD 或 YYYY-MM-DD HH:MM） / not a date "
                         "(YYYY-MM-DD or YYYY-MM-DD HH:MM)") from None
    if parsed.tzinfo is None:  # the regulator's local time
        parsed = timezone.make_aware(parsed)
    return parsed


def check_transferred_at(at: dt.datetime | None, now: dt.datetime) -> None:
    """A transfer date in the future or beyond the registration age limit is a typo."""
    if at is None:
        return
    if at > now + dt.timedelta(minutes=5):
        raise RowField("received_at",
                       "转办日期不能晚于当前时间 / the transfer date is in the future")
    max_age = settings.TOUSU_MAX_RECEIVED_AGE_DAYS
    if at < now - dt.timedelta(days=max_age):
        raise RowField("received_at", f"转办日期早于 {max_age} 天前，请核对日期 / the transfer "
                                      f"date is more than {max_age} days ago: check the date")


def regulator_due(value: str, transferred_at: dt.datetime | None) -> dt.datetime | None:
    """The regulator's deadline for the bank's feedback; a date alone ends at the end of that
    day (local time). One before the transfer date is a typo; one already past is kept (and
    shows as overdue)."""
    try:
        due = _received_at(value)
    except ValueError:
        raise RowField("regulator_due", "监管要求反馈期限不是有效的日期（YYYY-MM-DD 或 "
                                        "YYYY-MM-DD HH:MM） / the regulator's deadline is not a "
                                        "date (YYYY-MM-DD or YYYY-MM-DD HH:MM)") from None
    if due is None:
        return None
    match = _DATE.fullmatch(value.strip())
    if match and match.group("H") is None:
        due = timezone.make_aware(dt.datetime.combine(due.date(), dt.time(23, 59, 59)))
    if transferred_at is not None and due < transferred_at:
        raise RowField("regulator_due", "监管要求反馈期限早于转办日期，请核对日期 / the "
                                        "regulator's deadline is before the transfer date: "
                                        "check the date")
    return due


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
    """The create payload for one row; raises RowField for a value it cannot read. Its
    `received_at` is the regulator's transfer date as the file states it (import_file keeps it
    on the record; the clock starts at the bank's receipt)."""
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
    phone, email = row.get("phone", ""), row.get("email", "")
    if "@" in phone and not email:  # a 联系方式 column holding an email address
        phone, email = "", phone
    phone, other_phones = phones(phone)
    customer = {"name": row.get("customer_name", ""), "phone": phone, "email": email,
                "id_number": row.get("id_number", "")}
    if row.get("language"):
        customer["language"] = row["language"]
    return {
        "channel": "regulator", "source": regulator, "external_ref": row.get("reference", ""),
        "received_at": received_at, "customer": customer, "unit": row.get("unit", ""),
        "product": row.get("product", ""), "content": row.get("content", ""),
        "claim": row.get("claim", ""), "amount": amount,
        **({"group_size": row["group_size"].strip()} if row.get("group_size", "").strip() else {}),
        **({"other_phones": other_phones} if other_phones else {}),
    }


def phones(cell: str) -> tuple[str, list[str]]:
    """The first valid number of a phone cell holding several, and the cell's other values
    (kept on the complaint's timeline). A cell with one value, or none valid, comes back whole
    for validation to name."""
    parts: list[str] = []
    for part in (p for p in PHONE_SEPARATORS.split(cell) if p.strip()):
        spaced = part.split()  # two numbers with only a space between them
        parts += spaced if len(spaced) > 1 and all(map(_valid_phone, spaced)) else [part]
    first = next((p for p in parts if _valid_phone(p)), None)
    if len(parts) < 2 or first is None:
        return cell, []
    return first, list(dict.fromkeys(p for p in parts if p != first))


def _valid_phone(value: str) -> bool:
    try:
        CustomerIn.model_validate({"name": "-", "phone": value})
    except ValidationError:
        return False
    return True


class RowField(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _field(loc: tuple[int | str, ...]) -> str:
    name = ".".join(str(p) for p in loc)
    return FIELD_OF.get(name, name)


def import_file(principal: Principal, name: str, data: bytes, parsed: Parsed | None = None,
                progress: Callable[[int, int], None] | None = None) -> Report:
    """Register every good row; report the others. The whole file is read first (a file that is
    not a transfer file at all raises FileError and nothing is written). A complaint's clock
    starts at this import, the bank's receipt of the transfer (PBOC Order 〔2020〕5 Art. 43,
    NFRA Order No. 3 Art. 18); the regulator's transfer date goes on its timeline in a
    `regulator_transfer` event."""
    parsed = parsed or read_file(name, data)
    check_size(parsed)
    report = Report(rows=len(parsed.rows), ignored=parsed.ignored)
    report.errors.extend(header_warnings(parsed))
    for start in range(0, len(parsed.rows), PROGRESS_STEP):
        import_rows(principal, name, parsed.rows[start:start + PROGRESS_STEP], report)
        if progress is not None:
            progress(min(start + PROGRESS_STEP, len(parsed.rows)), len(parsed.rows))
    batch = RegulatorBatch.objects.create(
        file_name=name[:255], sha256=hashlib.sha256(data).hexdigest(),
        imported_by=principal.label[:150], rows=report.rows, processed=report.rows,
        created=len(report.created), duplicates=report.duplicates, changed=report.changed,
        failed=report.failed,
        errors=[e.as_dict() for e in report.errors[:MAX_ERRORS]],
        user_id=principal.user_id, api_key_id=principal.api_key_id, finished_at=timezone.now(),
    )
    report.batch_id = batch.pk
    logger.info("regulator import %s: %s", name, report.summary())
    return report


def check_size(parsed: Parsed) -> None:
    if len(parsed.rows) > MAX_ROWS:
        raise FileError(f"超过 {MAX_ROWS} 行，请拆分文件后导入 / more than {MAX_ROWS} rows: "
                        "split the file")


def header_warnings(parsed: Parsed) -> list[RowError]:
    return [RowError(1, header, "未识别的列，其内容未导入 / column not understood; its values "
                                "were not imported") for header in parsed.ignored]


def import_rows(principal: Principal, name: str, rows: list[tuple[int, dict[str, str]]],
                report: Report, received_at: dt.datetime | None = None) -> None:
    """Register these rows, one transaction each, adding what happened to `report`; received
    by the bank at `received_at` (the upload of a file imported later), else now."""
    now = timezone.now()
    refs = {r.get("reference", "") for _, r in rows}
    # Only to skip known rows quickly: the unique constraints decide, not this read.
    known = {(source, ref): (key, digest, number) for source, ref, key, digest, number in
             Complaint.objects.filter(
                 source__in=[Source.REGULATOR_NFRA, Source.REGULATOR_PBOC], external_ref__in=refs,
             ).values_list("source", "external_ref", "idempotency_key", "request_hash", "number")
             } if len(refs) <= 50_000 else {}
    for number, row in rows:
        _import_row(principal, name, number, row, known, now, report, received_at)


def _already(report: Report, number: int, key: str, fingerprint: str,
             earlier: tuple[str, str, str]) -> None:
    """A row whose reference was imported before: counted as already imported, or, when this
    import's key recorded other content (the fingerprint of its row), as changed."""
    earlier_key, digest, complaint = earlier
    if earlier_key == key and digest != fingerprint:
        report.changed_rows.add(number)
        report.errors.append(RowError(number, "reference", CHANGED.format(number=complaint)))
    else:
        report.duplicates += 1


def _import_row(principal: Principal, name: str, number: int, row: dict[str, str],
                known: dict[tuple[str, str], tuple[str, str, str]], now: dt.datetime,
                report: Report, received_at: dt.datetime | None) -> None:
    ref = row.get("reference", "")
    if not ref:
        report.errors.append(RowError(number, "reference", "必填 / required"))
        return
    try:
        payload = to_payload(row)
        key = f"regulator:{payload['source']}:{ref}"
        fingerprint = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str)
                                     .encode()).hexdigest()
        other_phones = payload.pop("other_phones", [])
        if (payload["source"], ref) in known:
            _already(report, number, key, fingerprint, known[payload["source"], ref])
            return
        check_transferred_at(payload["received_at"], now)
        due = regulator_due(row.get("regulator_due", ""), payload["received_at"])
        data_in = ComplaintIn.model_validate({**payload, "received_at": received_at})
    except RowField as exc:
        report.errors.append(RowError(number, exc.field, exc.message))
        return
    except ValidationError as exc:
        report.errors.extend(RowError(number, _field(e["loc"]), validation_message(dict(e)))
                             for e in exc.errors())
        return
    try:
        with transaction.atomic():
            registered = register_complaint(principal, data_in, idempotency_key=key,
                                            request_hash=fingerprint)
            if registered.created:
                record_system_event(
                    registered.complaint.pk, "regulator_transfer",
                    {"source": payload["source"], "reference": ref,
                     "transferred_at": payload["received_at"], "regulator_due": due,
                     "file": name[:255]},
                    actor_label=principal.label, actor_id=principal.user_id,
                    bump_version=False)
                if due is not None:
                    clocks.track_regulator_due(registered.complaint.pk,
                                              registered.complaint.received_at, due)
                if other_phones:
                    record_system_event(
                        registered.complaint.pk, "note",
                        {"text": "转办文件中的其他联系电话 / other phone numbers in the transfer "
                                 f"file: {'、'.join(other_phones)}"},
                        actor_label=principal.label, actor_id=principal.user_id,
                        bump_version=False)
    except ActionError as exc:
        if exc.code == "idempotency_mismatch" or exc.code == "duplicate_reference":
            earlier = Complaint.objects.filter(source=payload["source"], external_ref=ref) \
                .values_list("idempotency_key", "request_hash", "number").first()
            _already(report, number, key, fingerprint, earlier or ("", "", ""))
        else:
            report.errors.extend(RowError(number, FIELD_OF.get(f, f), m)
                                 for f, m in exc.errors or [("row", exc.detail)])
        return
    except IntegrityError:
        report.duplicates += 1  # the same reference registered by another path
        return
    if registered.created:
        report.created.append(registered.complaint.number)
    else:
        report.duplicates += 1

