"""Regulator transfers, QA pass 3: Chinese header variants are read and unknown headers named
(or the file refused when one looks like the customer's contact), a file in another encoding is
refused whole, the clock starts at the bank's receipt of the transfer, and Chinese dates without
zero padding are read."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from complaints import crypto
from complaints.audit import first_broken_link
from complaints.models import Complaint
from intake.models import RegulatorBatch
from intake.regulator import FileError, _received_at, import_file
from notify.models import Notification

pytestmark = pytest.mark.django_db


def _days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def _zh(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def test_chinese_header_variants_are_read(cast: Any, templates: None) -> None:
    header = ("转办编号,转办机构,转办日期,客户姓名,手机号码,电子邮件,身份证号码,被投诉机构,产品,"
              "投诉内容,投诉诉求,争议金额")
    row = (f"QA-H1,12378,{_zh(_days_ago(3))},王五,13912345678,wangwu@example.cn,,BJ01,信用卡,"
           "信用卡年费乱收费,退还年费,\"1,200.50\"")
    report = import_file(cast.principal("cpo"), "gbk.csv", f"{header}\n{row}\n".encode("gb18030"))
    assert report.errors == [] and len(report.created) == 1
    c = Complaint.objects.get(external_ref="QA-H1")
    assert (c.customer.phone, c.customer.email) == ("13912345678", "wangwu@example.cn")
    assert (c.claim, str(c.amount)) == ("退还年费", "1200.50")
    assert c.events.get(type="register").payload["acknowledged_by"] == "sms"
    assert Notification.objects.filter(complaint=c, kind="acknowledgement").exists()


@pytest.mark.parametrize("header", ["手机", "联系方式", "证件号"])
def test_short_variants_of_contact_and_identity_headers_are_read(cast: Any, header: str) -> None:
    value = "11010519491231002X" if header == "证件号" else "13912345678"
    data = f"转办编号,转办机构,客户姓名,投诉内容,{header}\nQA-V1,nfra,王五,内容,{value}\n"
    report = import_file(cast.principal("cpo"), "t.csv", data.encode())
    assert report.errors == [] and len(report.created) == 1
    customer = Complaint.objects.get(external_ref="QA-V1").customer
    assert value in (customer.phone, crypto.decrypt(customer.id_number_enc))


def test_a_header_not_understood_is_named_in_the_report(cast: Any) -> None:
    data = ("reference,regulator,customer_name,content,phone,备注\n"
            "QA-U1,nfra,王五,内容,13912345678,加急\n")
    report = import_file(cast.principal("cpo"), "t.csv", data.encode())
    assert len(report.created) == 1 and report.failed == 0
    assert [(e.row, e.field) for e in report.errors] == [(1, "备注")]
    assert "not understood" in report.errors[0].message and "未识别" in report.errors[0].message
    assert "备注" in report.summary()
    assert RegulatorBatch.objects.get(pk=report.batch_id).errors[0]["field"] == "备注"


def test_an_unknown_header_that_looks_like_contact_data_refuses_the_file(cast: Any) -> None:
    data = ("reference,regulator,customer_name,content,代理人电话\n"
            "QA-U2,nfra,王五,内容,13912345678\n")
    with pytest.raises(FileError, match=r"代理人电话.*/ columns not understood: 代理人电话"):
        import_file(cast.principal("cpo"), "t.csv", data.encode())
    assert not Complaint.objects.exists() and not RegulatorBatch.objects.exists()


def test_a_big5_file_is_refused_and_nothing_registered(cast: Any) -> None:
    data = ("reference,regulator,customer_name,content\r\n"
            "QA3-B1,12378,陳大文,我的帳戶被凍結，無法取款\r\n")
    with pytest.raises(FileError, match=r"第 2 行.*/ .*not UTF-8 or GB18030 \(line 2"):
        import_file(cast.principal("cpo"), "big5.csv", data.encode("big5"))
    assert not Complaint.objects.exists() and not RegulatorBatch.objects.exists()


def test_a_gbk_file_with_a_bad_byte_is_refused_naming_the_line(cast: Any) -> None:
    data = ("reference,regulator,customer_name,content\nQA-G1,nfra,王五,内容\n".encode("gb18030")
            + b"QA-G2,nfra,\xff\xff,x\n")
    with pytest.raises(FileError, match=r"第 3 行.*line 3"):
        import_file(cast.principal("cpo"), "t.csv", data)
    assert not Complaint.objects.exists()


def test_the_clock_starts_at_the_banks_receipt_and_the_transfer_date_is_kept(
        cast: Any, templates: None) -> None:
    transferred = _days_ago(20)  # the 15-day clock from the transfer date would be breached
    data = ("reference,regulator,received_at,customer_name,phone,unit,content\n"
            f"QA-C1,pboc,{_zh(transferred)},王五,13912345678,BJ01,内容\n")
    before = timezone.now()
    report = import_file(cast.principal("cpo"), "t.csv", data.encode())
    assert len(report.created) == 1, report.errors
    c = Complaint.objects.get(external_ref="QA-C1")
    assert c.received_at >= before
    deadline = c.deadlines.get(obligation="decision")
    assert deadline.due_at > timezone.now() and deadline.status != "breached"
    event = c.events.get(type="regulator_transfer")
    assert event.payload["reference"] == "QA-C1" and event.payload["source"] == "regulator_pboc"
    at = timezone.localtime(dt.datetime.fromisoformat(event.payload["transferred_at"]))
    assert at.date() == transferred
    assert c.version == 1  # a record of the registration, not a change staff must reload for
    assert first_broken_link(c) is None
    again = import_file(cast.principal("cpo"), "t.csv", data.encode())
    assert (again.created, again.duplicates) == ([], 1)


def test_a_transfer_date_in_the_future_is_refused(cast: Any) -> None:
    day = timezone.localdate() + dt.timedelta(days=2)
    data = f"reference,regulator,received_at,customer_name,content\nQA-F1,nfra,{day},王五,内容\n"
    report = import_file(cast.principal("cpo"), "t.csv", data.encode())
    assert [(e.row, e.field) for e in report.errors] == [(2, "received_at")]


@pytest.mark.parametrize(("text", "expected"), [
    ("2026年11月3日", (2026, 11, 3, 0, 0)),
    ("2026年11月03日", (2026, 11, 3, 0, 0)),
    ("2026/11/3", (2026, 11, 3, 0, 0)),
    ("2026-11-3 9:00", (2026, 11, 3, 9, 0)),
    ("2026.11.03", (2026, 11, 3, 0, 0)),
    ("2026/11/20 14:30", (2026, 11, 20, 14, 30)),
    ("2026年11月3日 9时05分", (2026, 11, 3, 9, 5)),
    ("2026-11-20 10:30:00", (2026, 11, 20, 10, 30)),
])
def test_dates_without_zero_padding_are_read(text: str, expected: tuple[int, ...]) -> None:
    parsed = _received_at(text)
    assert parsed is not None
    local = timezone.localtime(parsed)
    assert (local.year, local.month, local.day, local.hour, local.minute) == expected


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "2026年2月30日", "11/3/2026"])
def test_what_is_not_a_date_is_still_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a date"):
        _received_at(text)
