"""Bulk import of units: all or nothing, with a row-level report."""

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from conftest import admin_client
from org.importer import import_units, read_rows
from org.models import OrgUnit

pytestmark = pytest.mark.django_db

GOOD = "code,name,kind,parent\nGZ,广州分行,branch,HO\nGZ01,天河支行,sub_branch,GZ\n"


def test_a_csv_imports_children_after_their_parents(cast: Any) -> None:
    csv_text = "code,name,kind,parent\nGZ01,天河支行,sub_branch,GZ\nGZ,广州分行,branch,HO\n"
    result = import_units(read_rows("units.csv", csv_text.encode()))
    assert (result.created, result.updated, result.errors) == (2, 0, [])
    assert OrgUnit.objects.get(code="GZ01").path == "/HO/GZ/GZ01/"


def test_an_xlsx_moves_a_unit_and_its_subtree(cast: Any) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["code", "name", "kind", "parent"])
    sheet.append(["BJ01", "朝阳支行", "sub_branch", "SH"])
    data = io.BytesIO()
    book.save(data)
    result = import_units(read_rows("units.xlsx", data.getvalue()))
    assert (result.created, result.updated) == (0, 1)
    assert OrgUnit.objects.get(code="BJ01").path == "/HO/SH/BJ01/"


def test_one_bad_row_imports_nothing_and_every_error_is_reported(cast: Any, tmp_path: Path,
                                                                 capsys: Any) -> None:
    bad = GOOD + "XX,,planet,NOWHERE\nGZ,again,branch,HO\nC1,c1,branch,C2\nC2,c2,branch,C1\n"
    path = tmp_path / "units.csv"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_units", str(path))
    out = capsys.readouterr().out
    for expected in ["row 4, name: 必填 / required", "row 4, kind: 须为以下之一 / must be one of",
                     "row 4, parent: 文件和系统中均无机构 'NOWHERE' / no unit 'NOWHERE'",
                     "row 5, code: 与第 2 行重复 / duplicate of row 2",
                     "row 6, parent: 上级机构形成循环 / the parents form a cycle"]:
        assert expected in out
    assert not OrgUnit.objects.filter(code__in=["GZ", "GZ01"]).exists()


def test_the_command_reports_what_it_did(cast: Any, tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "units.csv"
    path.write_text(GOOD, encoding="utf-8")
    call_command("import_units", str(path))
    assert "2 created, 0 updated" in capsys.readouterr().out


def test_the_admin_import_page_reports_bad_rows(cast: Any, settings: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = admin_client()
    bad = SimpleUploadedFile("u.csv", b"code,name,kind,parent\nQQ,,planet,\n")
    page = client.post("/admin/org/orgunit/import/", {"file": bad})
    assert page.status_code == 200
    assert "planet" not in OrgUnit.objects.values_list("kind", flat=True)
    assert "nothing was imported" in page.content.decode()
    good = SimpleUploadedFile("u.csv", GOOD.encode())
    assert client.post("/admin/org/orgunit/import/", {"file": good}).status_code == 302
    assert OrgUnit.objects.filter(code="GZ01").exists()


def test_a_bad_row_after_blank_ones_is_named_by_its_own_number(cast: Any) -> None:
    csv_text = "code,name,kind,parent\nGZ,广州分行,branch,HO\n,,,\n\nGZ01,天河支行,nowhere,GZ\n"
    result = import_units(read_rows("units.csv", csv_text.encode()))
    assert [(e.row, e.field) for e in result.errors or []] == [(5, "kind")]
