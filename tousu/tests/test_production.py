"""The production profile against real servers, started here on their own ports (PostgreSQL,
Redis, gunicorn, a Celery worker with beat): a PostgreSQL outage gives clear 503s and no partial
complaint; a Redis outage keeps intake open and /healthz names it; the service recovers from
both without a manual step; a pg_dump/pg_restore round trip keeps every complaint and chain."""

import contextlib
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import complaint_body

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "tools" / "services.sh"
PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not PG_BIN or not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="runs in the PostgreSQL pass of make test"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Stack:
    """A throwaway PostgreSQL (tools/services.sh) and one gunicorn worker serving Tousu on it."""

    def __init__(self, where: Path) -> None:
        self.where = where
        self.pg_port, self.web_port, redis_port = _free_port(), _free_port(), _free_port()
        self.env = {
            **os.environ, "TOUSU_SERVICES_DIR": str(where), "TOUSU_PG_PORT": str(self.pg_port),
            "TOUSU_REDIS_PORT": str(redis_port), "TOUSU_TASKS": "celery",
            "DATABASE_URL": f"postgres://tousu@127.0.0.1:{self.pg_port}/tousu",
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0", "TOUSU_HEARTBEAT_S": "10",
            "DJANGO_SETTINGS_MODULE": "tousu.settings",
        }
        self.processes: list[subprocess.Popen[bytes]] = []

    def services(self, command: str) -> None:
        subprocess.run([str(SERVICES), command], env=self.env, check=True, cwd=ROOT,
                       capture_output=True, timeout=120)

    def manage(self, *args: str, db: str = "tousu") -> subprocess.CompletedProcess[str]:
        env = {**self.env, "DATABASE_URL": f"postgres://tousu@127.0.0.1:{self.pg_port}/{db}"}
        return subprocess.run([sys.executable, "manage.py", *args], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=300, check=True)

    def serve(self) -> None:
        bin_dir = Path(sys.executable).parent
        worker = shlex.join([
            str(bin_dir / "celery"), "-A", "tousu", "worker", "--beat", "-Q", "tousu,bulk",
            "--concurrency", "1", "--without-gossip", "--without-mingle",
            "--schedule", str(self.where / "beat-schedule")])
        for name, command in (
            ("gunicorn", [str(bin_dir / "gunicorn"), "tousu.wsgi", "--workers", "1",
                          "--bind", f"127.0.0.1:{self.web_port}"]),
            # Under a supervisor that restarts it, as in production (README): kombu's Redis
            # transport can fail while closing a lost connection, and the worker then exits.
            ("celery", ["bash", "-c", f"while :; do {worker}; sleep 1; done"]),
        ):
            self.processes.append(subprocess.Popen(
                command, env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL,
                stderr=(self.where / f"{name}.log").open("wb"), start_new_session=True))
        self.wait(lambda: self.health()[0] == 200, "the web server and the worker")

    def health(self) -> tuple[int, Any]:
        try:
            status, _, body = self.request("GET", "/healthz")
        except OSError:
            return 0, None
        return status, body

    @staticmethod
    def wait(condition: Callable[[], bool], what: str, timeout: float = 90,
             detail: Callable[[], object] = lambda: "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.5)
        raise AssertionError(f"timed out waiting for {what} {detail()}")

    def request(self, method: str, path: str, body: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.web_port}{path}", method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), json.loads(error.read() or b"null")

    def stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        subprocess.run([str(SERVICES), "stop"], env=self.env, cwd=ROOT, check=False,
                       capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    where = Path(tempfile.mkdtemp(prefix="tousu-outage-"))  # /tmp: the postgres user reaches it
    stack = Stack(where)
    try:
        stack.services("start")
        stack.manage("migrate", "--noinput", "-v0")
        stack.manage("shell", "--no-imports", "-c", "from org.models import OrgUnit; "
                     "ho = OrgUnit.objects.create(code='HO', name='总行', kind='head_office'); "
                     "OrgUnit.objects.create(code='BJ01', name='朝阳支行', kind='sub_branch', "
                     "parent=ho)")
        out = stack.manage("create_api_key", "cti", "--scopes", "complaints:create",
                           "complaints:read", "--unit", "HO").stdout
        stack.token = out.strip()
        stack.serve()
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(where, ignore_errors=True)


def _create(stack: Stack, key: str) -> tuple[int, dict[str, str], Any]:
    return stack.request("POST", "/api/v1/complaints", complaint_body(),
                         {"Authorization": f"Bearer {stack.token}", "Idempotency-Key": key})


def _count(stack: Stack) -> int:
    out = stack.manage("shell", "--no-imports", "-c", "from complaints.models import Complaint; "
                       "print(Complaint.objects.count())").stdout
    return int(out.strip())


def test_a_database_outage_is_a_clear_503_and_recovery_needs_no_one(stack: Stack) -> None:
    status, _, body = _create(stack, "before")
    assert status == 201, body
    stack.services("pg-stop")
    try:
        status, headers, body = _create(stack, "during")
        assert status == 503, body
        assert headers["Retry-After"] == "30"
        assert body["errors"][0]["code"] == "unavailable" and "不可用" in body["detail"]
        status, _, body = stack.request("GET", "/api/v1/complaints",
                                        headers={"Authorization": f"Bearer {stack.token}"})
        assert status == 503
    finally:
        stack.services("start")
    # The same request again, with no restart of the web server: accepted once.
    status, _, body = _create(stack, "during")
    assert status == 201, body
    assert _count(stack) == 2  # nothing half-written during the outage
    assert "OK: 2 complaint chains verified" in stack.manage("verify_audit").stdout


def test_a_redis_outage_keeps_intake_open_and_health_names_it(stack: Stack) -> None:
    assert stack.health()[0] == 200
    stack.services("redis-stop")
    try:
        status, _, body = _create(stack, "redis-down")
        assert status == 201, body  # stored; its acknowledgement waits in the outbox
        body_number = body["number"]
        status, body = stack.health()
        assert status == 503 and "redis" in body["failed"] and body["checks"]["database"] == "ok"
    finally:
        stack.services("start")
    # The web server reconnects by itself; the worker resumes (restarted by its supervisor if
    # it exited), so the heartbeat is fresh again and the outage's acknowledgement goes out.
    stack.wait(lambda: stack.health()[0] == 200, "the web server and the worker to recover",
               timeout=150, detail=stack.health)
    status, _, created = _create(stack, "redis-back")
    assert status == 201 and created["number"] != body_number
    assert _count(stack) >= 2
    sent = ("from notify.models import Notification; print(Notification.objects.filter("
            f"dedupe_key='acknowledgement:{body_number}:1', status='sent').count())")
    stack.wait(lambda: stack.manage("shell", "--no-imports", "-c", sent).stdout.strip() == "1",
               "the acknowledgement written during the outage to be sent", timeout=120)


def test_a_dump_restores_every_complaint_and_every_chain(stack: Stack) -> None:
    for i in range(3):
        assert _create(stack, f"backup-{i}")[0] == 201
    pg = PG_BIN[-1]
    dump = ROOT / "var" / f"backup-{os.getpid()}.dump"
    base = ["-h", "127.0.0.1", "-p", str(stack.pg_port), "-U", "tousu"]
    try:
        subprocess.run([str(pg / "pg_dump"), *base, "-Fc", "-f", str(dump), "tousu"],
                       check=True, timeout=120)
        subprocess.run([str(pg / "createdb"), *base, "restored"], check=True, timeout=60)
        subprocess.run([str(pg / "pg_restore"), *base, "-d", "restored", "--exit-on-error",
                        str(dump)], check=True, timeout=120)
    finally:
        dump.unlink(missing_ok=True)
    count = _count(stack)
    assert f"OK: {count} complaint chains verified" in stack.manage(
        "verify_audit", db="restored").stdout
    heads = ("from complaints.models import Complaint; print(sorted(Complaint.objects"
             ".values_list('number', 'last_event_seq', 'last_event_hash')))")
    original = stack.manage("shell", "--no-imports", "-c", heads).stdout
    copy = stack.manage("shell", "--no-imports", "-c", heads, db="restored").stdout
    assert original == copy and original.count("TS-") == count >= 3
