"""Deactivation leaves nothing behind: a key of an inactive unit is refused like a staff grant on
one; a unit is not deactivated while it has active units inside it or open complaints; a staff
member deactivated in the admin hands their open work orders back to their units' queues."""

import json
from typing import Any

import pytest
from django.test import Client

from complaints.action_schemas import ACTION_SCHEMAS
from complaints.actions import run_action
from complaints.audit import first_broken_link
from conftest import admin_client
from notify.models import Notification
from org.keys import issue_key
from org.models import OrgUnit, RoleGrant

pytestmark = pytest.mark.django_db


def _unit_form(unit: OrgUnit, **changes: Any) -> dict[str, Any]:
    data = {"code": unit.code, "name": unit.name, "kind": unit.kind,
            "parent": unit.parent_id or "", "approval_limit": unit.approval_limit,
            "senior_approval_limit": unit.senior_approval_limit,
            "assignment": unit.assignment, "claim_minutes": unit.claim_minutes}
    if unit.active:
        data["active"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_key_of_a_deactivated_unit_is_refused(cast: Any, register: Any) -> None:
    number = register(unit="BJ01").number
    _, token = issue_key("bj01-app", ["complaints:read", "complaints:act"], cast.bj01)
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get(f"/api/v1/complaints/{number}").status_code == 200  # now cached
    cast.bj01.active = False
    cast.bj01.save()
    assert client.get(f"/api/v1/complaints/{number}").status_code == 401
    note = client.post(f"/api/v1/complaints/{number}/actions/note",
                       data=json.dumps({"version": 1, "text": "from the app"}),
                       content_type="application/json")
    assert note.status_code == 401
    assert not cast.bj01.complaints.get().events.filter(type="note").exists()


def test_a_unit_with_active_sub_units_is_not_deactivated(cast: Any) -> None:
    page = admin_client().post(f"/admin/org/orgunit/{cast.bj.pk}/change/",
                                _unit_form(cast.bj, active=None))
    assert page.status_code == 200
    assert "2 active unit(s) are still inside this unit" in page.content.decode()
    cast.bj.refresh_from_db()
    assert cast.bj.active


def test_a_unit_holding_open_complaints_is_not_deactivated(cast: Any, register: Any) -> None:
    register(unit="BJ01")
    register(unit="BJ01")
    closed = register(unit="BJ01")
    run_action(cast.principal("max"), closed.number, "decline",
               ACTION_SCHEMAS["decline"].model_validate({"version": 1, "reason": "not_a_complaint",
                                                   "detail": "咨询"}))
    client = admin_client()
    page = client.post(f"/admin/org/orgunit/{cast.bj01.pk}/change/",
                       _unit_form(cast.bj01, active=None))
    assert page.status_code == 200
    assert "This unit still holds 2 open complaint(s)" in page.content.decode()
    cast.bj01.refresh_from_db()
    assert cast.bj01.active
    # An empty leaf may go; its name can still be edited afterwards.
    sh01 = cast.sh01
    assert client.post(f"/admin/org/orgunit/{sh01.pk}/change/",
                       _unit_form(sh01, active=None)).status_code == 302
    sh01.refresh_from_db()
    assert not sh01.active
    assert client.post(f"/admin/org/orgunit/{sh01.pk}/change/",
                       _unit_form(sh01, name="浦东")).status_code == 302


def _held_by(cast: Any, register: Any, handler: str, claim: bool) -> Any:
    c = register(unit="BJ01")
    max_ = cast.principal("max")
    run_action(max_, c.number, "accept", ACTION_SCHEMAS["accept"].model_validate({"version": 1}))
    c = run_action(max_, c.number, "assign", ACTION_SCHEMAS["assign"].model_validate(
        {"version": 2, "unit": "BJ01", "handler": handler}))
    if claim:
        c = run_action(cast.principal(handler), c.number, "claim",
                       ACTION_SCHEMAS["claim"].model_validate({"version": c.version}))
    return c


def _user_form(user: Any, active: bool) -> dict[str, Any]:
    data = {"username": user.username, "first_name": "", "last_name": "", "email": "",
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S")}
    if active:
        data["is_active"] = "on"
    return data


def test_deactivating_a_handler_returns_their_open_work_to_the_queue(cast: Any,
                                                                      register: Any) -> None:
    alice = cast.users["alice"]
    waiting = _held_by(cast, register, "alice", claim=False)
    working = _held_by(cast, register, "alice", claim=True)
    client = admin_client()
    page = client.post(f"/admin/auth/user/{alice.pk}/change/", _user_form(alice, False),
                       follow=True)
    assert page.status_code == 200
    assert "2 open complaint(s) held by alice went back" in page.content.decode()
    alice.refresh_from_db()
    assert not alice.is_active
    for before in (waiting, working):
        c = type(before).objects.get(pk=before.pk)
        assert c.handler is None and c.state == before.state
        assert c.version == before.version + 1
        event = c.events.order_by("-seq").first()
        assert event.type == "release_handler" and event.actor_label == "staff:boss"
        assert event.payload["handler"] == "alice"
        assert first_broken_link(c) is None
        assert Notification.objects.filter(kind="work_order", user=cast.users["mia"],
                                           complaint=c, body__contains="alice").exists()
    # Saving the inactive account again releases nothing more.
    assert client.post(f"/admin/auth/user/{alice.pk}/change/",
                       _user_form(alice, False)).status_code == 302
    assert not Notification.objects.filter(kind="work_order", body__contains="deactivated")\
        .exclude(user=cast.users["mia"]).exists()
    assert Notification.objects.filter(kind="work_order", body__contains="deactivated").count() \
        == 2


def test_a_handler_with_no_open_work_is_deactivated_quietly(cast: Any) -> None:
    bob = cast.users["bob"]
    page = admin_client().post(f"/admin/auth/user/{bob.pk}/change/", _user_form(bob, False),
                                follow=True)
    assert page.status_code == 200
    assert "went back" not in page.content.decode()
    bob.refresh_from_db()
    assert not bob.is_active
    assert RoleGrant.objects.filter(user=bob).exists()
