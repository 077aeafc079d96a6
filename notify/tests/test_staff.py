"""Staff notices: a major complaint reaches exactly the right people once; group robots get it
through the outbox (a real local HTTP server stands in for WeCom, DingTalk, Slack and Teams);
the daily bulletin's counts match the data."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from complaints.action_schemas import ACTION_SCHEMAS
from complaints.actions import run_action
from notify.bulletin import send_bulletins, unit_counts
from notify.models import Notification
from notify.outbox import deliver_due
from notify.webhooks import signed_url
from org.models import RoleGrant, Subscription

pytestmark = pytest.mark.django_db


def _user(name: str, role: str, unit: Any) -> Any:
    user = get_user_model().objects.create_user(name)
    RoleGrant.objects.create(user=user, role=role, unit=unit)
    return user


def test_a_major_complaint_tells_the_managers_up_to_the_branch_and_its_officer(
    cast: Any, register: Any
) -> None:
    cpo_bj = _user("cpo-bj", "consumer_protection", cast.bj)
    _user("manager-bj02", "manager", cast.bj02)  # another sub-branch: not told
    _user("cpo-sh", "consumer_protection", cast.sh)  # another branch: not told
    c = register(content="我要向12378投诉，并联系媒体曝光")
    assert c.severity == "major"
    told = set(Notification.objects.filter(kind="major").values_list("user__username",
                                                                      flat=True))
    assert told == {"mia", "max", cpo_bj.username}  # not cpo at head office, not the others
    c.refresh_from_db()
    run_action(cast.principal("mia"), c.number, "note",
               ACTION_SCHEMAS["note"].model_validate({"version": c.version, "text": "跟进"}))
    assert Notification.objects.filter(kind="major").count() == 3


def test_escalating_to_major_announces_it_once(cast: Any, register: Any) -> None:
    c = register()
    assert c.severity == "normal"
    escalate = ACTION_SCHEMAS["escalate"]
    run_action(cast.principal("alice"), c.number, "escalate",
               escalate.model_validate({"version": 1, "severity": "major", "reason": "媒体介入"}))
    assert set(Notification.objects.filter(kind="major").values_list(
        "user__username", flat=True)) == {"mia", "max"}


class Robot(BaseHTTPRequestHandler):
    received: list[tuple[str, dict[str, Any]]] = []
    answer = b'{"errcode": 0, "errmsg": "ok"}'

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        Robot.received.append((self.path, json.loads(self.rfile.read(length))))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(Robot.answer)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def robot(settings: Any) -> Any:
    settings.TOUSU_WEBHOOK_ALLOW_INTERNAL = True  # the robot listens on this machine
    Robot.received = []
    server = HTTPServer(("127.0.0.1", 0), Robot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_group_robots_get_major_complaints_once(cast: Any, register: Any, robot: str) -> None:
    for channel in ["wecom", "dingtalk", "slack", "teams"]:
        Subscription.objects.create(unit=cast.bj, event="major", channel=channel,
                                    webhook_url=f"{robot}/{channel}",
                                    secret="SEC123" if channel == "dingtalk" else "")
    Subscription.objects.create(unit=cast.sh, event="major", channel="slack",
                                webhook_url=f"{robot}/other-branch")
    register(content="已经找了律师准备起诉")
    deliver_due()
    deliver_due()
    paths = sorted(urlparse(p).path for p, _ in Robot.received)
    assert paths == ["/dingtalk", "/slack", "/teams", "/wecom"]
    bodies = {urlparse(p).path: b for p, b in Robot.received}
    assert bodies["/wecom"]["msgtype"] == "text"
    assert "重大投诉" in bodies["/wecom"]["text"]["content"]
    assert "重大投诉" in bodies["/slack"]["text"]
    dingtalk = next(p for p, _ in Robot.received if p.startswith("/dingtalk"))
    query = parse_qs(urlparse(dingtalk).query)
    assert signed_url("x", "SEC123", int(query["timestamp"][0])).endswith(
        "sign=" + query["sign"][0].replace("+", "%2B").replace("/", "%2F").replace("=", "%3D"))


def test_a_refusing_robot_is_retried_not_lost(cast: Any, register: Any, robot: str) -> None:
    Subscription.objects.create(unit=cast.bj01, event="major", channel="wecom",
                                webhook_url=f"{robot}/wecom")
    Robot.answer = b'{"errcode": 93000, "errmsg": "invalid webhook url"}'
    try:
        register(content="我要去法院起诉")
        deliver_due()
    finally:
        Robot.answer = b'{"errcode": 0, "errmsg": "ok"}'
    row = Notification.objects.get(channel="wecom")
    assert row.status == "pending" and "invalid webhook url" in row.last_error


def test_the_bulletin_counts_match_the_data(cast: Any, register: Any) -> None:
    from clocks.models import Deadline

    now = timezone.now()
    a, b, c = register(), register(), register(content="联系记者曝光")
    from complaints.models import Complaint

    Complaint.objects.filter(pk=register().pk).update(unit=cast.sh01)  # outside BJ
    Deadline.objects.filter(complaint=a).update(due_at=now - dt.timedelta(hours=1))
    Deadline.objects.filter(complaint=b).update(due_at=now + dt.timedelta(days=1))
    withdraw = ACTION_SCHEMAS["withdraw"].model_validate(
        {"version": c.version, "reason": "和解", "via": "phone"})
    run_action(cast.principal("agent"), c.number, "withdraw", withdraw)
    counts = unit_counts(cast.bj, now)
    assert (counts.new, counts.open, counts.overdue, counts.due_soon, counts.major) == (
        3, 2, 1, 1, 0)
    assert unit_counts(cast.ho, now).new == 4
    assert send_bulletins(now) == 6
    assert send_bulletins(now) == 6
    bulletins = Notification.objects.filter(kind="bulletin")
    assert set(bulletins.values_list("user__username", flat=True)) == {"mia", "max", "cpo"}
    assert bulletins.count() == 3
    assert "逾期" not in bulletins.get(user__username="max").body
    assert "overdue 1" in bulletins.get(user__username="max").body


def test_an_escalations_reason_reaches_staff_and_robots_masked(cast: Any, register: Any) -> None:
    Subscription.objects.create(unit=cast.bj01, event="escalation", channel="wecom",
                                webhook_url="https://robot.example/hook")
    c = register()
    c = run_action(cast.principal("mia"), c.number, "escalate", ACTION_SCHEMAS["escalate"]
                   .model_validate({"version": c.version, "severity": "complex",
                                    "reason": "客户13912345678再次来电，情绪激动"}))
    sent = Notification.objects.filter(kind="escalation")
    assert sent.filter(channel="wecom").exists()
    for n in sent:
        assert "13912345678" not in n.body + n.subject and "139****5678" in n.body
