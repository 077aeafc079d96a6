"""Report benchmark: a quarterly statistics report by unit × business category × cause over
1,000,000 complaints in SQLite (`report_1m_ms`).

A throwaway database under bench/work/reports gets 91 org units and 1,000,000 complaints over
24 months, written with raw bulk inserts, and their rollup cells, made by the same code the
rollup hook runs (reports.rollups.Delta) from each complaint's facts. The report is then asked
for through the API (session-authenticated, JSON and xlsx) and through the report function.
The generated database is kept and reused while the generator is unchanged (BENCH_FRESH=1 makes
a new one). `report_10m_ms` needs PostgreSQL (a later issue) and is recorded as skipped.

Run by bench/run.py in its own process: this file's name is also the Django app's.
"""

import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = BENCH / "work" / "reports"
N = int(os.environ.get("BENCH_REPORT_N", "1000000"))
GENERATOR = f"v1-{N}"
QUARTER = "2026Q2"
RUNS = 5


def run() -> dict[str, Any]:
    """Run the benchmark in a child process and return its figures."""
    out = subprocess.run(
        [sys.executable, str(Path(__file__))],
        check=True,
        text=True,
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _setup() -> None:
    if str(BENCH) in sys.path:
        sys.path.remove(str(BENCH))  # `reports` must be the Django app, not this file
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        {
            "TOUSU_VAR_DIR": str(WORK / "var"),
            "LOG_LEVEL": "WARNING",
            "TOUSU_TASKS": "manual",
            "DJANGO_SETTINGS_MODULE": "tousu.settings",
        }
    )
    import django

    django.setup()


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _weights(n: int, rng: random.Random) -> list[float]:
    return [rng.paretovariate(1.2) for _ in range(n)]


def generate() -> None:
    """Units, one customer, N complaints and their rollup cells, with raw bulk inserts."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from django.core.management import call_command
    from django.db import connection, transaction

    from complaints.models import Complaint, Customer
    from org.models import OrgUnit
    from reports.choices import DIMS, MEASURES
    from reports.facts import Facts
    from reports.models import Spread, Tally
    from reports.rollups import SPREAD_KEY, TALLY_KEY, Delta
    from triage.codes import BUSINESS, CAUSE, CHANNEL

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(20261122)  # noqa: S311 (reproducible test data, not secrets)
    head = OrgUnit.objects.create(code="HO", name="总行", kind="head_office")
    leaves = []
    for b in range(10):
        branch = OrgUnit.objects.create(
            code=f"B{b:02d}", name=f"分行{b}", kind="branch", parent=head
        )
        for s in range(8):
            leaves.append(
                OrgUnit.objects.create(
                    code=f"B{b:02d}S{s}", name=f"支行{b}-{s}", kind="sub_branch", parent=branch
                ).pk
            )
    customer = Customer.objects.create(name="基准客户", phone="13800000000")
    from django.contrib.auth import get_user_model

    from org.models import RoleGrant

    user = get_user_model().objects.create_user("bench-cpo")
    RoleGrant.objects.create(user=user, role="consumer_protection", unit=head)

    fields = [f for f in Complaint._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    template_obj = Complaint(
        number="",
        channel="phone",
        received_at=dt.datetime.now(dt.UTC),
        registered_at=dt.datetime.now(dt.UTC),
        customer=customer,
        unit_id=leaves[0],
        content="基准投诉内容",
        created_by="bench",
    )
    template = [f.get_db_prep_save(f.pre_save(template_obj, True), connection) for f in fields]
    at = {c: i for i, c in enumerate(columns)}
    q = connection.ops.quote_name
    insert_complaint = (
        f"INSERT INTO {q(Complaint._meta.db_table)} "  # noqa: S608 (names from the models)
        f"({', '.join(q(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    insert_tally = (
        f"INSERT INTO {q(Tally._meta.db_table)} "  # noqa: S608 (names from the models)
        f"({', '.join(q(c) for c in (*TALLY_KEY, *MEASURES))}) "
        f"VALUES ({', '.join(['%s'] * (len(TALLY_KEY) + len(MEASURES)))})"
    )
    insert_spread = (
        f"INSERT INTO {q(Spread._meta.db_table)} "  # noqa: S608 (names from the models)
        f"({', '.join(q(c) for c in (*SPREAD_KEY, 'n'))}) "
        f"VALUES ({', '.join(['%s'] * (len(SPREAD_KEY) + 1))})"
    )

    business, b_w = [*BUSINESS, ""], _weights(len(BUSINESS) + 1, rng)
    cause, c_w = [*CAUSE, ""], _weights(len(CAUSE) + 1, rng)
    h_codes, h_w = [*CHANNEL, ""], _weights(len(CHANNEL) + 1, rng)
    unit_w = _weights(len(leaves), rng)
    channels = ["phone", "counter", "web", "mobile", "letter", "email", "regulator"]
    ch_w = [40, 15, 15, 20, 3, 4, 3]
    sources = ["direct", "head_office", "regulator_nfra", "regulator_pboc", "media", "other"]
    so_w = [80, 8, 5, 4, 1, 2]
    states = ["closed", "withdrawn", "declined", "investigating", "responded", "follow_up"]
    st_w = [80, 6, 4, 4, 3, 3]
    validities, va_w = ["valid", "invalid", "malicious", ""], [55, 25, 2, 18]
    roots = [f"RC0{i}" for i in range(1, 10)] + [""]
    zone = ZoneInfo("Asia/Shanghai")
    first = dt.date(2024, 11, 1)
    months = [dt.date(2024 + (10 + i) // 12, (10 + i) % 12 + 1, 1) for i in range(24)]
    per_month = N // len(months)
    number = 0
    for month_index, month in enumerate(months):
        days = (
            (months[month_index + 1] if month_index + 1 < len(months) else dt.date(2026, 11, 1))
            - month
        ).days
        count = per_month if month_index < len(months) - 1 else N - per_month * 23
        delta, rows = Delta(), []
        picks = zip(
            rng.choices(leaves, unit_w, k=count),
            rng.choices(business, b_w, k=count),
            rng.choices(cause, c_w, k=count),
            rng.choices(h_codes, h_w, k=count),
            rng.choices(channels, ch_w, k=count),
            rng.choices(sources, so_w, k=count),
            rng.choices(states, st_w, k=count),
            rng.choices(validities, va_w, k=count),
            strict=True,
        )
        for unit, b, c, h, chan, src, state, validity in picks:
            number += 1
            day = month + dt.timedelta(days=rng.randrange(days))
            received = dt.datetime.combine(day, dt.time(rng.randrange(24), rng.randrange(60)), zone)
            severity = (
                "major" if src.startswith("regulator") else rng.choice(["normal"] * 8 + ["complex"])
            )
            codes = {k: v for k, v in (("business", b), ("cause", c), ("channel", h)) if v}
            row = list(template)
            row[at["number"]] = f"TS-{day:%Y%m%d}-{number:07d}"
            row[at["received_at"]] = received.isoformat()
            row[at["registered_at"]] = received.isoformat()
            row[at["unit_id"]] = unit
            row[at["codes"]] = json.dumps(codes)
            row[at["channel"]], row[at["source"]] = chan, src
            row[at["severity"]], row[at["state"]] = severity, state
            row[at["validity"]] = validity if state == "closed" else ""
            row[at["idempotency_key"]] = ""
            rows.append(row)
            m = dict.fromkeys(MEASURES, 0)
            m["n"], m["ack_ok"] = 1, 1
            m["closed"], m["withdrawn"] = int(state == "closed"), int(state == "withdrawn")
            if state in {"closed", "responded", "follow_up"}:
                days_taken = min(60, int(rng.expovariate(1 / 8)))
                m.update(
                    decided=1,
                    on_time=int(days_taken <= 15),
                    handling_days=days_taken,
                    band_3bd=int(days_taken <= 3),
                    band_8w=int(3 < days_taken <= 56),
                    band_over=int(days_taken > 56),
                    explanation=1,
                    upheld=int(rng.random() < 0.4),
                )
            if state != "declined":
                m["contacted"], m["contact_hours"] = 1, int(rng.expovariate(1 / 20))
            dims = {
                "business": b,
                "cause": c,
                "code_channel": h,
                "channel": chan,
                "source": src,
                "severity": severity,
                "state": state,
                "validity": row[at["validity"]],
                "root_cause": rng.choice(roots) if state == "closed" else "",
            }
            delta.add(Facts(day, unit, tuple(dims[d] for d in DIMS), tuple(m[x] for x in MEASURES)))
        tallies, spreads = delta.nonzero()
        adapt = connection.ops.adapt_datefield_value
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(insert_complaint, rows)
            cursor.executemany(
                insert_tally, [(k[0], k[1], adapt(k[2]), *k[3:], *v) for k, v in tallies.items()]
            )
            cursor.executemany(
                insert_spread, [(k[0], adapt(k[1]), *k[2:], v) for k, v in spreads.items()]
            )
        _log(
            f"  {month:%Y-%m}: {count} complaints, {len(tallies)} cells "
            f"({time.monotonic() - started:.0f} s)"
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    assert first == months[0]
    (WORK / "generator").write_text(GENERATOR)


def measure() -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from complaints.models import Complaint
    from org.access import staff_principal
    from reports.models import Tally
    from reports.selectors import run_report
    from reports.tables import Params

    user = get_user_model().objects.get(username="bench-cpo")
    client = Client()
    client.force_login(user)
    url = f"/api/v1/reports/statistics?period={QUARTER}&group=unit,business,cause&unit_depth=9"

    def timed(call: Any) -> tuple[float, Any]:
        started = time.perf_counter()
        result = call()
        return (time.perf_counter() - started) * 1000, result

    assert client.get("/api/v1/reports").status_code == 200  # loads the app, not the report
    first_ms, res = timed(lambda: client.get(url))
    assert res.status_code == 200, res.content[:300]
    body = res.json()
    api_ms = [timed(lambda: client.get(url))[0] for _ in range(RUNS)]
    xlsx_ms = [timed(lambda: client.get(url + "&format=xlsx"))[0] for _ in range(2)]
    principal = staff_principal(user)
    params = Params(period=QUARTER, group=("unit", "business", "cause"), unit_depth=9)
    fn_ms = [timed(lambda: run_report(principal, "statistics", params))[0] for _ in range(RUNS)]
    service_ms, _ = timed(lambda: client.get(f"/api/v1/reports/service?period={QUARTER}"))
    regulator_ms, _ = timed(lambda: client.get(f"/api/v1/reports/regulator?period={QUARTER}"))
    return {
        "report_1m_ms": round(statistics.median(api_ms), 1),
        "report_1m_first_ms": round(first_ms, 1),
        "report_1m_function_ms": round(statistics.median(fn_ms), 1),
        "report_1m_xlsx_ms": round(min(xlsx_ms), 1),
        "report_1m_service_ms": round(service_ms, 1),
        "report_1m_regulator_ms": round(regulator_ms, 1),
        "report_1m_rows": len(body["tables"]["statistics"]["rows"]),
        "report_1m_quarter_total": body["tables"]["statistics"]["totals"]["n"],
        "report_1m_complaints": Complaint.objects.count(),
        "report_1m_cells": Tally.objects.count(),
        "report_1m_db": f"SQLite {connection.Database.sqlite_version}",
        "report_10m_ms": None,
        "report_10m_skipped": "needs PostgreSQL: a later issue",
    }


def main() -> int:
    fresh = os.environ.get("BENCH_FRESH") == "1"
    marker = WORK / "generator"
    reuse = not fresh and marker.exists() and marker.read_text() == GENERATOR
    if not reuse:
        import shutil

        shutil.rmtree(WORK, ignore_errors=True)
        (WORK / "var").mkdir(parents=True)
    _setup()
    started = time.monotonic()
    if not reuse:
        _log(f"Generating {N} complaints and their rollups in {WORK} …")
        generate()
    else:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)  # new migrations since
    took = WORK / "generate_s"
    if not reuse:
        took.write_text(f"{time.monotonic() - started:.1f}")
    figures = measure()
    # How long making the database took, when it was made (it is reused afterwards).
    figures["report_1m_generate_s"] = float(took.read_text()) if took.exists() else None
    _log(json.dumps(figures, indent=2, ensure_ascii=False))
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
