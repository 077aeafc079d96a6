"""Bulk import of staff and their role grants: grants only added, all rows or none, every bad
row named by row and column, and the run recorded with who ran it."""

import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from org.choices import Role
from org.importer import read_rows
from org.models import RoleGrant
from org.staff_import import import_staff
from privacy.models import AccessLog

pytestmark = pytest.mark.django_db
HEADER = "username,name,email,role,unit\n"


def _rows(text: str) -> list[dict[str, str]]:
    return read_rows("staff.csv", (HEADER + text).encode())


def test_staff_and_grants_are_added_once(cast: Any) -> None:
    rows = _rows("zhang.wei,张伟,zhang.wei@bank.example,handler,BJ01\n"
                 "zhang.wei,,,manager,BJ02\n"
                 "alice,,alice@bank.example,auditor,SH\n")
    result = import_staff(rows)
    assert result.errors == []
    assert (result.users_created, result.users_updated, result.grants_created) == (1, 1, 3)
    zhang = get_user_model().objects.get(username="zhang.wei")
    assert (zhang.get_full_name(), zhang.email, zhang.has_usable_password()) == (
        "张伟", "zhang.wei@bank.example", False)
    assert set(zhang.grants.values_list("role", "unit__code")) == {("handler", "BJ01"),
                                                                   ("manager", "BJ02")}
    assert set(cast.users["alice"].grants.values_list("role", "unit__code")) == {
        ("handler", "BJ01"), ("auditor", "SH")}  # her grant on BJ01 kept
    again = import_staff(rows)
    assert (again.users_created, again.users_updated, again.grants_created) == (0, 0, 0)


def test_every_bad_row_is_named_and_nothing_is_written(cast: Any) -> None:
    cast.bj02.active = False
    cast.bj02.save()
    cast.users["bob"].is_active = False
    cast.users["bob"].save()
    result = import_staff(_rows(
        "new.one,新人,not-an-email,handler,BJ01\n"  # 2
        "new.two,,,boss,NOWHERE\n"  # 3
        "new.three,,,handler,BJ02\n"  # 4
        "bad name!,,,handler,BJ01\n"  # 5
        "new.one,新人乙,,manager,BJ01\n"  # 6
        "new.one,,,handler,BJ01\n"  # 7
        "bob,,,handler,BJ01\n"  # 8
        "new.four,,,,BJ01\n"  # 9
    ))
    assert {(e.row, e.field) for e in result.errors} == {
        (2, "email"), (3, "role"), (3, "unit"), (4, "unit"), (5, "username"), (6, "name"),
        (7, "role"), (8, "username"), (9, "role")}
    assert "row 4, unit: 机构 'BJ02' 已停用 / the unit 'BJ02' is deactivated" in map(
        str, result.errors)
    assert not get_user_model().objects.filter(username__startswith="new.").exists()
    assert not RoleGrant.objects.filter(user__username="bob", unit=cast.bj01).exists()


def test_the_command_imports_an_xlsx_and_records_who_ran_it(cast: Any, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["username", "name", "email", "role", "unit"])
    sheet.append(["li.na", "李娜", "", "intake_agent", "SH01"])
    path = tmp_path / "staff.xlsx"
    book.save(path)
    out = io.StringIO()
    call_command("import_staff", str(path), stdout=out)
    assert "1 staff created, 0 updated, 1 grants added" in out.getvalue()
    row = AccessLog.objects.get()
    assert (row.kind, row.channel, row.unit_paths) == ("staff_imported", "cli", " /HO/SH/SH01/ ")
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "li.na,,,nobody,SH01\n", encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 errors: nothing was imported"):
        call_command("import_staff", str(bad), stdout=out)
    assert "row 2, role: 须为以下之一 / must be one of" in out.getvalue()


def test_a_bad_row_after_a_blank_one_is_named_by_its_own_number(cast: Any) -> None:
    result = import_staff(_rows("li.na,,,handler,SH01\n,,,,\n\nli.na,,,nobody,SH01\n"))
    assert [str(e) for e in result.errors] == [
        f"row 5, role: 须为以下之一 / must be one of {', '.join(Role.values)}"]
