"""Sustained load: a mix of intake, reads and actions at a constant rate against PostgreSQL.

A fresh PostgreSQL database (on the throwaway server of tools/services.sh) is migrated and given
HO > BJ, an API key on BJ (create + read) and a staff member holding manager and handler on HO,
signed in through a session made here. gunicorn serves it (2 sync workers, see LOAD_THREADS)
with Celery doing the background work when tousu/celery.py exists (1 worker, `-c 1`, on the Redis of
tools/services.sh, database 7), else in-process; `load_tasks_mode` says which.

The load is open loop: a scheduler releases request i at start + i / rate whatever the answers
do, and a pool of client threads sends them, so a slow server meets a growing queue instead of a
politely waiting client; latency is measured from the scheduled time (no coordinated omission).
Of every 10 requests, 4 register a complaint (POST, real texts, a unique Idempotency-Key), 4 read
(the list, a complaint, its events, in turn) and 2 act as staff. An action takes a complaint that
no other request holds and moves it one step (accept, assign, claim, then a contact, after which
it leaves the pool) with the version of its last answer, so no 409 is expected: every answer
other than 2xx counts as an error, as does a request not answered.

After a warm-up (LOAD_WARMUP_S, 30 s) at the same rate, the window (LOAD_SECONDS, 300 s) is
measured: `load_rps` is the 2xx answers to the window's requests over the window (or until the
last answer, when later), `load_p99_ms` their latency from the schedule, `load_error_rate` the
share of them that failed, went unanswered or were never sent (a saturated server leaves a queue
that the client gives up on DRAIN_S after the window), and `load_served_rps` what the server got
through over warm-up and window together, whatever the schedule asked (its capacity, when
saturated). During the window the resident memory (VmRSS) of the gunicorn workers and the
Celery worker processes is summed at its start, every 10 s, and at its end
(`load_rss_growth_mb`: end minus start). Other work on the host skews the figures (the load
generator runs on the same cores as the server); the 1-minute load average is recorded.
Environment: LOAD_RPS (200), LOAD_SECONDS (300), LOAD_WARMUP_S (30), LOAD_THREADS (gunicorn
threads per worker, 1: the sync worker; with gthread and 4 threads p99 was 148 against 108 ms at
50/s and 1,558 against 542 ms at 70/s, 60 s each, the same host: the GIL shared by 4 CPU-bound
threads lengthens every answer in a worker), LOAD_CLIENTS (client threads, 64), LOAD_TASKS
(celery | inprocess, to force one), PG_URL (the server, postgres://tousu@127.0.0.1:54329).
"""

import contextlib
import http.client
import io
import json
import os
import queue
import random
import secrets
import string
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import serving  # bench/ is on sys.path: this script runs from it
from intake_api import complaint_bodies

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = BENCH / "work" / "load"
VENV_BIN = ROOT / ".venv" / "bin"
PG_URL = os.environ.get("PG_URL", "postgres://tousu@127.0.0.1:54329").rstrip("/")
DB_NAME = "tousu_load"
# A Redis database of its own (7), so no other Celery worker on the server takes its tasks.
REDIS_URL = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:63799/7")
RATE = float(os.environ.get("LOAD_RPS", "200"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "300"))
WARMUP_S = int(os.environ.get("LOAD_WARMUP_S", "30"))
THREADS = int(os.environ.get("LOAD_THREADS", "1"))
CLIENTS = int(os.environ.get("LOAD_CLIENTS", "64"))
# gunicorn closes a keep-alive connection idle for 2 s (--keep-alive); the client opens a new
# one after IDLE_S rather than send on one the server may be closing.
IDLE_S = 1.0
DRAIN_S = 60  # the longest wait for answers still due once the schedule ends
RSS_EVERY_S = 10
API = "/api/v1/complaints"
STAFF = "bench-staff"
# 4 creates, 4 reads, 2 actions in every 10 requests, interleaved.
PATTERN = ["create", "read", "create", "read", "action",
           "create", "read", "create", "read", "action"]
READS = ["list", "detail", "events"]
STEPS = {"registered": "accept", "accepted": "assign", "assigned": "claim",
         "investigating": "contact"}


def tasks_mode() -> str:
    forced = os.environ.get("LOAD_TASKS", "")
    if forced:
        return forced
    return "celery" if (ROOT / "tousu" / "celery.py").exists() else "inprocess"


def server_env(mode: str) -> dict[str, str]:
    return {
        "TOUSU_VAR_DIR": str(WORK / "var"), "LOG_LEVEL": "WARNING", "TOUSU_TASKS": mode,
        "DEBUG": "false", "DJANGO_SETTINGS_MODULE": "tousu.settings",
        "DATABASE_URL": f"{PG_URL}/{DB_NAME}", "REDIS_URL": REDIS_URL,
        "CELERY_BROKER_URL": REDIS_URL,
    }


def fresh_database() -> None:
    pg = urlparse(PG_URL)
    args = ["-h", pg.hostname or "127.0.0.1", "-p", str(pg.port or 5432), "-U",
            pg.username or "tousu"]
    subprocess.run(["dropdb", *args, "--if-exists", "--force", DB_NAME], check=True,
                   capture_output=True, timeout=60)
    subprocess.run(["createdb", *args, DB_NAME], check=True, capture_output=True, timeout=60)


@dataclass(frozen=True)
class Credentials:
    token: str  # the API key: create + read
    cookie: str  # the staff session and CSRF cookies
    csrf: str


def prepare() -> Credentials:
    """Migrate, create HO > BJ, the API key and a signed-in staff member."""
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from org.models import OrgUnit, RoleGrant

    call_command("migrate", verbosity=0, interactive=False)
    head_office = OrgUnit.objects.create(code="HO", name="总行", kind="head_office")
    OrgUnit.objects.create(code="BJ", name="北京分行", kind="branch", parent=head_office)
    out = io.StringIO()
    call_command("create_api_key", "bench-load", scopes=["complaints:create", "complaints:read"],
                 unit="BJ", stdout=out, stderr=io.StringIO())
    user = get_user_model().objects.create_user(STAFF, password=None)
    for role in ("manager", "handler"):
        RoleGrant.objects.create(user=user, role=role, unit=head_office)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    return Credentials(token=out.getvalue().strip(),
                       cookie=f"sessionid={session.session_key}; csrftoken={csrf}", csrf=csrf)


# Resident memory, from /proc (psutil is not installed).

def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def rss_mb(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Watched:
    """The processes whose memory is followed: gunicorn's workers, the Celery worker's."""

    gunicorn_master: int
    celery_main: int | None

    def pids(self) -> dict[str, int]:
        named = {f"gunicorn worker {pid}": pid for pid in children(self.gunicorn_master)}
        if self.celery_main is not None:
            named[f"celery main {self.celery_main}"] = self.celery_main
            named |= {f"celery child {pid}": pid for pid in children(self.celery_main)}
        return named

    def sample(self) -> dict[str, float]:
        return {name: round(rss_mb(pid), 1) for name, pid in self.pids().items()}


@contextlib.contextmanager
def celery_worker(env: dict[str, str], enabled: bool) -> Iterator[int | None]:
    if not enabled:
        yield None
        return
    log = (WORK / "celery.log").open("a")
    cmd = [str(VENV_BIN / "celery"), "-A", "tousu", "worker", "-c", "1", "--loglevel",
           "WARNING", "-n", "bench-load@%h"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        time.sleep(3)
        if proc.poll() is not None:
            raise RuntimeError(f"the Celery worker stopped; see {WORK / 'celery.log'}")
        yield proc.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(timeout=5)
        log.close()


# The open-loop driver.

@dataclass
class Outcome:
    phase: str
    kind: str
    latency_s: float  # from the scheduled time to the end of the answer
    status: int  # 0: no answer (socket error, timeout); -1: never sent (the client gave up)


@dataclass
class Driver:
    port: int
    creds: Credentials
    bodies: list[str]
    outcomes: list[Outcome] = field(default_factory=list)
    pool: deque[dict[str, Any]] = field(default_factory=deque)  # complaints free to act on
    known: list[str] = field(default_factory=list)  # every complaint number, for reads
    lock: threading.Lock = field(default_factory=threading.Lock)
    jobs: queue.Queue[tuple[str, str, float, int] | None] = field(default_factory=queue.Queue)
    stop_at: float = float("inf")  # past it, queued requests are dropped (counted unanswered)
    seq: int = 0
    samples: dict[str, str] = field(default_factory=dict)  # one answer of each failing kind

    def headers(self, staff: bool = False) -> dict[str, str]:
        if staff:
            return {"Cookie": self.creds.cookie, "X-CSRFToken": self.creds.csrf,
                    "Content-Type": "application/json"}
        return {"Authorization": f"Bearer {self.creds.token}",
                "Content-Type": "application/json"}

    def request(self, conn: http.client.HTTPConnection, method: str, path: str,
                body: str | None, headers: dict[str, str]) -> tuple[int, bytes]:
        conn.request(method, path, body=body.encode() if body else None, headers=headers)
        response = conn.getresponse()
        data = response.read()
        if not 200 <= response.status < 300:
            self.samples.setdefault(f"{response.status} {method} {path.split('/')[-1][:20]}",
                                    data[:300].decode(errors="replace"))
        return response.status, data

    def create(self, conn: http.client.HTTPConnection, n: int, tag: str) -> int:
        headers = {**self.headers(), "Idempotency-Key": f"load-{tag}-{n}"}
        status, data = self.request(conn, "POST", API, self.bodies[n % len(self.bodies)],
                                    headers)
        if status in (200, 201):
            c = json.loads(data)
            with self.lock:
                self.known.append(c["number"])
                self.pool.append({"number": c["number"], "version": c["version"],
                                  "state": c["state"], "unit": c["unit"]})
        return status

    def read(self, conn: http.client.HTTPConnection, n: int) -> int:
        which = READS[(n // 10) % len(READS)]
        with self.lock:
            number = random.choice(self.known) if self.known else ""  # noqa: S311
        if which == "list" or not number:
            path = f"{API}?page_size=20&page={1 + n % 3}"
        elif which == "detail":
            path = f"{API}/{number}"
        else:
            path = f"{API}/{number}/events"
        return self.request(conn, "GET", path, None, self.headers())[0]

    def act(self, conn: http.client.HTTPConnection) -> int:
        with self.lock:
            c = self.pool.popleft() if self.pool else None
        if c is None:
            return -1  # nothing to act on: counted as an error
        action = STEPS[c["state"]]
        payload: dict[str, Any] = {"version": c["version"]}
        if action == "assign":
            payload |= {"unit": c["unit"], "handler": STAFF}
        elif action == "contact":
            payload |= {"kind": "call", "summary": "已电话联系客户，说明处理进度。"}
        status, data = self.request(conn, "POST", f"{API}/{c['number']}/actions/{action}",
                                    json.dumps(payload, ensure_ascii=False),
                                    self.headers(staff=True))
        if status == 200:
            answer = json.loads(data)
            if answer["state"] in STEPS and action != "contact":
                with self.lock:
                    self.pool.append({**c, "version": answer["version"],
                                      "state": answer["state"]})
        return status

    def client(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        used = time.monotonic()
        while (job := self.jobs.get()) is not None:
            phase, kind, due, n = job
            if time.monotonic() - used > IDLE_S:  # gunicorn may have closed it: never reuse
                conn.close()
            if time.monotonic() > self.stop_at:
                self.record(Outcome(phase, kind, time.monotonic() - due, -1))
                continue
            try:
                if kind == "create":
                    status = self.create(conn, n, phase)
                elif kind == "read":
                    status = self.read(conn, n)
                else:
                    status = self.act(conn)
            except (OSError, http.client.HTTPException, ValueError, KeyError) as exc:
                status = 0
                self.samples.setdefault(f"0 {type(exc).__name__}", str(exc)[:300])
                conn.close()
            used = time.monotonic()
            self.record(Outcome(phase, kind, used - due, status))
        conn.close()

    def record(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)

    def schedule(self, phase: str, seconds: float) -> tuple[float, float]:
        """Release RATE requests a second for `seconds`; returns the start and end times."""
        start = time.monotonic()
        total = int(seconds * RATE)
        for i in range(total):
            due = start + i / RATE
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.jobs.put((phase, PATTERN[self.seq % len(PATTERN)], due, self.seq))
            self.seq += 1
        return start, start + total / RATE


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def summarise(outcomes: list[Outcome], seconds: float) -> dict[str, Any]:
    ok = [o for o in outcomes if 200 <= o.status < 300]
    latencies = [o.latency_s * 1000 for o in outcomes]
    names = {0: "no answer", -1: "never sent"}
    statuses = Counter(names.get(o.status, str(o.status)) for o in outcomes
                       if not 200 <= o.status < 300)
    by_kind = {}
    for kind in ("create", "read", "action"):
        mine = [o.latency_s * 1000 for o in outcomes if o.kind == kind]
        by_kind[kind] = {"n": len(mine), "p50_ms": round(percentile(mine, 50), 1),
                         "p99_ms": round(percentile(mine, 99), 1)}
    return {
        "sent": len(outcomes), "ok": len(ok), "errors": len(outcomes) - len(ok),
        "rps": len(ok) / seconds if seconds else 0.0,
        "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
        "max_ms": max(latencies, default=0.0), "statuses": dict(statuses), "by_kind": by_kind,
    }


def drive(port: int, creds: Credentials, watched: Watched) -> dict[str, Any]:
    bodies = complaint_bodies(3000)
    driver = Driver(port, creds, bodies)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for n in range(40):  # something to read and act on from the first second
        status = driver.create(conn, n, "seed")
        if status not in (200, 201):
            raise RuntimeError(f"seeding failed with {status}")
    conn.close()
    clients = [threading.Thread(target=driver.client, daemon=True) for _ in range(CLIENTS)]
    for t in clients:
        t.start()
    print(f"  warm-up {WARMUP_S} s at {RATE:g}/s", flush=True)
    warm_start, _ = driver.schedule("warm", WARMUP_S)
    rss: list[tuple[float, dict[str, float]]] = []
    done = threading.Event()

    def sampler() -> None:
        started = time.monotonic()
        while True:
            rss.append((round(time.monotonic() - started, 1), watched.sample()))
            if done.wait(RSS_EVERY_S):
                return

    print(f"  measuring {SECONDS} s at {RATE:g}/s", flush=True)
    sampling = threading.Thread(target=sampler, daemon=True)
    sampling.start()
    start, end = driver.schedule("load", SECONDS)
    driver.stop_at = end + DRAIN_S
    for _ in clients:
        driver.jobs.put(None)
    for t in clients:
        t.join(timeout=max(1.0, driver.stop_at + 35 - time.monotonic()))
    finished = time.monotonic()
    done.set()
    sampling.join()
    rss.append((round(finished - start, 1), watched.sample()))
    with driver.lock:
        measured = [o for o in driver.outcomes if o.phase == "load"]
        warm = [o for o in driver.outcomes if o.phase == "warm"]
    expected = int(SECONDS * RATE)
    lost = expected - len(measured)  # still unanswered when the clients were given up on
    measured += [Outcome("load", "lost", float(finished - start), -1)] * max(lost, 0)
    answered = sum(1 for o in driver.outcomes if o.status > 0)
    figures = summarise(measured, max(finished - start, float(SECONDS)))
    figures["warm"] = summarise(warm, float(WARMUP_S))
    # What the server got through, whatever the schedule: answers (any status) over the whole
    # run, warm-up included; under saturation the capacity on this host.
    figures["served_rps"] = answered / (finished - warm_start)
    figures["rss"] = rss
    figures["complaints"] = len(driver.known)
    figures["samples"] = driver.samples
    return figures


def run() -> dict[str, Any]:
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "var").mkdir(exist_ok=True)
    serving.triage_model(WORK / "var")
    mode = tasks_mode()
    env = server_env(mode)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    load_1m = os.getloadavg()[0]
    print(f"Host load before: {load_1m:.2f} (1 min) on {os.cpu_count()} CPUs; tasks: {mode}",
          flush=True)
    fresh_database()
    import django

    django.setup()
    creds = prepare()
    from django.db import connections

    connections.close_all()
    pidfile = WORK / "gunicorn.pid"
    pidfile.unlink(missing_ok=True)
    label = ("gunicorn --workers 2 sync" if THREADS == 1
             else f"gunicorn --workers 2 gthread --threads {THREADS}")
    with celery_worker(env, mode == "celery") as celery_pid, \
            serving.serve(env, WORK / "gunicorn.log", THREADS,
                          ("--pid", str(pidfile))) as port:
        for _ in range(50):
            if pidfile.exists() and pidfile.read_text().strip():
                break
            time.sleep(0.1)
        watched = Watched(int(pidfile.read_text()), celery_pid)
        figures = drive(port, creds, watched)
    load_after = os.getloadavg()[0]
    rss = figures["rss"]
    start_mb, end_mb = sum(rss[0][1].values()), sum(rss[-1][1].values())
    print(f"  {figures['ok']}/{figures['sent']} ok, {figures['rps']:.1f}/s, p50 "
          f"{figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms, errors "
          f"{figures['errors']} {figures['statuses']}; RSS {start_mb:.1f} -> {end_mb:.1f} MB; "
          f"served {figures['served_rps']:.1f}/s over warm-up and window",
          flush=True)
    print(f"  by kind: {json.dumps(figures['by_kind'])}", flush=True)
    for what, body in figures["samples"].items():
        print(f"  failed: {what}: {body}", flush=True)
    print(f"  warm-up: {figures['warm']['ok']}/{figures['warm']['sent']} ok, p99 "
          f"{figures['warm']['p99_ms']:.1f} ms; host load after {load_after:.2f}", flush=True)
    return {
        "load_rps": round(figures["rps"], 1),
        "load_served_rps": round(figures["served_rps"], 1),
        "load_target_rps": RATE,
        "load_seconds": SECONDS,
        "load_error_rate": round(figures["errors"] / max(figures["sent"], 1), 5),
        "load_errors_by_status": figures["statuses"],
        "load_p50_ms": round(figures["p50_ms"], 1),
        "load_p99_ms": round(figures["p99_ms"], 1),
        "load_max_ms": round(figures["max_ms"], 1),
        "load_by_kind": figures["by_kind"],
        "load_rss_start_mb": round(start_mb, 1),
        "load_rss_end_mb": round(end_mb, 1),
        "load_rss_growth_mb": round(end_mb - start_mb, 1),
        "load_rss_series_mb": [[t, round(sum(s.values()), 1)] for t, s in rss],
        "load_tasks_mode": mode,
        "load_server": f"{label}, PostgreSQL" + (", 1 Celery worker -c 1" if mode == "celery"
                                                  else ", tasks in-process"),
        "load_host_load_1m": [round(load_1m, 2), round(load_after, 2)],
    }


if __name__ == "__main__":
    print(json.dumps(run(), sort_keys=True, ensure_ascii=False))
