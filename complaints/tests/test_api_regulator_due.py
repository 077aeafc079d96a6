"""API v1 takes the regulator's own deadline on a complaint it transferred, as the regulator's
file does: a date alone ends at 24:00 local time, it may not precede receipt, it is refused on
a complaint the regulator did not transfer, and it starts the `regulator_due` clock."""

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from complaints.models import Complaint
from complaints.tests.test_api import create, errors_of, key_client

pytestmark = pytest.mark.django_db
__all__ = ["key_client"]  # the fixture, used by name
TRANSFER = {"channel": "regulator", "source": "regulator_nfra", "external_ref": "NFRA-1"}


def _due(answer: Any) -> dict[str, Any]:
    return next(d for d in answer.json()["deadlines"] if d["obligation"] == "regulator_due")


def test_a_date_alone_is_due_at_the_end_of_that_day(key_client: Client) -> None:
    day = timezone.localdate() + dt.timedelta(days=5)
    answer = create(key_client, **TRANSFER, regulator_due=day.isoformat())
    assert answer.status_code == 201, answer.content
    due = dt.datetime.fromisoformat(_due(answer)["due_at"])
    assert (due.date(), due.time(), due.utcoffset()) == (day, dt.time(23, 59, 59),
                                                         dt.timedelta(hours=8))
    assert _due(answer)["status"] == "open"
    c = Complaint.objects.get(number=answer.json()["number"])
    deadline = c.deadlines.get(obligation="regulator_due")
    assert deadline.started_at == c.received_at and deadline.kind == "duty"
    assert c.events.get(type="register").payload["regulator_due"]


def test_a_time_with_its_offset_is_kept(key_client: Client) -> None:
    at = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
    answer = create(key_client, **{**TRANSFER, "source": "regulator_pboc"},
                    regulator_due=at.astimezone(dt.timezone(dt.timedelta(hours=8))).isoformat())
    assert answer.status_code == 201, answer.content
    assert dt.datetime.fromisoformat(_due(answer)["due_at"]) == at


@pytest.mark.parametrize(("change", "words"), [
    ({"source": "direct", "channel": "phone"}, ("监管转办", "transferred")),
    ({"received_at": "2026-11-01T10:00:00+08:00", "regulator_due": "2026-10-31"},
     ("早于收到时间", "before the complaint was received")),
    ({"regulator_due": "2026-02-30"}, ("不是有效的", "")),
    ({"regulator_due": "2026-12-01T10:00:00"}, ("时区", "")),
])
def test_a_bad_deadline_is_refused_naming_the_field(
        key_client: Client, change: dict[str, Any], words: tuple[str, str],
        settings: Any) -> None:
    settings.TOUSU_MAX_RECEIVED_AGE_DAYS = 10_000
    body = {**TRANSFER, "regulator_due": (timezone.localdate() + dt.timedelta(days=5))
            .isoformat(), **change}
    answer = create(key_client, **body)
    assert answer.status_code in (400, 422), answer.content
    message = errors_of(answer)["regulator_due"]
    assert all(w in message for w in words), message
    assert not Complaint.objects.exists()


def test_the_openapi_document_describes_the_regulators_deadline() -> None:
    schema = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]["ComplaintIn"]
    assert "24:00" in schema["properties"]["regulator_due"]["description"]
