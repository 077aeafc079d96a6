"""A row re-imported under a known reference: the same content is "already imported"; other
content is still not imported (idempotent) but reported apart, "already imported, but its
content differs: check it", in the command's output, the API's answer, the admin's summary and
a background batch."""

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from complaints.models import Complaint
from conftest import admin_client
from intake import regulator_batches
from intake.models import RegulatorBatch
from intake.regulator import import_file
from intake.tests.test_regulator import GOOD, csv_bytes

pytestmark = pytest.mark.django_db
CHANGED = [GOOD[0].replace("分期手续费未告知", "分期手续费未告知（补充材料）"), GOOD[1]]


def test_a_changed_row_is_reported_apart_and_not_imported(cast: Any) -> None:
    first = import_file(cast.principal("cpo"), "t.csv", csv_bytes(GOOD[:2]))
    number = first.created[0]
    report = import_file(cast.principal("cpo"), "t.csv", csv_bytes(CHANGED))
    assert (report.created, report.duplicates, report.changed, report.failed) == ([], 1, 1, 0)
    assert [(e.row, e.field) for e in report.errors] == [(2, "reference")]
    assert number in report.errors[0].message and "内容与导入时不同" in report.errors[0].message
    assert "its content differs" in report.errors[0].message
    assert "已导入过但内容不同 1 行" in report.summary()
    assert "1 already imported but with different content" in report.summary()
    assert Complaint.objects.get(number=number).content == "分期手续费未告知"
    batch = RegulatorBatch.objects.get(pk=report.batch_id)
    assert (batch.duplicates, batch.changed, batch.failed) == (1, 1, 0)


def test_the_same_rows_again_are_only_already_imported(cast: Any) -> None:
    import_file(cast.principal("cpo"), "t.csv", csv_bytes(GOOD[:2]))
    report = import_file(cast.principal("agent"), "t.csv", csv_bytes(GOOD[:2]))
    assert (report.duplicates, report.changed, report.errors) == (2, 0, [])


def test_the_command_prints_the_changed_rows(cast: Any, tmp_path: Any) -> None:
    import_file(cast.principal("cpo"), "t.csv", csv_bytes(GOOD[:2]))
    path = tmp_path / "again.csv"
    path.write_bytes(csv_bytes(CHANGED))
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit):  # something to check: exit 1
        call_command("import_regulator", str(path), stdout=out, stderr=err)
    assert "row 2, reference: 已导入过" in err.getvalue()
    assert "1 already imported but with different content" in out.getvalue()


def test_the_api_answers_the_changed_count(cast: Any) -> None:
    import_file(cast.principal("cpo"), "t.csv", csv_bytes(GOOD[:2]))
    answer = cast.client("cpo").post("/api/v1/intake/regulator", {
        "file": SimpleUploadedFile("t.csv", csv_bytes(CHANGED), "text/csv")}).json()
    assert (answer["duplicates"], answer["changed"], answer["failed"]) == (1, 1, 0)
    assert answer["errors"][0]["row"] == 2


def test_the_admin_summary_names_the_changed_rows(cast: Any) -> None:
    import_file(cast.principal("cpo"), "t.csv", csv_bytes(GOOD[:2]))
    page = admin_client().post("/admin/intake/regulatorbatch/import/", {
        "file": SimpleUploadedFile("t.csv", csv_bytes(CHANGED), "text/csv")}).content.decode()
    assert "已导入过但内容不同 1 行" in page and "内容与导入时不同" in page


def test_a_background_batch_counts_the_changed_rows(cast: Any, settings: Any) -> None:
    import_file(cast.principal("cpo"), "t.csv", csv_bytes(GOOD[:2]))
    settings.TOUSU_REGULATOR_SYNC_ROWS = 1
    answer = cast.client("cpo").post("/api/v1/intake/regulator", {
        "file": SimpleUploadedFile("t.csv", csv_bytes(CHANGED), "text/csv")})
    assert answer.status_code == 202
    regulator_batches.continue_imports()
    batch = cast.client("cpo").get(f"/api/v1/intake/regulator/{answer.json()['batch']}").json()
    assert (batch["status"], batch["duplicates"], batch["changed"], batch["failed"]) == (
        "done", 1, 1, 0)
