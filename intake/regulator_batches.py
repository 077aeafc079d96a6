"""Large regulator transfer files, imported in the background. A file of more than
TOUSU_REGULATOR_SYNC_ROWS rows would keep the uploader's request open for minutes (a row is a
whole registration), so it is stored and a RegulatorBatch records it as running; the periodic
job `continue_imports` (the embedded default's beat thread, or Celery beat) claims it with a
conditional update and imports it a step of rows at a time, saving the progress after each step
and giving it back after CHUNK_S so other periodic work is not held up. A worker that dies
leaves its claim to expire: the next run starts again at the last saved step, and rows imported
twice are found by their regulator reference (counted as already imported). The stored file is
deleted when the batch ends."""

import datetime as dt
import hashlib
import logging
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils import timezone

from intake import regulator
from intake.actions import channel_principal
from intake.models import RegulatorBatch
from org.access import Principal, key_principal, staff_principal
from org.models import ApiKey

logger = logging.getLogger(__name__)
Status = RegulatorBatch.Status
MAX_FILE = 50 * 1024 * 1024  # the largest transfer file taken, by the API or the admin
STEP = 25  # rows between two progress saves
CHUNK_S = 20.0  # the longest one run of the job keeps a batch
LEASE = dt.timedelta(seconds=120)  # a claim not renewed for this long is taken over


class Stopped(Exception):
    """The batch cannot go on (its importer lost the right to register)."""


def submit(principal: Principal, name: str, data: bytes) -> regulator.Report | RegulatorBatch:
    """Import a small file now (its report), or store a large one for the background (its
    batch, running). FileError, before anything is written, when it is no transfer file."""
    parsed = regulator.read_file(name, data)
    regulator.check_size(parsed)
    if len(parsed.rows) <= settings.TOUSU_REGULATOR_SYNC_ROWS:
        return regulator.import_file(principal, name, data, parsed)
    batch = RegulatorBatch(
        file_name=name[:255], sha256=hashlib.sha256(data).hexdigest(),
        imported_by=principal.label[:150], rows=len(parsed.rows), status=Status.RUNNING,
        user_id=principal.user_id, api_key_id=principal.api_key_id,
        errors=[e.as_dict() for e in regulator.header_warnings(parsed)],
    )
    batch.upload.save(f"{uuid.uuid4().hex}{Path(name).suffix.lower()[:6]}", ContentFile(data),
                      save=False)
    batch.save()
    logger.info("regulator import %s: %d rows queued as batch %d", name, batch.rows, batch.pk)
    return batch


def continue_imports(chunk_s: float = CHUNK_S) -> int:
    """The periodic job: go on with one running batch nobody holds; returns rows imported."""
    now = timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    batch = RegulatorBatch.objects.filter(free, status=Status.RUNNING).order_by("pk").first()
    if batch is None:
        return 0
    lease = now + LEASE
    if not RegulatorBatch.objects.filter(free, pk=batch.pk, status=Status.RUNNING).update(
            claimed_until=lease):
        return 0  # another process claimed it first
    batch.claimed_until = lease
    try:
        return _work(batch, time.monotonic() + chunk_s)
    except Exception as exc:
        logger.exception("regulator batch %d stopped", batch.pk)
        _finish(batch, Status.FAILED, f"导入中断，请重新上传文件（已导入的行不会重复登记） / "
                                      f"the import stopped ({type(exc).__name__}): upload the "
                                      "file again (rows imported already are not registered twice)")
        return 0


def _work(batch: RegulatorBatch, until: float) -> int:
    principal = _principal(batch)
    with batch.upload.open("rb") as stored:
        data = stored.read()
    rows = regulator.read_file(batch.file_name, data).rows[batch.processed:]
    if not rows:
        batch.processed = batch.rows  # nothing left (a step saved just before a crash)
    done = 0
    while done < len(rows):
        step = rows[done:done + STEP]
        report = regulator.Report()
        # Received when uploaded: a batch the job reaches hours later (workers down, a queue
        # of batches) must not start its clocks late (PBOC Art. 43, NFRA Art. 18).
        regulator.import_rows(principal, batch.file_name, step, report,
                              received_at=batch.imported_at)
        done += len(step)
        _save_step(batch, report, len(step))
        if time.monotonic() >= until:
            break
    if batch.processed >= batch.rows:
        _finish(batch, Status.DONE)
    else:
        RegulatorBatch.objects.filter(pk=batch.pk).update(claimed_until=None)
    return done


def _principal(batch: RegulatorBatch) -> Principal:
    """Who imports: the staff member or key that sent the file, as they are now."""
    if batch.user_id is not None:
        user = get_user_model().objects.filter(pk=batch.user_id).first()
        found = staff_principal(user) if user is not None else None
    elif batch.api_key_id is not None:
        key = ApiKey.objects.filter(pk=batch.api_key_id, active=True).select_related("unit").first()
        found = key_principal(key) if key is not None else None
    else:
        found = channel_principal("regulator")
    if found is None:
        raise Stopped("the importer is no longer active")
    return found


def _save_step(batch: RegulatorBatch, report: regulator.Report, rows: int) -> None:
    batch.processed += rows
    batch.created += len(report.created)
    batch.duplicates += report.duplicates
    batch.changed += report.changed
    batch.failed += report.failed
    room = regulator.MAX_ERRORS - len(batch.errors)
    batch.errors = batch.errors + [e.as_dict() for e in report.errors[:max(room, 0)]]
    batch.claimed_until = timezone.now() + LEASE
    batch.save(update_fields=["processed", "created", "duplicates", "changed", "failed",
                              "errors", "claimed_until"])


def _finish(batch: RegulatorBatch, status: str, problem: str = "") -> None:
    if problem:
        batch.errors = [*batch.errors, {"row": 0, "field": "file", "message": problem}]
    if batch.upload:
        batch.upload.delete(save=False)
    batch.status, batch.claimed_until, batch.finished_at = status, None, timezone.now()
    batch.save(update_fields=["status", "claimed_until", "finished_at", "errors", "upload"])
    logger.info("regulator batch %d %s: %d of %d rows, %d registered, %d already imported, "
                "%d already imported with different content, %d refused", batch.pk, status,
                batch.processed, batch.rows, batch.created, batch.duplicates, batch.changed,
                batch.failed)
