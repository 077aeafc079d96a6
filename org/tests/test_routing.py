"""Routing rules in order with a fallback; handler assignment; unclaimed work orders return."""

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from complaints.action_schemas import ACTION_SCHEMAS
from complaints.actions import run_action
from complaints.actions.system import return_unclaimed
from notify.models import Notification
from org.models import RoleGrant, RoutingRule

pytestmark = pytest.mark.django_db


def test_the_first_matching_rule_wins_and_a_catch_all_is_the_fallback(cast: Any,
                                                                     register: Any) -> None:
    RoutingRule.objects.create(order=10, name="cards to BJ02", product_contains="信用卡",
                               target=cast.bj02)
    RoutingRule.objects.create(order=20, name="Shanghai accounts", account_branch=cast.sh,
                               target=cast.sh01)
    RoutingRule.objects.create(order=30, name="loans", code="B03", target=cast.bj)
    RoutingRule.objects.create(order=99, name="fallback", target=cast.ho)
    assert register(product="信用卡年费").unit == cast.bj02
    assert register(product="存款", account_branch="SH01").unit == cast.sh01
    assert register(product="房贷", codes={"business": "B03"}).unit == cast.bj
    assert register(product="存款").unit == cast.ho
    routed = register(product="信用卡", account_branch="SH01")
    assert routed.unit == cast.bj02 and routed.account_branch == cast.sh01


def test_without_rules_the_named_unit_answers(cast: Any, register: Any) -> None:
    assert register(unit="BJ01").unit == cast.bj01
    RoutingRule.objects.create(order=1, name="inactive", target=cast.ho, active=False)
    assert register(unit="BJ01").unit == cast.bj01


def test_an_unknown_account_branch_is_named(cast: Any, register: Any) -> None:
    from complaints.errors import ActionError

    with pytest.raises(ActionError) as refused:
        register(account_branch="NOPE")
    assert refused.value.errors[0][0] == "account_branch"


def _handlers(cast: Any, n: int) -> list[Any]:
    users = []
    for i in range(n):
        user = get_user_model().objects.create_user(f"h{i}")
        RoleGrant.objects.create(user=user, role="handler", unit=cast.bj02)
        users.append(user)
    return users


def _dispatch(cast: Any, register: Any, unit: str = "BJ02") -> Any:
    c = register()
    mia = cast.principal("max")
    run_action(mia, c.number, "accept", ACTION_SCHEMAS["accept"].model_validate({"version": 1}))
    return run_action(mia, c.number, "assign",
                      ACTION_SCHEMAS["assign"].model_validate({"version": 2, "unit": unit}))


def test_least_open_work_picks_the_least_busy_handler(cast: Any, register: Any) -> None:
    first, second = _handlers(cast, 2)
    assert _dispatch(cast, register).handler == first
    assert _dispatch(cast, register).handler == second
    assert _dispatch(cast, register).handler in {first, second}


def test_round_robin_takes_turns(cast: Any, register: Any) -> None:
    cast.bj02.assignment = "round_robin"
    cast.bj02.save()
    users = _handlers(cast, 3)
    picked = [_dispatch(cast, register).handler for _ in range(4)]
    assert picked == [users[0], users[1], users[2], users[0]]


def test_manual_units_leave_the_handler_to_the_manager(cast: Any, register: Any) -> None:
    cast.bj02.assignment = "manual"
    cast.bj02.save()
    _handlers(cast, 2)
    assert _dispatch(cast, register).handler is None


def test_the_staff_member_complained_about_is_never_picked(cast: Any, register: Any) -> None:
    _, second = _handlers(cast, 2)
    c = register(staff_complained_about="h0")
    mia = cast.principal("max")
    run_action(mia, c.number, "accept", ACTION_SCHEMAS["accept"].model_validate({"version": 1}))
    done = run_action(mia, c.number, "assign",
                      ACTION_SCHEMAS["assign"].model_validate({"version": 2, "unit": "BJ02"}))
    assert done.handler == second


def test_a_transfer_needs_a_reason_and_tells_the_receiving_manager(cast: Any,
                                                                   register: Any) -> None:
    from complaints.errors import ActionError

    manager_bj02 = get_user_model().objects.create_user("manager-bj02")
    RoleGrant.objects.create(user=manager_bj02, role="manager", unit=cast.bj02)
    c = _dispatch(cast, register, unit="BJ01")
    params = {"version": c.version, "unit": "BJ02"}
    with pytest.raises(ActionError) as refused:
        run_action(cast.principal("max"), c.number, "assign",
                   ACTION_SCHEMAS["assign"].model_validate(params))
    assert refused.value.errors[0][0] == "reason"
    moved = run_action(cast.principal("max"), c.number, "assign",
                       ACTION_SCHEMAS["assign"].model_validate({**params, "reason": "属地管辖"}))
    event = moved.events.order_by("-seq").first()
    assert event is not None and (event.payload["from_unit"], event.payload["unit"]) == (
        "BJ01", "BJ02")
    notice = Notification.objects.get(kind="transfer", user=manager_bj02)
    assert "BJ01 → BJ02" in notice.body


def test_an_unclaimed_work_order_goes_back_to_its_manager_once(cast: Any, register: Any) -> None:
    (handler,) = _handlers(cast, 1)
    manager_bj02 = get_user_model().objects.create_user("manager-bj02")
    RoleGrant.objects.create(user=manager_bj02, role="manager", unit=cast.bj02)
    c = _dispatch(cast, register)
    assert c.handler == handler
    now = timezone.now()
    assert return_unclaimed(now + dt.timedelta(minutes=239)) == 0
    assert return_unclaimed(now + dt.timedelta(minutes=241)) == 1
    assert return_unclaimed(now + dt.timedelta(minutes=300)) == 0
    c.refresh_from_db()
    assert c.handler is None and c.state == "assigned"
    assert c.events.order_by("-seq").first().type == "return_unclaimed"  # type: ignore[union-attr]
    assert Notification.objects.filter(kind="unclaimed", user=manager_bj02).count() == 1


def test_a_claimed_work_order_is_not_returned(cast: Any, register: Any) -> None:
    _handlers(cast, 1)
    c = _dispatch(cast, register)
    run_action(cast.principal("max"), c.number, "claim",
               ACTION_SCHEMAS["claim"].model_validate({"version": c.version}))
    assert return_unclaimed(timezone.now() + dt.timedelta(days=2)) == 0
