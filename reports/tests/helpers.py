"""Helpers of the reports tests: register complaints at chosen times and walk them through the
real actions."""

import datetime as dt
import json
from typing import Any

from django.utils import timezone

from complaints.action_schemas import ACTION_SCHEMAS
from complaints.actions import register_complaint, run_action
from complaints.actions.register import request_fingerprint
from complaints.models import Complaint
from complaints.schemas import ComplaintIn

NOTICE = {
    "decision": "upheld",
    "verification": "调取通话录音并核对账单。",
    "basis": "《信用卡章程》第十条。",
    "reasons": "年费收取未经客户同意。",
}
_keys = iter(range(1, 1_000_000))


def customer(n: int) -> dict[str, str]:
    """A distinct customer per n (no repeat signal between them)."""
    return {"name": f"客户{n}", "phone": f"1380000{n:04d}"}


def register(
    cast: Any,
    *,
    who: str = "agent",
    ago: dt.timedelta | None = None,
    at: dt.datetime | None = None,
    principal: Any = None,
    **overrides: Any,
) -> Complaint:
    body: dict[str, Any] = {
        "channel": "phone",
        "customer": customer(0),
        "unit": "BJ01",
        "product": "信用卡",
        "content": "信用卡年费被扣收。",
        "claim": "退还年费",
    }
    body.update(overrides)
    if ago is not None:
        body["received_at"] = (timezone.now() - ago).isoformat()
    if at is not None:
        body["received_at"] = at.isoformat()
    return register_complaint(
        principal or cast.principal(who),
        ComplaintIn.model_validate(body),
        idempotency_key=f"rep-{next(_keys)}",
        request_hash=request_fingerprint(json.dumps(body, default=str).encode()),
    ).complaint


def act(principal: Any, number: str, action: str, **fields: Any) -> Complaint:
    version = Complaint.objects.get(number=number).version
    params = ACTION_SCHEMAS[action].model_validate({"version": version, **fields})
    return run_action(principal, number, action, params)


def to_investigating(cast: Any, number: str) -> None:
    act(cast.principal("mia"), number, "accept")
    act(cast.principal("mia"), number, "assign", unit="BJ01", handler="alice")
    act(cast.principal("alice"), number, "claim")
