"""`make bench`: run the benchmarks and merge their figures into bench/results.json, keeping the
keys that other benchmarks wrote."""

import json
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

import intake  # bench/ is on sys.path when this file is run as a script

# `intake` is also the name of a Django app: drop this module's entry so that django.setup()
# (in intake.run, with the repository first on sys.path) imports the app.
sys.modules.pop("intake")

RESULTS = Path(__file__).resolve().parent / "results.json"
TIME_LIMIT_S = 1500  # a backstop: about 3 minutes, plus ~10 the first time reports.py generates


def merge(new: dict[str, object]) -> dict[str, object]:
    results: dict[str, object] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.update(new)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return results


def report_figures() -> dict[str, object]:
    """bench/reports.py, in its own process: its module name is also the Django app's."""
    out = subprocess.run([sys.executable, str(Path(__file__).with_name("reports.py"))],
                         check=True, stdout=subprocess.PIPE, text=True)
    figures: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def intake_channel_figures() -> dict[str, object]:
    """bench/intake_channels.py (mail ingest, regulator import), in its own process."""
    out = subprocess.run([sys.executable, str(Path(__file__).with_name("intake_channels.py"))],
                         check=True, stdout=subprocess.PIPE, text=True)
    print(out.stdout.rsplit("\n", 2)[0], flush=True)
    figures: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def clock_figures() -> dict[str, object]:
    """bench/clocks.py (a sweep over 1M open deadlines, deadline computation), in its own
    process: its module name is also the Django app's."""
    out = subprocess.run([sys.executable, str(Path(__file__).with_name("clocks.py")), "--figures"],
                         check=True, stdout=subprocess.PIPE, text=True)
    figures: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def triage_figures() -> dict[str, object]:
    """bench/triage.py (throughput, training time, accuracy), in its own process: its module
    name is also the Django app's."""
    out = subprocess.run([sys.executable, str(Path(__file__).with_name("triage.py")), "--figures"],
                         check=True, stdout=subprocess.PIPE, text=True)
    figures: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return figures


def _out_of_time(signum: int, frame: FrameType | None) -> None:
    raise TimeoutError(f"the benchmark ran past {TIME_LIMIT_S} s")


def main() -> int:
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(TIME_LIMIT_S)  # servers are stopped by the context managers as this unwinds
    try:
        new = intake.run()
        new.update(report_figures())
        new.update(intake_channel_figures())
        new.update(clock_figures())
        new.update(triage_figures())
    finally:
        signal.alarm(0)
    merge(new)
    print(json.dumps(new, indent=2, sort_keys=True, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
