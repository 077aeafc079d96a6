"""Workspace pages benchmark: the staff complaint list (/) and a full-text search (/?q=...)
served over HTTP with 1,000,000 complaints in SQLite (`list_page_p50_ms`, `list_page_p99_ms`,
`search_p50_ms`, `search_p99_ms`; targets 200 ms p99 for the list, 300 ms p99 for search).

A throwaway database under bench/work/pages gets 91 org units and 1,000,000 complaints with
real texts (黑猫 and CFPB), written with raw bulk inserts while the FTS5 triggers are dropped;
the triggers are then recreated and the trigram index rebuilt in one pass. The database is kept
and reused while the generator is unchanged (BENCH_FRESH=1 makes a new one). gunicorn (2 sync
workers) serves it on loopback; a few client threads (http.client) send a bounded number of
requests with the session cookie of a manager granted on the head office.

Run by bench/run.py in its own process.
"""

import contextlib
import csv
import http.client
import importlib
import json
import os
import random
import shutil
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

import serving  # bench/ is on sys.path: this script runs from it

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / "work" / "pages"
VENV_BIN = ROOT / ".venv" / "bin"
DATA = Path(os.environ.get("TOUSU_DATA_DIR", str(ROOT.parent / "shared" / "data")))
N = int(os.environ.get("BENCH_PAGES_N", "1000000"))
GENERATOR = f"v1-{N}"
# One client thread per gunicorn worker by default: latency at full use, not queueing behind an
# overloaded server (BENCH_PAGES_THREADS=4 shows that).
REQUESTS, WARM = 200, 20
THREADS = int(os.environ.get("BENCH_PAGES_THREADS", "2"))
CHUNK = 50_000
LIST_P99_MS, SEARCH_P99_MS = 200.0, 300.0
# Search terms of 3+ characters (the trigram index answers them): common and rare, both languages.
TERMS = ["信用卡", "年费", "未经同意", "催收电话", "征信记录", "理财产品", "credit report",
         "debt collection", "mortgage", "unauthorized charge", "overdraft fee", "identity theft"]
TERMS = [t for t in TERMS if all(len(w) >= 3 for w in t.split())]


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _env() -> dict[str, str]:
    return {"TOUSU_VAR_DIR": str(WORK / "var"), "LOG_LEVEL": "WARNING",
            "TOUSU_TASKS": "manual", "DEBUG": "false", "DJANGO_SETTINGS_MODULE": "tousu.settings"}


def _setup() -> None:
    if str(BENCH) in sys.path:
        sys.path.remove(str(BENCH))
    sys.path.insert(0, str(ROOT))
    os.environ.update(_env())
    import django

    django.setup()


def _texts(rng: random.Random) -> list[tuple[str, str]]:
    """(content, claim) pairs from the shared real complaints, half Chinese, half English."""
    with (DATA / "zh_heimao" / "complaint_type_6_train.csv").open(encoding="utf-8") as f:
        zh = [row["text"].strip()[:300] for row in csv.DictReader(f) if row["text"].strip()]
    with (DATA / "cfpb" / "ziyuyan9_complaints_sample.csv").open(encoding="utf-8") as f:
        en = [t[:300] for row in csv.DictReader(f)
              if (t := row["Consumer complaint narrative"].strip())]
    zh_claims = ["退还相关费用并书面道歉", "停止违规催收", "核实并更正征信记录", "协商分期还款"]
    en_claims = ["Refund the fees charged", "Correct my credit report", "Stop the calls"]
    pool = [(t, rng.choice(zh_claims)) for t in zh[:20000]]
    pool += [(t, rng.choice(en_claims)) for t in en[:20000]]
    rng.shuffle(pool)
    return pool


def generate() -> None:
    """Units, a manager on the head office, N complaints; the FTS index rebuilt once after."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction

    from complaints.models import Complaint, Customer
    from org.models import OrgUnit, RoleGrant

    fts = importlib.import_module("workspace.migrations.0001_complaint_fts")
    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(20261122)  # noqa: S311 (reproducible test data, not secrets)
    head = OrgUnit.objects.create(code="HO", name="总行", kind="head_office")
    leaves = []
    for b in range(10):
        branch = OrgUnit.objects.create(code=f"B{b:02d}", name=f"分行{b}", kind="branch",
                                        parent=head)
        for s in range(8):
            leaves.append(OrgUnit.objects.create(code=f"B{b:02d}S{s}", name=f"支行{b}-{s}",
                                                 kind="sub_branch", parent=branch).pk)
    customers = [Customer.objects.create(name=f"客户{i}", phone=f"138{i:08d}").pk
                 for i in range(200)]
    user = get_user_model().objects.create_user("bench-manager")
    RoleGrant.objects.create(user=user, role="manager", unit=head)

    fields = [f for f in Complaint._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    now = dt.datetime.now(dt.UTC)
    template_obj = Complaint(number="", channel="phone", received_at=now, registered_at=now,
                             customer_id=customers[0], unit_id=leaves[0], content="",
                             created_by="bench")
    template = [f.get_db_prep_save(f.pre_save(template_obj, True), connection) for f in fields]
    at = {c: i for i, c in enumerate(columns)}
    q = connection.ops.quote_name
    insert = (f"INSERT INTO {q(Complaint._meta.db_table)} "  # noqa: S608 (names from the models)
              f"({', '.join(q(c) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))})")
    texts = _texts(rng)
    channels = ["phone", "counter", "web", "mobile", "letter", "email", "regulator"]
    states = ["closed", "withdrawn", "declined", "investigating", "responded", "follow_up",
              "registered", "accepted", "assigned"]
    st_w = [70, 5, 3, 8, 3, 3, 3, 2, 3]
    zone = ZoneInfo("Asia/Shanghai")
    first = dt.datetime(2024, 11, 1, tzinfo=zone)
    span_s = int((dt.datetime(2026, 11, 1, tzinfo=zone) - first).total_seconds())
    with connection.cursor() as cursor:
        for sql in fts.DROP[:3]:  # the triggers only: one rebuild after the load is far faster
            cursor.execute(sql)
    for start in range(0, N, CHUNK):
        rows = []
        for i in range(start, min(N, start + CHUNK)):
            received = first + dt.timedelta(seconds=rng.randrange(span_s))
            content, claim = texts[i % len(texts)]
            row = list(template)
            row[at["number"]] = f"TS-{received:%Y%m%d}-{i + 1:07d}"
            row[at["received_at"]] = row[at["registered_at"]] = received.isoformat()
            row[at["unit_id"]] = rng.choice(leaves)
            row[at["customer_id"]] = rng.choice(customers)
            row[at["content"]], row[at["claim"]] = content, claim
            row[at["channel"]] = rng.choice(channels)
            row[at["state"]] = rng.choices(states, st_w)[0]
            row[at["severity"]] = rng.choice(["normal"] * 8 + ["complex", "major"])
            row[at["idempotency_key"]] = ""
            rows.append(row)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(insert, rows)
        _log(f"  {start + len(rows)} complaints ({time.monotonic() - started:.0f} s)")
    with connection.cursor() as cursor:
        for sql in fts.CREATE:  # the triggers again, then INSERT ... VALUES('rebuild')
            cursor.execute(sql)
        _log(f"  FTS index rebuilt ({time.monotonic() - started:.0f} s)")
        cursor.execute("ANALYZE")
    (WORK / "generate_s").write_text(f"{time.monotonic() - started:.1f}")
    (WORK / "generator").write_text(GENERATOR)


def session_cookie() -> str:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-manager"))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def serve() -> contextlib.AbstractContextManager[int]:
    """gunicorn, 2 sync workers, on loopback until the block ends; yields its port."""
    return serving.serve(_env(), WORK / "gunicorn.log", extra=("--timeout", "120"))


def load(port: int, cookie: str, paths: list[str], n: int) -> tuple[list[float], int]:
    """`n` GETs spread over THREADS keep-alive connections; latencies (ms) of 200 answers and the
    count of the others."""
    todo = iter(range(n))
    lock = threading.Lock()
    times: list[float] = []
    errors = [0]

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                i = next(todo, None)
            if i is None:
                break
            started = time.perf_counter()
            try:
                conn.request("GET", paths[i % len(paths)], headers={"Cookie": cookie})
                response = conn.getresponse()
                body = response.read()
                ok = response.status == 200 and b"<table" in body
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                ok = False
            ms = (time.perf_counter() - started) * 1000
            with lock:
                if ok:
                    times.append(ms)
                else:
                    errors[0] += 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, errors[0]


def _pct(times: list[float], p: float) -> float:
    if not times:
        return float("nan")
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure() -> dict[str, Any]:
    from django.db import connection

    from complaints.models import Complaint

    cookie = session_cookie()
    count = Complaint.objects.count()
    list_paths = ["/", "/?page=2", "/?sort=received", "/?state=investigating", "/?page=20"]
    search_paths = [f"/?q={urllib.parse.quote(t)}" for t in TERMS]
    figures: dict[str, Any] = {}
    with serve() as port:
        for name, paths in (("list_page", list_paths), ("search", search_paths)):
            load(port, cookie, paths, WARM)
            times, errors = load(port, cookie, paths, REQUESTS)
            _log(f"  {name}: {len(times)} ok, {errors} errors, p50 {_pct(times, 50):.1f} ms, "
                 f"p99 {_pct(times, 99):.1f} ms, max {max(times, default=0):.1f} ms")
            figures[f"{name}_p50_ms"] = round(_pct(times, 50), 1)
            figures[f"{name}_p99_ms"] = round(_pct(times, 99), 1)
            figures[f"{name}_errors"] = errors
            figures[f"{name}_mean_ms"] = round(statistics.fmean(times), 1) if times else None
    took = WORK / "generate_s"
    figures.update({
        "pages_complaints": count,
        "pages_requests_per_measure": REQUESTS,
        "pages_client_threads": THREADS,
        "pages_server": "gunicorn --workers 2 sync",
        "pages_db": f"SQLite {connection.Database.sqlite_version}",
        "pages_list_target_met": figures["list_page_p99_ms"] <= LIST_P99_MS,
        "pages_search_target_met": figures["search_p99_ms"] <= SEARCH_P99_MS,
        "pages_generate_s": float(took.read_text()) if took.exists() else None,
        "pages_host_load_1m": round(os.getloadavg()[0], 2),
    })
    return figures


def main() -> int:
    fresh = os.environ.get("BENCH_FRESH") == "1"
    marker = WORK / "generator"
    reuse = not fresh and marker.exists() and marker.read_text() == GENERATOR
    if not reuse:
        shutil.rmtree(WORK, ignore_errors=True)
        (WORK / "var").mkdir(parents=True)
    _setup()
    if reuse:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)  # new migrations since
    else:
        _log(f"Generating {N} complaints in {WORK} …")
        generate()
    figures = measure()
    _log(json.dumps(figures, indent=2, ensure_ascii=False))
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
