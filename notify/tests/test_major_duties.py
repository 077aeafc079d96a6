"""A major complaint that moves to another branch reaches that branch's people, and only once."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from complaints.tests.helpers import act
from notify.models import Notification
from org.models import RoleGrant
from reports import rebuild
from reports.models import Fact

pytestmark = pytest.mark.django_db


def _user(name: str, role: str, unit: Any) -> Any:
    user = get_user_model().objects.create_user(name)
    RoleGrant.objects.create(user=user, role=role, unit=unit)
    return user


def _told() -> list[str]:
    return sorted(Notification.objects.filter(kind="major")
                  .values_list("user__username", flat=True))


def test_a_major_complaint_transferred_to_another_branch_reaches_its_officers(
    cast: Any, register: Any
) -> None:
    _user("cpo-sh", "consumer_protection", cast.sh)
    _user("manager-sh", "manager", cast.sh)
    _user("manager-sh01", "manager", cast.sh01)
    c = register(content="我要向12378投诉，并联系媒体曝光")
    assert c.severity == "major"
    assert _told() == ["max", "mia"]
    c = act(cast, "cpo", c, "accept")
    c = act(cast, "cpo", c, "assign", unit="SH01", handler="bob", reason="属地管理")
    assert _told() == ["cpo-sh", "manager-sh", "manager-sh01", "max", "mia"]
    c = act(cast, "cpo", c, "assign", unit="BJ01", handler="alice", reason="退回")
    assert _told() == ["cpo-sh", "manager-sh", "manager-sh01", "max", "mia"]  # none twice


def test_a_transferred_normal_complaint_is_no_major_notice(cast: Any, register: Any) -> None:
    _user("cpo-sh", "consumer_protection", cast.sh)
    c = register()
    c = act(cast, "cpo", c, "accept")
    act(cast, "cpo", c, "assign", unit="SH01", handler="bob", reason="属地管理")
    assert _told() == []


def test_merging_a_major_complaint_keeps_the_primary_major_and_on_the_board(
    cast: Any, register: Any
) -> None:
    _user("cpo-bj", "consumer_protection", cast.bj)
    primary = register()
    duplicate = register(content="同一笔扣费，我已向12378投诉")
    assert (primary.severity, duplicate.severity) == ("normal", "major")
    act(cast, "mia", duplicate, "merge", into=primary.number)
    primary.refresh_from_db()
    assert primary.severity == "major"
    assert primary.events.filter(type="escalate").exists()  # on its timeline, not silent
    board = cast.client("cpo").get("/major/").content.decode()
    assert primary.number in board
    told = Notification.objects.filter(kind="major", complaint_id=primary.pk)
    assert sorted(told.values_list("user__username", flat=True)) == ["cpo-bj", "max", "mia"]
    assert Fact.objects.get(pk=primary.pk).severity == "major"  # the statistics follow
    assert rebuild.check().ok
