"""A regulator row whose phone cell holds two numbers is imported: the first valid one is the
customer's phone, the others are kept on the complaint's timeline."""

from typing import Any

import pytest

from complaints.models import Complaint, Event
from intake.regulator import import_file

pytestmark = pytest.mark.django_db
HEADER = "转办编号,转办机构,收到时间,客户姓名,联系电话,机构代码,投诉内容\n"


def row(phone: str) -> bytes:
    return (HEADER + f'NFRA-P-1,nfra,2026-11-20,王芳,"{phone}",BJ01,分期手续费未告知\n').encode()


@pytest.mark.parametrize(("cell", "others"), [
    ("13912345678/010-12345678", "010-12345678"),
    ("13912345678；13812345678", "13812345678"),
    ("13912345678 或 010-12345678", "010-12345678"),
    ("13912345678，13812345678、010 12345678", "13812345678、010 12345678"),
    ("13912345678 13812345678", "13812345678"),
    ("１３９１２３４５６７８／０１０－１２３４５６７８", "010-12345678"),
    ("123/13912345678", "123"),  # the first valid number, whatever stands before it
])
def test_the_first_valid_number_is_the_phone_and_the_others_are_kept(
        cast: Any, cell: str, others: str) -> None:
    report = import_file(cast.principal("cpo"), "t.csv", row(cell))
    assert report.errors == [] and len(report.created) == 1
    c = Complaint.objects.get(number=report.created[0])
    assert c.customer.phone == "13912345678"
    note = Event.objects.get(complaint=c, type="note").payload["text"]
    assert note.endswith(f"other phone numbers in the transfer file: {others}")
    assert c.version == 1  # recorded with the registration: nothing for staff to reload


def test_one_number_adds_no_note(cast: Any) -> None:
    report = import_file(cast.principal("cpo"), "t.csv", row("010-12345678"))
    assert not Event.objects.filter(complaint__number=report.created[0], type="note").exists()


def test_a_cell_with_no_valid_number_is_still_refused(cast: Any) -> None:
    report = import_file(cast.principal("cpo"), "t.csv", row("12/abc"))
    assert [(e.row, e.field) for e in report.errors] == [(2, "phone")]
    assert not Complaint.objects.exists()
