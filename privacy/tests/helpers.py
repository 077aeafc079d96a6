"""Shared steps of the privacy tests."""

import datetime as dt
from typing import Any

from complaints.models import Complaint


def act(cast: Any, who: str, number: str, action: str, **fields: Any) -> Complaint:
    from complaints.action_schemas import ACTION_SCHEMAS
    from complaints.actions import run_action

    version = Complaint.objects.get(number=number).version
    params = ACTION_SCHEMAS[action].model_validate({"version": version, **fields})
    return run_action(cast.principal(who), number, action, params)


def close_long_ago(cast: Any, complaint: Complaint, years: float = 4) -> Complaint:
    """Withdraw the complaint, then move its closure (and retention date) into the past, as if
    it had ended `years` ago."""
    act(cast, "alice", complaint.number, "withdraw", reason="客户已自行解决", via="phone")
    closed = dt.datetime.now(dt.UTC) - dt.timedelta(days=int(365.25 * years))
    Complaint.objects.filter(pk=complaint.pk).update(
        closed_at=closed, retention_until=(closed + dt.timedelta(days=3 * 366)).date())
    return Complaint.objects.get(pk=complaint.pk)


def id_number(serial: int) -> str:
    """A resident ID number (GB 11643) with a valid check digit."""
    body = f"11010519491231{serial % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]
