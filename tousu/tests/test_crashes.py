"""A worker killed with SIGKILL — in the middle of sending a notification, in the middle of a
deadline sweep — loses nothing and repeats nothing once work resumes (a group-chat robot's
notice cut off mid-post is flagged for a person to check instead of posted again). The worker
is a real process running the same functions a Celery task or the in-process runner calls."""

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from clocks import sweeper
from clocks.models import Deadline
from notify import outbox
from notify.models import Notification
from tousu.envconf import database_url

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


class Gateway(BaseHTTPRequestHandler):
    """An SMS provider (real ones deliver a client_ref once however often it is sent) that
    records every request; the first is held until the test has killed the sender."""

    received: list[str] = []
    first = threading.Event()
    release = threading.Event()

    def do_POST(self) -> None:
        ref = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["client_ref"]
        Gateway.received.append(ref)
        if len(Gateway.received) == 1:
            Gateway.first.set()
            Gateway.release.wait(30)  # the sender dies while we hold its request
        body = json.dumps({"id": f"gw-{ref}"}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def gateway(settings: Any) -> Iterator[str]:
    Gateway.received = []
    Gateway.first, Gateway.release = threading.Event(), threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    settings.TOUSU_SMS_GATEWAY, settings.TOUSU_SMS_GATEWAY_URL = "http", url
    settings.TOUSU_SMS_GATEWAY_SECRET = "s3cret"
    yield url
    Gateway.release.set()
    server.shutdown()


def _worker(script: str, url: str = "", **extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tousu.settings", "TOUSU_TASKS": "manual",
           "DATABASE_URL": database_url(connection.settings_dict),
           "TOUSU_SMS_GATEWAY": "http", "TOUSU_SMS_GATEWAY_URL": url,
           "TOUSU_SMS_GATEWAY_SECRET": "s3cret", **extra}
    return subprocess.Popen([sys.executable, "-c", "import django; django.setup()\n" + script],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_worker_killed_while_sending_loses_and_repeats_no_notification(
        register: Any, gateway: str, monkeypatch: Any) -> None:
    for _ in range(5):
        register()
    assert Notification.objects.filter(status="pending", channel="sms").count() == 5
    worker = _worker("from notify.outbox import deliver_due\ndeliver_due()", gateway)
    assert Gateway.first.wait(60), worker.stderr.read().decode() if worker.stderr else ""
    worker.send_signal(signal.SIGKILL)
    assert worker.wait(30) == -signal.SIGKILL
    Gateway.release.set()
    # The dead worker's claim is stale after STALE_CLAIM; a restarted worker takes it over.
    assert Notification.objects.filter(status="sending").exists()
    monkeypatch.setattr(outbox, "STALE_CLAIM", dt.timedelta(0))
    outbox.deliver_due()
    rows = Notification.objects.filter(channel="sms")
    assert set(rows.values_list("status", flat=True)) == {"sent"}
    refs = set(rows.values_list("dedupe_key", flat=True))
    assert {row.proof for row in rows} == {f"http:gw-{ref}" for ref in refs}
    # Every notification reached the provider under its own client_ref; only the send cut off
    # by the kill was repeated, with the same client_ref, so the provider delivers it once.
    interrupted = Gateway.received[0]
    assert set(Gateway.received) == refs
    assert Counter(Gateway.received) == Counter({**dict.fromkeys(refs, 1), interrupted: 2})


class Robot(BaseHTTPRequestHandler):
    """A group-chat robot (no idempotency key: it shows every post) that holds the first post
    until the test has killed the sender."""

    received: list[str] = []
    first = threading.Event()
    release = threading.Event()

    def do_POST(self) -> None:
        Robot.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                              ["text"])
        if len(Robot.received) == 1:
            Robot.first.set()
            Robot.release.wait(30)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        pass


def test_a_worker_killed_while_posting_to_a_robot_never_posts_twice(
        settings: Any, monkeypatch: Any) -> None:
    settings.TOUSU_WEBHOOK_ALLOW_INTERNAL = True  # the robot listens on this machine
    Robot.received, Robot.first, Robot.release = [], threading.Event(), threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Robot)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    for key in ["first", "second"]:
        outbox.enqueue(kind="major", channel="slack", address=url, subject=key, body=key,
                       dedupe_key=key)
    worker = _worker("from notify.outbox import deliver_due\ndeliver_due()",
                     TOUSU_WEBHOOK_ALLOW_INTERNAL="true")
    try:
        assert Robot.first.wait(60), worker.stderr.read().decode() if worker.stderr else ""
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(30) == -signal.SIGKILL
        Robot.release.set()
        monkeypatch.setattr(outbox, "STALE_CLAIM", dt.timedelta(0))
        outbox.deliver_due()
    finally:
        Robot.release.set()
        server.shutdown()
    cut_off = Robot.received[0]
    assert sorted(Robot.received) == ["first", "second"]  # each posted once
    rows = {row.dedupe_key: row for row in Notification.objects.all()}
    assert rows[cut_off].status == "failed" and rows[cut_off].last_error == outbox.UNCERTAIN
    assert {row.status for key, row in rows.items() if key != cut_off} == {"sent"}


def test_a_sweeper_killed_mid_run_warns_and_escalates_each_deadline_once(
        register: Any) -> None:
    now = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
    complaints = [register() for _ in range(4)]
    Deadline.objects.filter(complaint__in=complaints, obligation="decision").update(
        due_at=now - dt.timedelta(hours=1))
    script = (
        "import datetime as dt, os, signal\n"
        "from clocks import sweeper\n"
        "sweeper.enqueue_many = lambda rows: os.kill(os.getpid(), signal.SIGKILL)\n"
        f"sweeper.sweep(dt.datetime.fromisoformat({now.isoformat()!r}))\n"
    )
    worker = _worker(script)
    assert worker.wait(120) == -signal.SIGKILL, worker.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
    assert not Deadline.objects.filter(status="breached").exists()  # its claims rolled back
    assert sweeper.sweep(now).breached == 4
    assert sweeper.sweep(now).breached == 0
    breaches = Notification.objects.filter(kind="breach")
    assert breaches.count() == breaches.values("dedupe_key").distinct().count() == 4 * 3
