"""Clocks benchmark: one deadline sweep over 1,000,000 open deadlines, and deadline computation.

`sweep_1m_s`: a throwaway SQLite database under bench/work/clocks gets a small bank (head office,
branches, sub-branches, their managers and consumer-protection officer) and 1,000,000 open
complaints, each with an open decision deadline, written with raw bulk inserts (for the benchmark
only). 1% are past due (to be breached and escalated up the tree) and 1% fall inside the warning
lead times; the rest are due later. One sweep is timed, its work checked (every due deadline
breached or warned exactly once, the right number of notices queued), and a second, idle sweep is
timed too. The query plans of the candidate queries must use the (status, due_at) index.

`deadline_compute_per_s`: registration-time deadline computation (the installation's cn pack: the
rows a new complaint gets, unsaved) for receipts spread over two years; the other packs beside it.

Runs in a child process (its own settings and database); `python bench/clocks.py` runs it alone
and merges the figures into bench/results.json; `bench/run.py` runs it (`--figures`) with the
other benchmarks. About 20 s.
"""

import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if __name__ == "__main__":
    # bench/ must not shadow the `clocks` app of the project.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
    sys.path.insert(0, str(ROOT))

WORK = BENCH / "work" / "clocks"
RESULTS = BENCH / "results.json"
N_DEADLINES = int(os.environ.get("BENCH_SWEEP_N", "1000000"))
DUE_SHARE, WARN_SHARE = 0.01, 0.01
N_COMPUTE = 20_000
NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


def child_env() -> dict[str, str]:
    return {**os.environ, "TOUSU_VAR_DIR": str(WORK / "var"), "TOUSU_TASKS": "manual",
            "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "tousu.settings",
            "TOUSU_RULE_PACK": "cn", "TOUSU_DEADLINE_WARNINGS": "3d,1d"}


def run() -> dict[str, Any]:
    """Run the benchmark in a child process and return its figures."""
    shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "var").mkdir(parents=True)
    try:
        out = subprocess.run([sys.executable, str(BENCH / "clocks.py"), "--child"], cwd=ROOT,
                             env=child_env(), capture_output=True, text=True, timeout=900,
                             check=False)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    sys.stderr.write(out.stderr[-4000:])
    if out.returncode:
        raise RuntimeError(f"the clocks benchmark failed ({out.returncode})")
    figures: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


# The child ---------------------------------------------------------------------------------------

def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _insert_select(model: Any, instance: Any, computed: dict[str, str],
                   source: str) -> tuple[str, list[Any]]:
    """INSERT … SELECT for `model`: columns in `computed` take their SQL expression over
    `source`; every other column the value `instance` has, prepared for the database (so columns
    that other apps add are filled with their model defaults)."""
    from django.db import connection

    columns, select, params = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key and f.column not in computed:
            continue
        columns.append(f.column)
        if f.column in computed:
            select.append(computed[f.column])
        else:
            select.append("%s")
            params.append(f.get_db_prep_save(f.pre_save(instance, True), connection))
    sql = (f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "  # noqa: S608 (bench)
           f"SELECT {', '.join(select)} FROM {source}")
    return sql, params


def _bank() -> tuple[list[int], int]:
    """HO > 4 branches > 10 sub-branches each; a manager on every unit, a consumer-protection
    officer at head office. Returns the sub-branch ids and the customer id."""
    from django.contrib.auth import get_user_model

    from complaints.models import Customer
    from org.models import OrgUnit, RoleGrant

    users = get_user_model().objects
    ho = OrgUnit.objects.create(code="HO", name="总行", kind="head_office")
    cpo = users.create_user("cpo")
    RoleGrant.objects.create(user=cpo, role="consumer_protection", unit=ho)
    leaves = []
    for b in range(4):
        branch = OrgUnit.objects.create(code=f"B{b}", name=f"分行{b}", kind="branch", parent=ho)
        RoleGrant.objects.create(user=users.create_user(f"m{b}"), role="manager", unit=branch)
        for s in range(10):
            sub = OrgUnit.objects.create(code=f"B{b}S{s}", name=f"支行{b}-{s}",
                                         kind="sub_branch", parent=branch)
            RoleGrant.objects.create(user=users.create_user(f"m{b}-{s}"), role="manager",
                                     unit=sub)
            leaves.append(sub.pk)
    customer = Customer.objects.create(name="基准客户", phone="13800000000")
    return leaves, customer.pk


def generate(n: int) -> tuple[int, int]:
    """Write n complaints with one open decision deadline each, inside SQLite (a recursive
    series), in due order; returns how many are past due and how many inside the warning leads.
    Past due: spread over the 6 hours before NOW; warning: over the next 3 days; the rest over
    the 57 days after that."""
    from django.db import connection

    from clocks.models import Deadline
    from complaints.models import Complaint

    leaves, customer_id = _bank()
    n_due, n_warn = int(n * DUE_SHARE), int(n * WARN_SHARE)
    n_rest = n - n_due - n_warn
    now = int(NOW.timestamp())
    due = (f"CASE WHEN i <= {n_due} THEN {now} - 2 - ({n_due} - i) * 21600 / {n_due} "
           f"WHEN i <= {n_due + n_warn} THEN {now} + 60 + (i - {n_due}) * 259080 / {n_warn} "
           f"ELSE {now} + 262800 + (i - {n_due + n_warn}) * 4921200 / {n_rest} END")
    # Every number in these statements is computed here; none comes from outside.
    series = (f"WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq "  # noqa: S608
              f"WHERE i < {n}), d AS (SELECT i, {due} AS due FROM seq) ")
    when = "datetime({}, 'unixepoch')"
    received = when.format("due - 1296000")  # 15 days before the due time
    template = Complaint(number="x", channel="phone", received_at=NOW, registered_at=NOW,
                         customer_id=customer_id, unit_id=leaves[0], content="基准投诉",
                         created_by="bench", state="investigating")
    c_sql, c_params = _insert_select(Complaint, template, {
        "id": "i", "number": "'TS-B-' || printf('%%07d', i)",
        "received_at": received, "registered_at": received,
        "unit_id": f"(SELECT id FROM bench_leaf WHERE k = i %% {len(leaves)})",  # noqa: S608
    }, "d")
    deadline = Deadline(complaint_id=1, obligation="decision", rule_pack="cn", started_at=NOW,
                        due_at=NOW)
    d_sql, d_params = _insert_select(Deadline, deadline, {
        "id": "i", "complaint_id": "i", "started_at": received, "due_at": when.format("due"),
    }, "d")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # A throwaway database: no crash safety needed while it is written.
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA cache_size=-512000")
        # The complaints' own indexes and triggers (search, lists, reports) serve what a sweep
        # never reads, and the sweep never writes a complaint: in this throwaway database they
        # would only slow the writing down. The deadlines keep every index they have.
        cursor.execute("SELECT type, name FROM sqlite_master WHERE tbl_name = "
                       "'complaints_complaint' AND type IN ('trigger', 'index') "
                       "AND sql IS NOT NULL")
        for kind, name in cursor.fetchall():
            cursor.execute(f'DROP {kind.upper()} "{name}"')
        cursor.execute("CREATE TEMP TABLE bench_leaf (k INTEGER PRIMARY KEY, id INTEGER)")
        cursor.executemany("INSERT INTO bench_leaf VALUES (%s, %s)", list(enumerate(leaves)))
        cursor.execute("BEGIN")
        cursor.execute(series + c_sql, c_params)
        cursor.execute(series + d_sql, d_params)
        cursor.execute("COMMIT")
        cursor.execute("ANALYZE")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("PRAGMA synchronous=NORMAL")
    say(f"  generated {n:,} complaints and deadlines in {time.perf_counter() - started:.1f} s")
    return n_due, n_warn


def query_plans() -> list[str]:
    from django.db import connection

    from clocks.choices import DeadlineKind, DeadlineStatus
    from clocks.models import Deadline

    cut = NOW - dt.timedelta(seconds=1)
    queries = [
        Deadline.objects.filter(kind=DeadlineKind.DUTY, status=DeadlineStatus.OPEN,
                                due_at__lte=cut).values_list("pk", "complaint__unit__path"),
        Deadline.objects.filter(kind=DeadlineKind.DUTY, status=DeadlineStatus.OPEN,
                                due_at__gt=cut, due_at__lte=NOW + dt.timedelta(days=3),
                                warn_stage__lt=1).values_list("pk"),
    ]
    plans = []
    with connection.cursor() as cursor:
        for query in queries:
            sql, params = query.query.sql_with_params()
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plans.append(" | ".join(str(row[-1]) for row in cursor.fetchall()))
    return plans


def measure_sweep() -> dict[str, Any]:
    from clocks import sweeper
    from clocks.models import Deadline
    from notify.models import Notification

    n_due, n_warn = generate(N_DEADLINES)
    plans = query_plans()
    say("  plans: " + " || ".join(plans))
    uses_index = all("clocks_dead_status" in p and "SCAN clocks_deadline" not in p
                     for p in plans)
    started = time.perf_counter()
    result = sweeper.sweep(NOW)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    idle = sweeper.sweep(NOW)
    idle_s = time.perf_counter() - started
    breached = Deadline.objects.filter(status="breached").count()
    notices = Notification.objects.count()
    # Each breach reaches the sub-branch manager, the branch manager and the CPO; each warning
    # the sub-branch manager.
    exact = (result.breached == breached == n_due and result.warned == n_warn
             and notices == 3 * n_due + n_warn and idle.breached == idle.warned == 0)
    say(f"  sweep: {result.breached:,} breached, {result.warned:,} warned, {notices:,} notices "
        f"in {seconds:.2f} s; idle sweep {idle_s:.3f} s; exactly once: {exact}")
    return {
        "sweep_1m_s": round(seconds, 2),
        "sweep_1m_idle_s": round(idle_s, 3),
        "sweep_1m_open_deadlines": N_DEADLINES,
        "sweep_1m_breached": result.breached,
        "sweep_1m_warned": result.warned,
        "sweep_1m_notices": notices,
        "sweep_1m_exactly_once": exact,
        "sweep_1m_uses_index": uses_index,
    }


def measure_compute() -> dict[str, Any]:
    from django.conf import settings

    from clocks import packs, rules
    from clocks import service as clocks

    class Fake:  # what open_receipt_clocks reads of a complaint
        pk = 1

        def __init__(self, tags: list[str]) -> None:
            self.tags = tags

    rng = random.Random(5)  # noqa: S311 (reproducible data, not security)
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    receipts = [base + dt.timedelta(seconds=rng.randint(0, 2 * 365 * 86400))
                for _ in range(N_COMPUTE)]
    flags = {"cn": [], "cn-emergency": [], "uk-fca": ["payment_services"],
             "us-cfpb": ["reg_e", "reg_z"]}
    by_pack = {}
    for code, tags in flags.items():
        settings.TOUSU_RULE_PACK = code
        pack = packs.get(code)
        complaint = Fake(tags)
        started = time.perf_counter()
        for received in receipts:
            due = rules.decision_due(received, flags=complaint.tags)
            # What registration does, less the INSERT.
            [clocks._new(pack, rule, complaint.pk, received, due if rule.headline else None)
             for rule in pack.starting("receipt", frozenset(complaint.tags))]
        by_pack[code] = round(N_COMPUTE / (time.perf_counter() - started))
    settings.TOUSU_RULE_PACK = "cn"
    say(f"  deadline computation per second: {by_pack}")
    return {"deadline_compute_per_s": by_pack["cn"], "deadline_compute_per_s_by_pack": by_pack}


def child() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    say(f"Clocks: {N_DEADLINES:,} open deadlines, {DUE_SHARE:.0%} due, "
        f"{WARN_SHARE:.0%} within the warning leads")
    load_1m = os.getloadavg()[0]  # other work on the host skews every figure below
    figures = {**measure_compute(), **measure_sweep(), "clocks_host_load_1m": round(load_1m, 2)}
    print(json.dumps(figures), flush=True)


def main() -> int:
    figures = run()
    results: dict[str, object] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.update(figures)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    print(json.dumps(figures, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    elif "--figures" in sys.argv:  # for bench/run.py, which merges them
        print(json.dumps(run()), flush=True)
    else:
        sys.exit(main())
