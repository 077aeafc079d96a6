"""`make bench`: run the benchmarks and merge their figures into bench/results.json, keeping the
keys that other benchmarks wrote. Each benchmark is a script in this folder that prints its
figures as JSON on its last line; each runs in its own process, with the Django project of its
own choosing (several share a name with an app, so none is imported here)."""

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results.json"
# About 40 minutes in all (load, capacity and peer ~25 of them); the first run adds ~10 while
# reports.py generates its 1M rows.
SCRIPTS: list[tuple[str, list[str], int]] = [
    ("intake_api.py", [], 600),
    ("reports.py", [], 1500),
    ("intake_channels.py", [], 900),
    ("clocks.py", ["--figures"], 600),
    ("triage.py", ["--figures"], 600),
    ("pages.py", [], 1200),
    ("load.py", [], 900), ("capacity.py", [], 1500),  # issue #9: sustained load, its SLO rate
    ("peer.py", [], 1800),  # issue #9: side by side with django-helpdesk
]


def merge(new: dict[str, object]) -> dict[str, object]:
    results: dict[str, object] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.update(new)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return results


def figures(script: str, args: list[str], limit_s: int) -> dict[str, object]:
    """Run one benchmark script (bounded in time) and read the JSON on its last line."""
    out = subprocess.run([sys.executable, str(BENCH / script), *args], check=True,
                         stdout=subprocess.PIPE, text=True, timeout=limit_s)
    print(out.stdout.rsplit("\n", 2)[0], flush=True)
    found: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return found


def main(only: list[str]) -> int:
    for script, args, limit_s in SCRIPTS:
        if only and script.removesuffix(".py") not in only:
            continue
        new = figures(script, args, limit_s)
        merge(new)  # each benchmark's figures are kept even if a later one fails
        print(json.dumps(new, indent=2, sort_keys=True, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
