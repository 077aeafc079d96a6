"""Resuming a paused clock tells the customer, with the new due date: the pause notice promised
it."""

from typing import Any

import pytest

from clocks import service as clocks
from complaints.tests.helpers import act, investigating
from notify.models import Notification

pytestmark = pytest.mark.django_db


def test_resuming_the_clock_tells_the_customer_the_new_date(cast: Any, register: Any) -> None:
    c = investigating(cast, register())
    c = act(cast, "alice", c, "pause", reason="mediation", detail="双方调解中")
    c = act(cast, "alice", c, "resume")
    notice = Notification.objects.get(complaint=c, kind="resume_notice")
    due = clocks.local_due(c.deadlines.get(obligation="decision")).date()
    assert f"{due:%Y年%m月%d日}" in notice.body and "恢复处理" in notice.body
    assert c.events.get(type="resume").payload["notified_by"] == "sms"
