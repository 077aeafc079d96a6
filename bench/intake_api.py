"""Intake benchmark: complaints registered per second through POST /api/v1/complaints.

The app runs under gunicorn (2 workers) on loopback with SQLite in a throwaway bench/work/intake
directory and in-process notification delivery; wrk (bench/intake.lua) drives it with real
complaint texts from the shared data. A short screening run picks the server configuration and
client concurrency with the best rate at p99 < 100 ms, which then runs for 30 s. Afterwards the
audit chains are verified and the stored complaints counted against the 2xx answers, and one
request is profiled in-process (bench/profile_intake.txt).
"""

import contextlib
import cProfile
import csv
import io
import json
import os
import pstats
import random
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import serving  # bench/ is on sys.path: this script runs from it

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = BENCH / "work" / "intake"
DB, TEMPLATE = WORK / "var" / "tousu.sqlite3", WORK / "template.sqlite3"
VENV_BIN = ROOT / ".venv" / "bin"
DATA = Path(os.environ.get("TOUSU_DATA_DIR", str(ROOT.parent / "shared" / "data")))
API_PATH = "/api/v1/complaints"
WINDOW_S, SCREEN_S, WARM_S, MARGIN_S = 30, 8, 2, 3
P99_LIMIT_MS = 100.0
# (threads per gunicorn worker, 1 meaning the sync worker; concurrent wrk connections)
CANDIDATES = [(1, 2), (1, 4), (2, 4), (4, 4), (4, 8), (8, 8), (8, 16)]
N_BODIES, N_PROFILE = 3000, 200  # distinct real texts: real intake rarely repeats one
CLAIMS = {
    "zh-Hans": ["退还相关费用并书面道歉", "停止违规催收", "核实并更正征信记录", "协商分期还款"],
    "en": ["Refund the fees charged", "Correct my credit report", "Stop the collection calls"],
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超"
ENGLISH = ["James Smith", "Maria Garcia", "Robert Johnson", "Linda Brown", "David Miller"]


@dataclass(frozen=True)
class Load:
    """What wrk measured over one window."""

    sent: int
    ok: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float

    @property
    def per_s(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.sent - self.ok  # non-2xx answers and requests lost to socket errors


def server_label(threads: int) -> str:
    worker = "sync" if threads == 1 else f"gthread --threads {threads}"
    return f"gunicorn --workers 2 {worker}"


def server_env() -> dict[str, str]:
    return {
        "TOUSU_VAR_DIR": str(WORK / "var"), "LOG_LEVEL": "WARNING", "TOUSU_TASKS": "inprocess",
        "DEBUG": "false", "DJANGO_SETTINGS_MODULE": "tousu.settings",
    }


def complaint_bodies(n: int, seed: int = 20240601) -> list[str]:
    """Request bodies made from real complaints: half Chinese (黑猫), half English (CFPB); each
    seed gives other customers (phone numbers) and another draw of texts."""
    with (DATA / "zh_heimao" / "complaint_type_6_train.csv").open(encoding="utf-8") as f:
        zh = [row["text"] for row in csv.DictReader(f) if row["text"].strip()]
    with (DATA / "cfpb" / "ziyuyan9_complaints_sample.csv").open(encoding="utf-8") as f:
        en = [t for row in csv.DictReader(f) if (t := row["Consumer complaint narrative"].strip())]
    rng = random.Random(seed)  # noqa: S311 (reproducible test data, not secrets)
    bodies = []
    for i in range(n):
        lang = "zh-Hans" if i % 2 == 0 else "en"
        text = rng.choice(zh if lang == "zh-Hans" else en)[:2000]
        zh_name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        name = zh_name if lang == "zh-Hans" else rng.choice(ENGLISH)
        body = {
            "channel": "phone",
            "customer": {"name": name, "phone": f"138{rng.randrange(10**8):08d}", "language": lang},
            "content": text, "claim": rng.choice(CLAIMS[lang]),
            "amount": f"{rng.uniform(10, 20_000):.2f}",
        }
        bodies.append(json.dumps(body, ensure_ascii=False))
    return bodies


def prepare() -> str:
    """Migrate a fresh database, create HO > BJ and an API key for BJ; returns the key."""
    from django.core.management import call_command
    from django.db import connection

    from org.models import OrgUnit

    call_command("migrate", verbosity=0, interactive=False)
    head_office = OrgUnit.objects.create(code="HO", name="总行", kind="head_office")
    OrgUnit.objects.create(code="BJ", name="北京分行", kind="branch", parent=head_office)
    out = io.StringIO()
    call_command("create_api_key", "bench", scopes=["complaints:create", "complaints:read"],
                 unit="BJ", stdout=out, stderr=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(TEMPLATE)])
    return out.getvalue().strip()


def reset_db() -> None:
    """Every measured run starts from the same prepared, empty database."""
    from django.db import connections

    connections.close_all()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
    shutil.copy(TEMPLATE, DB)


def ensure_wrk() -> str:
    if not shutil.which("wrk"):
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        if subprocess.run(install, capture_output=True, check=False, timeout=300).returncode:
            update = ["apt-get", "update", "-q"]
            subprocess.run(update, capture_output=True, check=True, timeout=300)
            subprocess.run(install, capture_output=True, check=True, timeout=300)
    return shutil.which("wrk") or "wrk"


@contextlib.contextmanager
def serve(threads: int) -> Iterator[str]:
    """Run gunicorn until the block ends, even on failure; yields its base URL."""
    with serving.serve(server_env(), WORK / "gunicorn.log", threads) as port:
        yield f"http://127.0.0.1:{port}"


def load(wrk: str, url: str, token: str, tag: str, concurrency: int, window: int,
         authorization: str = "", bodies: Path | None = None) -> Load:
    """One wrk run; each of `concurrency` threads holds one connection. POSTs to `url` + API_PATH
    with `Bearer token`, or to `url` itself with `authorization` (the peer benchmark)."""
    target = url if authorization else url + API_PATH
    cmd = [wrk, f"-t{concurrency}", f"-c{concurrency}", f"-d{window + MARGIN_S}s", "-T10s",
           "--latency", "-s", str(BENCH / "intake.lua"), target, "--",
           str(bodies or WORK / "bodies.jsonl"), authorization or f"Bearer {token}", tag,
           str(window)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                         timeout=window + MARGIN_S + 30).stdout
    line = next((x for x in out.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result:\n{out}")
    r = json.loads(line.removeprefix("BENCH "))
    return Load(sent=r["sent"], ok=r["ok"], seconds=r["seconds"] or float(window),
                p50_ms=r["p50_us"] / 1000, p99_ms=r["p99_us"] / 1000, max_ms=r["max_us"] / 1000)


def measure(wrk: str, token: str, threads: int, concurrency: int, window: int,
            tag: str) -> tuple[Load, int]:
    """Warm a fresh server on a fresh database up, then load it for `window` s; returns the load
    and the number of complaints stored during it."""
    from complaints.models import Complaint

    reset_db()
    with serve(threads) as url:
        load(wrk, url, token, f"{tag}w", concurrency, WARM_S)
        before = Complaint.objects.count()
        result = load(wrk, url, token, tag, concurrency, window)
        stored = Complaint.objects.count() - before
    print(f"  {server_label(threads):38} c={concurrency:<3} {result.per_s:7.1f}/s  "
          f"p50 {result.p50_ms:6.1f} ms  p99 {result.p99_ms:7.1f} ms  errors {result.errors}",
          flush=True)
    return result, stored


def verify_audit() -> bool:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = io.StringIO()
    try:
        call_command("verify_audit", stdout=out)
    except CommandError as exc:
        print(f"  verify_audit: {exc}", flush=True)
        return False
    print(f"  verify_audit: {out.getvalue().strip()}", flush=True)
    return True


def profile(token: str, bodies: list[str]) -> tuple[float, float]:
    """Profile the POST in-process and write bench/profile_intake.txt; returns the SQL queries
    and the milliseconds (unprofiled) of one request."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from complaints.models import Complaint
    from notify.outbox import deliver_due

    settings.TOUSU_TASKS = "manual"  # deliveries are measured on their own below
    stored = Complaint.objects.count()
    client = Client(headers={"Authorization": f"Bearer {token}"})
    seq = iter(range(10**9))

    def post() -> None:
        i = next(seq)
        response = client.post(API_PATH, data=bodies[i % len(bodies)],
                               content_type="application/json",
                               headers={"Idempotency-Key": f"profile-{i}"})
        assert response.status_code == 201, response.content[:300]

    for _ in range(20):
        post()
    with CaptureQueriesContext(connection) as one:
        post()
    one_sql = [q["sql"] for q in one.captured_queries]  # read now: the log is reset later
    with CaptureQueriesContext(connection) as many:
        for _ in range(10):
            post()
    queries = len(many) / 10
    started = time.perf_counter()
    for _ in range(100):
        post()
    ms = (time.perf_counter() - started) * 10
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(N_PROFILE):
        post()
    profiler.disable()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as delivery:
        sent = deliver_due(limit=200)
    deliver_ms = (time.perf_counter() - started) * 1000 / max(sent, 1)

    kinds = Counter(sql.split(None, 1)[0].upper() for sql in one_sql)
    lines = [
        "Intake: POST /api/v1/complaints in-process (Django test Client, DEBUG off, SQLite WAL,",
        "TOUSU_TASKS=manual: the acknowledgement is only queued; its delivery is measured below).",
        f"Database: the final run's, {stored} complaints when profiling started.",
        f"Unprofiled: {ms:.2f} ms per request (100 requests, one thread).",
        f"SQL per request: {queries:g} ({', '.join(f'{k} {n}' for k, n in kinds.most_common())})",
        f"Outbox delivery (deliver_due, console SMS): {deliver_ms:.2f} ms and "
        f"{len(delivery) / max(sent, 1):.2f} queries per notification ({sent} sent).",
        "", "Queries of one request:",
        *(f"  {sql[:150]}" for sql in one_sql),
        "", f"cProfile, {N_PROFILE} requests after warm-up, top 40 by cumulative time:",
    ]
    project = re.escape(str(ROOT)) + r"/(?!\.venv|bench)"
    for title, sort, restrictions in (
        ("", "cumulative", (40,)),
        ("Project code only, by cumulative time:", "cumulative", (project, 30)),
        ("Top 25 by own (tottime) time:", "tottime", (25,)),
    ):
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats(sort).print_stats(*restrictions)
        text = buf.getvalue().replace(str(ROOT / ".venv" / "lib"), "")
        lines += [title, text.replace(str(ROOT) + "/", "")] if title else [text]
    (BENCH / "profile_intake.txt").write_text("\n".join(lines))
    return queries, ms


def run() -> dict[str, Any]:
    shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "var").mkdir(parents=True)
    serving.triage_model(WORK / "var")
    os.environ.update(server_env())
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from complaints.models import Complaint
    from notify.models import Notification, Status

    load_1m = os.getloadavg()[0]  # other work on the host skews every figure below
    print(f"Host load before: {load_1m:.2f} (1 min) on {os.cpu_count()} CPUs", flush=True)
    wrk = ensure_wrk()
    token = prepare()
    bodies = complaint_bodies(N_BODIES)
    (WORK / "bodies.jsonl").write_text("\n".join(bodies) + "\n", encoding="utf-8")

    print(f"Screening ({SCREEN_S} s each):", flush=True)
    screening = {}
    for threads, conc in CANDIDATES:
        result, _ = measure(wrk, token, threads, conc, SCREEN_S, f"s{threads}c{conc}")
        screening[(threads, conc)] = result
    fits = [k for k, r in screening.items() if r.p99_ms < P99_LIMIT_MS and not r.errors]
    if fits:  # the best rate within the latency target, else the nearest to the target
        threads, conc = max(fits, key=lambda k: screening[k].per_s)
    else:
        threads, conc = min(screening, key=lambda k: screening[k].p99_ms)
        print(f"  no configuration kept p99 under {P99_LIMIT_MS:g} ms", flush=True)
    print(f"Final ({WINDOW_S} s):", flush=True)
    final, stored = measure(wrk, token, threads, conc, WINDOW_S, "final")
    audit_ok = verify_audit()
    backlog = Notification.objects.filter(status=Status.PENDING).count()
    print(f"  stored {stored} complaints for {final.ok} 2xx answers; "
          f"{Complaint.objects.count()} in all; outbox backlog {backlog}", flush=True)
    queries, inprocess_ms = profile(token, bodies)
    print(f"Profile: {queries:g} queries and {inprocess_ms:.2f} ms per request in-process; "
          f"see bench/profile_intake.txt", flush=True)
    shutil.rmtree(WORK, ignore_errors=True)
    return {
        "intake_per_s": round(final.per_s, 1),
        "intake_p50_ms": round(final.p50_ms, 1),
        "intake_p99_ms": round(final.p99_ms, 1),
        "intake_errors": final.errors,
        "intake_concurrency": conc,
        "intake_server": server_label(threads),
        "intake_stored_matches": audit_ok and stored == final.ok,
        "intake_queries_per_request": queries,
        "intake_inprocess_ms": round(inprocess_ms, 2),
        "intake_host_load_1m": round(load_1m, 2),
        "intake_screening": {
            f"{server_label(t)} c={c}": {"per_s": round(r.per_s, 1), "p99_ms": round(r.p99_ms, 1)}
            for (t, c), r in screening.items()
        },
    }


if __name__ == "__main__":
    print(json.dumps(run(), sort_keys=True, ensure_ascii=False))
