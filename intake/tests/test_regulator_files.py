"""A clerk's regulator transfer file as it really arrives: a file refused whole (a wrong header,
an unpaired quote, a second sheet with rows) says why in both languages, naming the row or the
missing columns as the Chinese sheet calls them; the row report opened in Excel runs no formula
the file smuggled in as a header; contacts typed in full-width digits or wrapped for Excel
(="…") are the customer's, not a refused row; and a large file's clocks start at its upload,
however late the background job reaches it."""

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import Workbook

from complaints import crypto
from complaints.models import Complaint
from intake import regulator, regulator_batches
from intake.models import RegulatorBatch
from intake.regulator import FileError, import_file

pytestmark = pytest.mark.django_db
HEADER = "\ufeff转办编号,转办机构,客户姓名,手机号码,身份证号码,投诉内容,争议金额\n"


def _xlsx_garbage() -> bytes:
    return b"PK\x03\x04 not a workbook"


@pytest.mark.parametrize(("name", "data", "chinese", "english"), [
    ("t.csv", "编号,机构,姓名\n1,nfra,王五\n".encode(), "缺少必需的列", "missing columns"),
    ("t.csv", b"", "文件是空的", "the file is empty"),
    ("t.xlsx", _xlsx_garbage(), "无法读取的 .xlsx 文件", "not a readable .xlsx file"),
], ids=["wrong header", "empty", "not a workbook"])
def test_a_file_refused_whole_says_why_in_both_languages(
        cast: Any, name: str, data: bytes, chinese: str, english: str) -> None:
    with pytest.raises(FileError) as refused:
        import_file(cast.principal("cpo"), name, data)
    assert chinese in str(refused.value) and english in str(refused.value)
    assert Complaint.objects.count() == 0


def test_a_missing_column_is_named_as_the_chinese_sheet_calls_it(cast: Any) -> None:
    with pytest.raises(FileError) as refused:
        import_file(cast.principal("cpo"), "t.csv",
                    "转办编号,转办机构,客户姓名\nR1,nfra,王五\n".encode())
    assert "content（投诉内容）" in str(refused.value)
    assert "reference" not in str(refused.value).split("found")[0]


def _workbook(*sheets: tuple[str, list[list[object]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_workbook_whose_other_sheet_holds_rows_is_refused_not_half_read(cast: Any) -> None:
    header = ["转办编号", "转办机构", "客户姓名", "投诉内容"]
    data = _workbook(("12378", [header, ["N-1", "nfra", "王五", "信用卡年费"]]),
                     ("12363", [header, ["P-1", "pboc", "赵六", "ATM吞卡"]]))
    with pytest.raises(FileError) as refused:
        import_file(cast.principal("cpo"), "t.xlsx", data)
    assert "12363" in str(refused.value) and "keep one sheet per file" in str(refused.value)
    assert Complaint.objects.count() == 0
    blank_second = _workbook(("12378", [header, ["N-1", "nfra", "王五", "信用卡年费"]]),
                             ("说明", []))
    assert len(import_file(cast.principal("cpo"), "t.xlsx", blank_second).created) == 1


def test_too_many_rows_is_refused_in_both_languages(
        cast: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(regulator, "MAX_ROWS", 1)
    data = f"{HEADER}R1,nfra,王五,,,内容,\nR2,nfra,赵六,,,内容,\n".encode()
    with pytest.raises(FileError) as refused:
        import_file(cast.principal("cpo"), "t.csv", data)
    assert "请拆分文件" in str(refused.value) and "split the file" in str(refused.value)


def test_the_summary_is_bilingual(cast: Any) -> None:
    report = import_file(cast.principal("cpo"), "t.csv",
                         f"{HEADER}R1,nfra,王五,13912345678,,内容,\n".encode())
    assert "登记 1 件" in report.summary() and "1 registered" in report.summary()


def test_the_row_report_runs_no_formula_from_the_file(cast: Any, tmp_path: Path) -> None:
    path, errors = tmp_path / "transfer.csv", tmp_path / "errors.csv"  # quoted as Excel does
    path.write_bytes(("reference,regulator,customer_name,content,"
                      "\"=HYPERLINK(\"\"http://x.example\"\",\"\"a\"\")\"\nR1,nfra,王五,内容,x\n").encode())
    with pytest.raises(SystemExit):
        call_command("import_regulator", str(path), "--report", str(errors))
    header_line = errors.read_text(encoding="utf-8-sig").splitlines()[1]
    assert header_line.startswith("1,\"'=HYPERLINK(")
    assert Complaint.objects.count() == 1


@pytest.mark.parametrize("cell", ['"他说""马上退款,后来没人理', "x" * 140_000],
                         ids=["unpaired quote", "cell over the csv limit"])
def test_a_row_that_cannot_be_read_refuses_the_file_naming_the_row(cast: Any, cell: str) -> None:
    rows = [f"R{i},nfra,王五,,,内容{i},\n" for i in range(1, 4)]
    rows[1] = rows[1].replace("内容2", cell)
    with pytest.raises(FileError) as refused:
        import_file(cast.principal("cpo"), "t.csv", (HEADER + "".join(rows)).encode())
    assert "第 3 行无法读取" in str(refused.value) and "row 3 cannot be read" in str(refused.value)
    assert Complaint.objects.count() == 0  # not R1 alone, nor R2 holding R3 in its content


def test_full_width_contacts_are_the_customers_own(cast: Any, register: Any) -> None:
    earlier = register()  # 张三, 13812345678, 11010519491231002X
    row = ("R-FW,12378,张三,１３８ １２３４ ５６７８,１１０１０５１９４９１２３１００２Ｘ,"
           "信用卡年费😀乱收，要求退还。,１２０.５０")
    report = import_file(cast.principal("cpo"), "t.csv", f"{HEADER}{row}\n".encode())
    assert report.errors == [] and len(report.created) == 1
    c = Complaint.objects.get(external_ref="R-FW")
    assert c.customer_id == earlier.customer_id  # the same person, found by phone and ID
    assert c.customer.phone == "13812345678"
    assert crypto.decrypt(c.customer.id_number_enc) == "11010519491231002X"
    assert str(c.amount) == "120.50" and "😀" in c.content


def test_numbers_an_export_wrapped_for_excel_are_read_as_the_numbers(
        cast: Any, register: Any) -> None:
    earlier = register()  # 张三, 13812345678, 11010519491231002X
    row = '"=""R-XL""",nfra,张三,"=""13812345678""",\'11010519491231002X,银行卡被盗刷,'
    report = import_file(cast.principal("cpo"), "t.csv", f"{HEADER}{row}\n".encode())
    assert report.errors == [] and len(report.created) == 1
    c = Complaint.objects.get(external_ref="R-XL")
    assert c.customer_id == earlier.customer_id and c.customer.phone == "13812345678"


def test_a_background_batch_is_received_when_it_was_uploaded(
        cast: Any, settings: Any) -> None:
    settings.TOUSU_REGULATOR_SYNC_ROWS = 1
    data = f"{HEADER}R1,nfra,王五,,,内容,\nR2,nfra,赵六,,,内容,\n".encode()
    batch = regulator_batches.submit(cast.principal("cpo"), "big.csv", data)
    assert isinstance(batch, RegulatorBatch)
    uploaded = timezone.now() - dt.timedelta(hours=5)  # the job reaches it five hours later
    RegulatorBatch.objects.filter(pk=batch.pk).update(imported_at=uploaded)
    while regulator_batches.continue_imports(chunk_s=0):
        pass
    received = set(Complaint.objects.values_list("received_at", flat=True))
    assert received == {uploaded}
    for c in Complaint.objects.all():
        assert c.deadlines.get(obligation="decision").started_at == uploaded
