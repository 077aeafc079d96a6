"""Complaint endpoints of API v1. Thin: parse, select, act, serialise."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from ninja import Header, Query, Router, Schema
from ninja.responses import Status
from pydantic import AwareDatetime, Field

from clocks import service as clocks
from clocks.models import Deadline
from complaints import crypto
from complaints.action_schemas import ACTION_SCHEMAS, ActionIn
from complaints.actions import register_complaint, request_fingerprint, run_action
from complaints.choices import Channel, Severity, State
from complaints.errors import ActionError
from complaints.models import Complaint
from complaints.schemas import (
    ComplaintIn,
    ComplaintListItem,
    ComplaintOut,
    CustomerOut,
    DeadlineOut,
    ErrorOut,
    EventOut,
)
from complaints.selectors import (
    access_complaint,
    allowed_actions,
    filter_complaints,
    for_listing,
    list_summary,
)
from org.access import Principal
from org.models import OrgUnit
from triage.codes import DIMENSIONS
from triage.pii import mask_email, mask_id, mask_name, mask_payload, mask_phone, mask_text
from triage.service import triage_out

router = Router(tags=["complaints"])
LIST_SUMMARY_CHARS = 120
ERROR_STATUSES = (400, 401, 403, 404, 409, 413, 415, 422)
ERRORS: dict[int, type[ErrorOut]] = dict.fromkeys(ERROR_STATUSES, ErrorOut)


def deadline_out(d: Deadline, now: dt.datetime) -> DeadlineOut:
    # An extension's or a pause's reason is staff's free text: masked like an event's payload.
    # Its times read in the pack's zone, as its due date does.
    breached_at = d.breached_at and clocks.in_pack_zone(d.breached_at, d.rule_pack)
    return DeadlineOut(obligation=d.obligation, due_at=clocks.local_due(d), status=d.status,
                       remaining_s=clocks.remaining_s(d, now),
                       extensions=mask_payload(d.extensions),
                       paused_intervals=mask_payload(d.paused_intervals), kind=d.kind,
                       rule_pack=d.rule_pack,
                       started_at=clocks.in_pack_zone(d.started_at, d.rule_pack),
                       breached_at=breached_at,
                       restarts=mask_payload(d.restarts))


def complaint_out(principal: Principal, c: Complaint,
                  deadlines: list[Deadline] | None = None) -> ComplaintOut:
    now = timezone.now()
    if deadlines is None:
        deadlines = list(c.deadlines.all())
    customer = c.customer
    return ComplaintOut(
        number=c.number, state=c.state, version=c.version, channel=c.channel, source=c.source,
        external_ref=c.external_ref, received_at=timezone.localtime(c.received_at),
        unit=c.unit.code, handler=c.handler.get_username() if c.handler else None,
        severity=c.severity, codes=c.codes, tags=c.tags, signals=c.signals,
        product=mask_text(c.product),
        # Identifiers are masked in every answer; the API has no reveal (the workspace's is
        # audited), so a caller never gets a card number or a phone from the text either.
        content=mask_text(c.content), claim=mask_text(c.claim), amount=c.amount,
        group_size=c.group_size,
        customer=CustomerOut(
            name=mask_name(customer.name), phone=mask_phone(customer.phone),
            email=mask_email(customer.email),
            id_number=mask_id(crypto.decrypt(customer.id_number_enc)),
            language=customer.language, vulnerable=customer.vulnerable,
        ),
        allowed_actions=allowed_actions(principal, c, deadlines),
        deadlines=[deadline_out(d, now) for d in deadlines],
        primary=c.primary.number if c.primary_id and c.primary else None,
        suggestions=triage_out(c, principal=principal),
    )


@router.post("/complaints", response={200: ComplaintOut, 201: ComplaintOut, **ERRORS},
             summary="Register a complaint")
def create_complaint(
    request: HttpRequest, payload: ComplaintIn,
    idempotency_key: str = Header(..., alias="Idempotency-Key", min_length=1, max_length=200),
) -> Status[ComplaintOut]:
    """Registers the complaint, computes its deadline and queues the acknowledgement. A retry
    with the same `Idempotency-Key` and body returns the same complaint (200)."""
    principal: Principal = request.auth  # type: ignore[attr-defined]
    registered = register_complaint(
        principal, payload, idempotency_key=idempotency_key,
        request_hash=request_fingerprint(request.body),
    )
    out = complaint_out(principal, registered.complaint, registered.deadlines)
    return Status(201 if registered.created else 200, out)


class ListFilters(Schema):
    state: State | None = None
    unit: str = Field("", max_length=32)
    severity: Severity | None = None
    code: str = Field("", max_length=16)
    channel: Channel | None = None
    received_from: AwareDatetime | None = None  # as received_at: ISO 8601 with offset
    received_to: AwareDatetime | None = None
    overdue: bool | None = None
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=settings.TOUSU_PAGE_SIZE_MAX)


class ComplaintPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ComplaintListItem]


def filter_problems(params: QueryDict) -> list[tuple[str, str]]:
    """A misspelt filter (`status=`) or one given twice would be dropped or half-applied and
    the caller would take the answer for the filtered one: both are refused instead."""
    known = ", ".join(ListFilters.model_fields)
    return [(name, f"未知筛选条件，可选 {known} / unknown filter; known: {known}")
            for name in params if name not in ListFilters.model_fields] + [
        (name, "只能给一个值 / give one value") for name, values in params.lists()
        if name in ListFilters.model_fields and len(values) > 1]


@router.get("/complaints", response={200: ComplaintPage, **ERRORS}, summary="List complaints")
def list_complaints(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    principal: Principal = request.auth  # type: ignore[attr-defined]
    if problems := filter_problems(request.GET):
        raise ActionError("筛选条件无效 / Invalid filters", problems)
    unit_path = ""
    if filters.unit:
        unit = OrgUnit.objects.filter(code=filters.unit).first()
        if unit is None:
            raise ActionError("未知机构 / Unknown unit", [(
                "unit", f"没有机构 {filters.unit!r} / no org unit {filters.unit!r}")])
        unit_path = unit.path
    if filters.code and not any(filters.code in codes for codes in DIMENSIONS.values()):
        raise ActionError("未知分类代码 / Unknown classification code", [(
            "code", f"没有分类代码 {filters.code!r} / no classification code {filters.code!r}")])
    if (filters.received_from and filters.received_to
            and filters.received_to < filters.received_from):
        raise ActionError("时间范围无效 / Empty date range", [(
            "received_to", "早于 received_from / is before received_from")])
    queryset = filter_complaints(
        principal, state=filters.state or "", unit_path=unit_path,
        severity=filters.severity or "", code=filters.code, channel=filters.channel or "",
        received_from=filters.received_from, received_to=filters.received_to,
        overdue=filters.overdue,
    )
    start = (filters.page - 1) * filters.page_size
    rows = for_listing(queryset.order_by("-received_at", "-id"), LIST_SUMMARY_CHARS)[
        start:start + filters.page_size]
    return {
        "count": queryset.count(), "page": filters.page, "page_size": filters.page_size,
        "results": [
            ComplaintListItem(
                number=c.number, state=c.state, version=c.version, channel=c.channel,
                source=c.source, received_at=timezone.localtime(c.received_at),
                unit=c.unit.code, severity=c.severity, codes=c.codes,
                customer=mask_name(c.customer.name),
                summary=list_summary(c, LIST_SUMMARY_CHARS),
            )
            for c in rows
        ],
    }


@router.get("/complaints/{number}", response={200: ComplaintOut, **ERRORS},
            summary="One complaint")
def get_complaint(request: HttpRequest, number: str) -> ComplaintOut:
    principal: Principal = request.auth  # type: ignore[attr-defined]
    return complaint_out(principal, access_complaint(principal, number))


@router.get("/complaints/{number}/events", response={200: list[EventOut], **ERRORS},
            summary="The complaint's timeline")
def list_events(request: HttpRequest, number: str) -> list[EventOut]:
    principal: Principal = request.auth  # type: ignore[attr-defined]
    complaint = access_complaint(principal, number)
    return [
        EventOut(seq=e.seq, type=e.type, actor=e.actor_label, at=timezone.localtime(e.at),
                 state_after=e.state_after, payload=mask_payload(e.payload), hash=e.hash)
        for e in complaint.events.order_by("seq")
    ]


@router.get("/complaints/{number}/deadlines", response={200: list[DeadlineOut], **ERRORS},
            summary="The complaint's deadlines")
def list_deadlines(request: HttpRequest, number: str) -> list[DeadlineOut]:
    principal: Principal = request.auth  # type: ignore[attr-defined]
    complaint = access_complaint(principal, number)
    now = timezone.now()
    return [deadline_out(d, now) for d in complaint.deadlines.all()]


def _action_endpoint(action: str, schema: type[ActionIn]) -> None:
    def endpoint(request: HttpRequest, number: str, payload: schema) -> ComplaintOut:  # type: ignore[valid-type]
        principal: Principal = request.auth  # type: ignore[attr-defined]
        complaint = run_action(principal, number, action, payload)
        return complaint_out(principal, complaint)

    endpoint.__name__ = f"action_{action}"
    router.post(
        f"/complaints/{{number}}/actions/{action}", response={200: ComplaintOut, **ERRORS},
        summary=f"Action: {action}", operation_id=f"action_{action}", tags=["actions"],
    )(endpoint)


for _action, _schema in ACTION_SCHEMAS.items():
    _action_endpoint(_action, _schema)


