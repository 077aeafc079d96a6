"""Regulator transfers: a file with bad rows keeps its good ones and reports the bad ones by row
and field; the same file twice creates nothing new; the reference is never registered twice."""

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from complaints.models import Complaint
from intake.models import RegulatorBatch
from intake.regulator import import_file
from notify.models import Notification

pytestmark = pytest.mark.django_db

HEADER = "reference,regulator,received_at,customer_name,phone,unit,product,content,claim,amount\n"
GOOD = [
    "NFRA-2026-0001,nfra,2026-11-20 09:00,王芳,13700000001,BJ01,信用卡,分期手续费未告知,退还手续费,"
    "1200.50",
    "12363-2026-0002,人民银行,2026/11/19,李强,13700000002,,借记卡,跨行转账被重复扣款,退款,88",
    "NFRA-2026-0003,12378,2026-11-21,赵敏,,BJ02,理财,理财产品宣传夸大收益,赔偿损失,",
]
BAD = [
    ",nfra,2026-11-20,无编号,13700000009,BJ01,信用卡,内容,诉求,1",  # no reference
    "NFRA-2026-0005,cbrc-unknown,2026-11-20,钱七,,BJ01,信用卡,内容,,",  # unknown regulator
    "NFRA-2026-0006,nfra,yesterday,孙八,,BJ01,信用卡,内容,,",  # unreadable date
    "NFRA-2026-0007,nfra,2026-11-20,周九,12,BJ01,信用卡,内容,,abc",  # bad phone and amount
    "NFRA-2026-0008,nfra,2026-11-20,吴十,,NOPE,信用卡,内容,,",  # unknown unit
    "NFRA-2026-0009,nfra,2026-11-20,,,BJ01,信用卡,,,",  # no name, no content
]


def csv_bytes(rows: list[str]) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode("utf-8-sig")


def test_a_file_with_bad_rows_keeps_the_good_ones_and_reports_each_bad_one(
        cast: Any, templates: None) -> None:
    report = import_file(cast.principal("cpo"), "transfer.csv",
                         csv_bytes(GOOD[:2] + BAD + GOOD[2:]))
    assert len(report.created) == 3 and report.duplicates == 0
    assert report.failed == len(BAD)
    problems = {(e.row, e.field) for e in report.errors}
    assert {(4, "reference"), (5, "regulator"), (6, "received_at"), (8, "unit")} <= problems
    assert (7, "amount") in problems or (7, "phone") in problems
    assert {(9, "customer_name"), (9, "content")} <= problems
    for number in report.created:
        c = Complaint.objects.get(number=number)
        assert c.channel == "regulator" and c.source in {"regulator_nfra", "regulator_pboc"}
        assert c.severity == "major"  # triage treats a regulator transfer as major
    first = Complaint.objects.get(external_ref="NFRA-2026-0001")
    assert (first.source, first.unit.code, str(first.amount)) == ("regulator_nfra", "BJ01",
                                                                  "1200.50")
    assert Complaint.objects.get(external_ref="12363-2026-0002").source == "regulator_pboc"
    ack = Notification.objects.get(complaint=first, kind="acknowledgement")
    assert ack.channel == "sms" and first.number in ack.body
    batch = RegulatorBatch.objects.get(pk=report.batch_id)
    assert (batch.created, batch.failed) == (3, len(BAD)) and batch.errors


def test_the_same_file_twice_creates_nothing_new(cast: Any) -> None:
    data = csv_bytes(GOOD)
    first = import_file(cast.principal("cpo"), "t.csv", data)
    second = import_file(cast.principal("cpo"), "t.csv", data)
    assert len(first.created) == 3
    assert (second.created, second.duplicates, second.errors) == ([], 3, [])
    assert Complaint.objects.count() == 3 and RegulatorBatch.objects.count() == 2


def test_a_reference_registers_once_whatever_path_it_takes(cast: Any) -> None:
    import_file(cast.principal("agent"), "t.csv", csv_bytes(GOOD[:1]))
    body = {"channel": "regulator", "source": "regulator_nfra", "external_ref": "NFRA-2026-0001",
            "unit": "BJ01", "customer": {"name": "王芳"}, "content": "同一转办单再次录入"}
    response = cast.client("agent").post("/api/v1/complaints", data=json.dumps(body),
                                         content_type="application/json",
                                         headers={"Idempotency-Key": "other-key"})
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "duplicate_reference"
    assert Complaint.objects.count() == 1


def test_a_row_changed_after_import_is_not_registered_again(cast: Any) -> None:
    import_file(cast.principal("agent"), "t.csv", csv_bytes(GOOD[:1]))
    changed = GOOD[0].replace("分期手续费未告知", "分期手续费未告知（补充）")
    report = import_file(cast.principal("agent"), "t.csv", csv_bytes([changed]))
    assert report.changed == 1 and not report.created  # the reference decides
    assert Complaint.objects.count() == 1


def test_a_row_for_a_unit_outside_the_importers_scope_is_refused(cast: Any) -> None:
    report = import_file(cast.principal("agent"), "t.csv", csv_bytes(GOOD))  # agent: BJ01 only
    assert len(report.created) == 2
    assert [(e.row, e.field, e.message) for e in report.errors] == [
        (4, "unit", "超出您的权限范围 / outside your scope")]


def test_an_xlsx_file_is_imported_like_a_csv(cast: Any) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["转办编号", "来源", "收到时间", "客户姓名", "联系电话", "机构代码", "投诉内容"])
    import datetime as dt

    cell = dt.datetime(2026, 11, 20, 10, 30)  # noqa: DTZ001 (a spreadsheet cell has no zone)
    sheet.append(["PBOC-X-1", "pboc", cell, "钱多多", 13600000000, "BJ01", "ATM吞卡后未及时处理"])
    sheet.append(["PBOC-X-2", "pboc", "2026-11-20", "", "", "BJ01", "缺客户姓名"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = import_file(cast.principal("agent"), "transfer.xlsx", buffer.getvalue())
    assert len(report.created) == 1 and report.errors[0].row == 3
    c = Complaint.objects.get(external_ref="PBOC-X-1")
    transferred_at = c.events.get(type="regulator_transfer").payload["transferred_at"]
    assert c.customer.phone == "13600000000" and transferred_at.startswith("2026-11-20T02:30")


def test_the_command_reports_bad_rows_and_exits_non_zero(cast: Any, tmp_path: Path) -> None:
    path = tmp_path / "transfer.csv"
    path.write_bytes(csv_bytes(GOOD + BAD[:1]))
    report = tmp_path / "errors.csv"
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_regulator", str(path), "--report", str(report))
    assert exit_info.value.code == 1
    assert Complaint.objects.count() == 3
    assert report.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads it as UTF-8
    assert report.read_text(encoding="utf-8-sig").splitlines()[1].startswith("5,reference")
    assert Complaint.objects.first().created_by == "intake:regulator"


def test_the_api_imports_a_file_for_staff_and_refuses_outsiders(cast: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("t.csv", csv_bytes(GOOD[:1] + BAD[:1]), "text/csv")
    response = cast.client("agent").post("/api/v1/intake/regulator", {"file": upload})
    assert response.status_code == 200, response.content
    answer = response.json()
    assert len(answer["created"]) == 1 and answer["errors"][0]["field"] == "reference"
    upload = SimpleUploadedFile("t.csv", csv_bytes(GOOD[1:2]), "text/csv")
    refused = cast.client("audrey").post("/api/v1/intake/regulator", {"file": upload})
    assert refused.status_code == 403  # an auditor changes nothing
    assert Complaint.objects.count() == 1


def test_a_file_that_is_not_a_transfer_file_is_refused_whole(cast: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("t.csv", b"a,b,c\n1,2,3\n", "text/csv")
    response = cast.client("agent").post("/api/v1/intake/regulator", {"file": upload})
    assert response.status_code == 422
    assert "missing columns" in response.json()["errors"][0]["message"]
