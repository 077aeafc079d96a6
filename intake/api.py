"""Intake endpoints of API v1: the SMS gateway's webhook, regulator transfer files, letters."""

import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field

from complaints.actions.common import megabytes
from complaints.api import ERRORS
from complaints.errors import ActionError, Forbidden, NotFound
from complaints.lifecycle import STAFF
from complaints.selectors import access_complaint
from intake import letters, regulator, regulator_batches, sms
from intake.choices import LetterChannel, LetterKind
from intake.models import Letter, RegulatorBatch
from org.access import INTEGRATION, Principal

router = Router(tags=["intake"])


class SmsAccepted(Schema):
    status: str  # created, threaded, duplicate or quarantined
    number: str


@router.post("/intake/sms", auth=None, response={200: SmsAccepted, **ERRORS},
             summary="Inbound SMS (gateway webhook, HMAC-signed)")
def inbound_sms(request: HttpRequest) -> SmsAccepted:
    """The SMS gateway posts `{"message_id", "from", "text", "received_at"?}` signed with the
    shared secret: `X-Tousu-Signature` = hex HMAC-SHA256 of `{timestamp}.{nonce}.{body}`, with
    `X-Tousu-Timestamp` (Unix seconds, within the window) and `X-Tousu-Nonce` (never reused).
    A forged, stale or replayed call is refused; the same message_id twice registers once."""
    received = sms.handle(dict(request.headers), request.body)
    return SmsAccepted(status=received.status, number=received.number)


class RowErrorOut(Schema):
    row: int
    field: str
    message: str


class ImportOut(Schema):
    batch: int | None
    rows: int
    created: list[str]
    duplicates: int
    changed: int  # already imported, but with different content: not updated, listed in errors
    failed: int
    errors: list[RowErrorOut]


def _may_register(principal: Principal) -> None:
    roles = {role for role, _ in principal.grants}
    allowed = (INTEGRATION in roles and principal.has_scope("complaints:create")) or (
        principal.api_key_id is None and roles & STAFF)
    if not allowed:
        raise Forbidden("You may not register complaints",
                        [("file", "无登记投诉的权限 / no registering role")], code="forbidden")


class BatchOut(Schema):
    batch: int
    status: str  # running, done or failed
    file_name: str
    rows: int
    processed: int
    created: int
    duplicates: int
    changed: int
    failed: int
    errors: list[RowErrorOut]
    finished_at: dt.datetime | None


def _batch_out(b: RegulatorBatch) -> BatchOut:
    return BatchOut(batch=b.pk, status=b.status, file_name=b.file_name, rows=b.rows,
                    processed=b.processed, created=b.created, duplicates=b.duplicates,
                    changed=b.changed, failed=b.failed, errors=[RowErrorOut(**e) for e in b.errors],
                    finished_at=b.finished_at)


@router.post("/intake/regulator", response={200: ImportOut, 202: BatchOut, **ERRORS},
             summary="Import a regulator transfer file (CSV or XLSX)")
def import_regulator(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """Registers every good row as a regulator-sourced complaint; the others come back in
    `errors` by row and field. Rows whose regulator reference was imported before count as
    `duplicates` and create nothing; those whose content differs from what was imported count as
    `changed` instead, are listed in `errors` too, and change nothing. A file of more rows than
    the installation imports at once (TOUSU_REGULATOR_SYNC_ROWS, 300) is imported in the
    background: 202 with the batch, whose progress and row report `GET /intake/regulator/{batch}`
    gives."""
    principal: Principal = request.auth  # type: ignore[attr-defined]
    _may_register(principal)
    if file.size is not None and file.size > regulator_batches.MAX_FILE:
        raise ActionError("The file is too large", [(
            "file", f"文件最大 {megabytes(regulator_batches.MAX_FILE)} / at most "
                    f"{megabytes(regulator_batches.MAX_FILE)}")],
            code="too_large")
    try:
        result = regulator_batches.submit(principal, file.name or "upload.csv", file.read())
    except regulator.FileError as exc:
        raise ActionError("不是有效的转办文件 / Not a transfer file",
                          [("file", str(exc))]) from None
    if isinstance(result, RegulatorBatch):
        return Status(202, _batch_out(result))
    return ImportOut(batch=result.batch_id, rows=result.rows, created=result.created,
                     duplicates=result.duplicates, changed=result.changed,
                     failed=result.failed,
                     errors=[RowErrorOut(**e.as_dict()) for e in result.errors])


@router.get("/intake/regulator/{batch}", response={200: BatchOut, **ERRORS},
            summary="A regulator file's import: progress and row report")
def regulator_batch(request: HttpRequest, batch: int) -> BatchOut:
    """Only to whom sent the file (the same staff member or key)."""
    principal: Principal = request.auth  # type: ignore[attr-defined]
    _may_register(principal)
    mine = (Q(user_id=principal.user_id) if principal.user_id is not None
            else Q(api_key_id=principal.api_key_id) if principal.api_key_id is not None
            else Q(pk__in=[]))
    found = RegulatorBatch.objects.filter(mine, pk=batch).first()
    if found is None:
        raise NotFound("No such import", [("batch", "未找到 / not found")], code="not_found")
    return _batch_out(found)


class LetterIn(Schema):
    version: int = Field(ge=1)
    kind: LetterKind
    channel: LetterChannel
    proof: str = Field("", max_length=200)


class LetterOut(Schema):
    id: int
    kind: str
    channel: str
    language: str
    subject: str
    body: str
    template_version: int | None
    proof: str
    sent_at: dt.datetime | None
    on_timeline: bool


def _letter_out(letter: Letter, name: str) -> LetterOut:
    """The letter as the workspace shows it: the customer's name and identifiers masked."""
    return LetterOut(id=letter.pk, kind=letter.kind, channel=letter.channel,
                     language=letter.language, subject=letters.masked_letter(letter.subject, name),
                     body=letters.masked_letter(letter.body, name),
                     template_version=letter.template_version, proof=letter.proof,
                     sent_at=timezone.localtime(letter.sent_at) if letter.sent_at else None,
                     on_timeline=letter.recorded_at is not None)


@router.post("/complaints/{number}/letters", response={201: LetterOut, **ERRORS},
             summary="Send a letter from its template")
def send_letter(request: HttpRequest, number: str, payload: LetterIn) -> Status[LetterOut]:
    """By `sms` or `email` the letter goes through the outbox and reaches the timeline with the
    gateway's receipt once delivered; by `post`, `call` or `in_person` give the `proof` (post
    reference, call record, signed receipt) and it is on the timeline at once."""
    principal: Principal = request.auth  # type: ignore[attr-defined]
    if principal.api_key_id is not None:
        raise Forbidden("Letters are sent by staff", [("Authorization", "仅限员工 / staff only")],
                        code="forbidden")
    letter = letters.send_letter(principal, number, kind=payload.kind, channel=payload.channel,
                                 version=payload.version, proof=payload.proof)
    return Status(201, _letter_out(letter, letter.complaint.customer.name))


@router.get("/complaints/{number}/letters", response={200: list[LetterOut], **ERRORS},
            summary="The letters sent on a complaint")
def list_letters(request: HttpRequest, number: str) -> list[LetterOut]:
    principal: Principal = request.auth  # type: ignore[attr-defined]
    complaint = access_complaint(principal, number)
    name = complaint.customer.name
    return [_letter_out(x, name) for x in complaint.letters.order_by("created_at", "pk")]
