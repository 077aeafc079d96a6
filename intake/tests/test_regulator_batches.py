"""Large regulator files are imported in the background with their progress: the upload answers
at once, the periodic job imports a step of rows at a time and saves how far it got, a batch
held by a worker that died is taken over where it stopped, and nothing is registered twice; the
admin takes no larger file than the API."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from complaints.models import Complaint
from conftest import admin_client
from intake import regulator_batches
from intake.models import RegulatorBatch
from intake.tests.test_regulator import BAD, GOOD, csv_bytes
from org.keys import issue_key

pytestmark = pytest.mark.django_db
FILE = csv_bytes(GOOD[:2] + BAD[:1] + GOOD[2:])  # 4 rows: 3 good, 1 without a reference


@pytest.fixture(autouse=True)
def small_limit(settings: Any) -> None:
    settings.TOUSU_REGULATOR_SYNC_ROWS = 2


def upload(client: Any, data: bytes = FILE) -> Any:
    return client.post("/api/v1/intake/regulator",
                       {"file": SimpleUploadedFile("big.csv", data, "text/csv")})


def test_a_large_file_answers_at_once_and_is_imported_in_steps(
        cast: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(regulator_batches, "STEP", 1)
    client = cast.client("cpo")
    answer = upload(client)
    assert answer.status_code == 202, answer.content
    queued = answer.json()
    assert (queued["status"], queued["rows"], queued["processed"]) == ("running", 4, 0)
    assert Complaint.objects.count() == 0
    batch = RegulatorBatch.objects.get(pk=queued["batch"])
    stored = batch.upload.path
    assert regulator_batches.continue_imports(chunk_s=0) == 1  # one step, then given back
    progress = client.get(f"/api/v1/intake/regulator/{batch.pk}").json()
    assert (progress["status"], progress["processed"], progress["created"]) == ("running", 1, 1)
    while regulator_batches.continue_imports(chunk_s=0):
        pass
    done = client.get(f"/api/v1/intake/regulator/{batch.pk}").json()
    assert (done["status"], done["processed"], done["created"], done["failed"]) == (
        "done", 4, 3, 1)
    assert done["errors"] == [{"row": 4, "field": "reference", "message": "必填 / required"}]
    assert Complaint.objects.filter(source__startswith="regulator").count() == 3
    batch.refresh_from_db()
    assert not batch.upload and batch.finished_at is not None
    assert not Path(stored).exists()  # the customer data is not kept on disk


def test_a_batch_whose_worker_died_is_taken_over_and_nothing_is_registered_twice(
        cast: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(regulator_batches, "STEP", 2)
    batch = RegulatorBatch.objects.get(pk=upload(cast.client("cpo")).json()["batch"])
    assert regulator_batches.continue_imports(chunk_s=0) == 2
    # The worker registered those 2 rows, then died before saving the step and its claim.
    RegulatorBatch.objects.filter(pk=batch.pk).update(
        processed=0, created=0, claimed_until=timezone.now() + dt.timedelta(seconds=60))
    assert regulator_batches.continue_imports() == 0  # still held: nobody takes it yet
    RegulatorBatch.objects.filter(pk=batch.pk).update(
        claimed_until=timezone.now() - dt.timedelta(seconds=1))
    assert regulator_batches.continue_imports() == 4
    batch.refresh_from_db()
    assert (batch.status, batch.processed, batch.created, batch.duplicates) == ("done", 4, 1, 2)
    assert Complaint.objects.count() == 3


def test_only_whom_sent_the_file_reads_its_batch(cast: Any) -> None:
    batch = upload(cast.client("cpo")).json()["batch"]
    assert cast.client("cpo").get(f"/api/v1/intake/regulator/{batch}").status_code == 200
    _, token = issue_key("cti", ["complaints:create", "complaints:read"], cast.bj)
    other = cast.client("mia").get(f"/api/v1/intake/regulator/{batch}")
    assert other.status_code == 404 and other.json()["errors"][0]["field"] == "batch"
    from django.test import Client

    by_key = Client(headers={"Authorization": f"Bearer {token}"})
    assert by_key.get(f"/api/v1/intake/regulator/{batch}").status_code == 404
    mine = upload(by_key).json()["batch"]
    assert by_key.get(f"/api/v1/intake/regulator/{mine}").json()["status"] == "running"


def test_a_batch_stops_with_a_clear_message_when_its_importer_left(cast: Any) -> None:
    batch = RegulatorBatch.objects.get(pk=upload(cast.client("cpo")).json()["batch"])
    type(cast.users["cpo"]).objects.filter(username="cpo").update(is_active=False)
    assert regulator_batches.continue_imports() == 0
    batch.refresh_from_db()
    assert batch.status == "failed" and not batch.upload
    assert "upload the file again" in batch.errors[-1]["message"]
    assert Complaint.objects.count() == 0


def test_a_small_file_is_still_imported_at_once(cast: Any) -> None:
    answer = upload(cast.client("cpo"), csv_bytes(GOOD[:2]))
    assert answer.status_code == 200 and len(answer.json()["created"]) == 2


def test_the_admin_queues_a_large_file_and_shows_its_progress(cast: Any) -> None:
    client = admin_client()
    response = client.post("/admin/intake/regulatorbatch/import/",
                           {"file": SimpleUploadedFile("big.csv", FILE, "text/csv")}, follow=True)
    page = response.content.decode()
    assert "rows are being imported in the background" in page
    assert "0/4 (0%)" in page and 'http-equiv="refresh"' in page
    while regulator_batches.continue_imports():
        pass
    page = client.get("/admin/intake/regulatorbatch/").content.decode()
    assert "4/4 (100%)" in page and 'http-equiv="refresh"' not in page


def test_the_command_shows_its_progress(cast: Any, tmp_path: Any,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(csv_bytes(GOOD))
    call_command("import_regulator", str(path))
    assert "3/3 rows" in capsys.readouterr().err


def test_the_admin_refuses_a_file_over_the_apis_limit(
        cast: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(regulator_batches, "MAX_FILE", 100)
    response = admin_client().post("/admin/intake/regulatorbatch/import/",
                                   {"file": SimpleUploadedFile("big.csv", FILE, "text/csv")})
    assert response.status_code == 200
    assert "at most" in response.content.decode() and "文件最大" in response.content.decode()
    assert not RegulatorBatch.objects.exists() and not Complaint.objects.exists()
