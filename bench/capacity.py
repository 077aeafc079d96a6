"""The sustainable rate: the highest rate of bench/load.py's mix that meets the load target's bar
(no error, p99 under 200 ms) on this host, where the 200 requests/s of the issue do not.

Runs load.py (its own fresh database, server and Celery worker each time) for CAPACITY_SECONDS
(60) after a 10 s warm-up, at rates from CAPACITY_START (the rate load.py served in
bench/results.json, rounded down to a multiple of CAPACITY_STEP, or 60) down by CAPACITY_STEP
(10) until one meets the bar. Figures: `load_slo_rps` (0 when none did), with every rate tried.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
P99_BAR_MS = 200.0
SECONDS = int(os.environ.get("CAPACITY_SECONDS", "60"))
STEP = int(os.environ.get("CAPACITY_STEP", "10"))


def start_rate() -> int:
    if "CAPACITY_START" in os.environ:
        return int(os.environ["CAPACITY_START"])
    results = BENCH / "results.json"
    served = json.loads(results.read_text()).get("load_served_rps", 0) if results.exists() else 0
    return max(STEP, int(served // STEP) * STEP) if served else 60


def attempt(rate: int) -> dict[str, Any]:
    env = {**os.environ, "LOAD_RPS": str(rate), "LOAD_SECONDS": str(SECONDS),
           "LOAD_WARMUP_S": "10"}
    out = subprocess.run([sys.executable, str(BENCH / "load.py")], env=env, check=True,
                         stdout=subprocess.PIPE, text=True, timeout=SECONDS + 300)
    figures: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return {"rate": rate, "rps": figures["load_rps"], "error_rate": figures["load_error_rate"],
            "p99_ms": figures["load_p99_ms"], "host_load_1m": figures["load_host_load_1m"]}


def run() -> dict[str, Any]:
    tried = []
    slo = 0
    rate = start_rate()
    while rate > 0:
        result = attempt(rate)
        tried.append(result)
        print(f"  {rate}/s: {result['rps']}/s answered, error rate {result['error_rate']}, "
              f"p99 {result['p99_ms']} ms", flush=True)
        if result["error_rate"] == 0 and result["p99_ms"] < P99_BAR_MS:
            slo = rate
            break
        rate -= STEP
    return {"load_slo_rps": slo, "load_slo_tried": tried, "load_slo_seconds": SECONDS,
            "load_slo_bar": f"0 errors, p99 < {P99_BAR_MS:g} ms"}


if __name__ == "__main__":
    print(json.dumps(run(), sort_keys=True, ensure_ascii=False))
