"""The scope matrix: every role, granted on the Beijing branch, against a complaint in its own
unit, a child unit, a sibling unit and the parent unit — list, detail, events, an action, and
the same through an integration key. Refusals are 404 (nothing leaks) or 403 (seen, not yours)."""

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from complaints.actions import register_complaint
from complaints.schemas import ComplaintIn
from conftest import complaint_body
from org.access import staff_principal
from org.keys import issue_key
from org.models import RoleGrant

pytestmark = pytest.mark.django_db

PLACES = {"own": "BJ", "child": "BJ01", "sibling": "SH", "parent": "HO"}
READERS = {"intake_agent", "handler", "manager", "consumer_protection", "auditor"}
WRITERS = {"intake_agent", "handler", "manager", "consumer_protection"}
ROLES = [*sorted(READERS), "administrator"]


def _complaint_in(cast: Any, unit: str) -> str:
    lead = get_user_model().objects.create_user(f"registrar-{unit}")
    RoleGrant.objects.create(user=lead, role="intake_agent", unit=cast.ho)
    body = complaint_body(unit=unit)
    return register_complaint(staff_principal(lead), ComplaintIn.model_validate(body),
                              idempotency_key=f"scope-{unit}", request_hash="x").complaint.number


def _expect(role: str, place: str) -> tuple[bool, bool]:
    """(may read, may write) for a role granted on BJ."""
    inside = place in {"own", "child"}
    return inside and role in READERS, inside and role in WRITERS


@pytest.mark.parametrize("place", list(PLACES))
@pytest.mark.parametrize("role", ROLES)
def test_staff_scope(cast: Any, role: str, place: str) -> None:
    number = _complaint_in(cast, PLACES[place])
    user = get_user_model().objects.create_user(f"{role}-on-bj")
    RoleGrant.objects.create(user=user, role=role, unit=cast.bj)
    client = Client()
    client.force_login(user)
    may_read, may_write = _expect(role, place)

    listed = [c["number"] for c in client.get("/api/v1/complaints").json()["results"]]
    assert (number in listed) is may_read
    assert client.get(f"/api/v1/complaints/{number}").status_code == (200 if may_read else 404)
    events = client.get(f"/api/v1/complaints/{number}/events")
    assert events.status_code == (200 if may_read else 404)
    page = client.get(f"/complaints/{number}/")
    assert page.status_code == (200 if may_read else 404)
    assert (number in client.get("/").content.decode()) is may_read
    note = client.post(f"/api/v1/complaints/{number}/actions/note",
                       data=json.dumps({"version": 1, "text": "scope check"}),
                       content_type="application/json")
    expected = 200 if may_write else (403 if may_read else 404)
    assert note.status_code == expected


@pytest.mark.parametrize("place", list(PLACES))
def test_integration_key_scope(cast: Any, place: str) -> None:
    number = _complaint_in(cast, PLACES[place])
    _, token = issue_key("bank-app", ["complaints:read", "complaints:act"], cast.bj)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    inside = place in {"own", "child"}
    assert client.get(f"/api/v1/complaints/{number}").status_code == (200 if inside else 404)
    note = client.post(f"/api/v1/complaints/{number}/actions/note",
                       data=json.dumps({"version": 1, "text": "from the app"}),
                       content_type="application/json")
    assert note.status_code == (200 if inside else 404)
    accept = client.post(f"/api/v1/complaints/{number}/actions/accept",
                         data=json.dumps({"version": 2 if inside else 1}),
                         content_type="application/json")
    assert accept.status_code == (403 if inside else 404)  # staff work, not the customer's


def test_a_key_without_the_read_scope_sees_nothing(cast: Any) -> None:
    number = _complaint_in(cast, "BJ01")
    _, token = issue_key("writer", ["complaints:create"], cast.bj)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get(f"/api/v1/complaints/{number}").status_code == 404
    assert client.get("/api/v1/complaints").json()["count"] == 0
