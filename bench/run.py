"""`make bench`: run the benchmarks and merge their figures into bench/results.json, keeping the
keys that other benchmarks wrote."""

import json
import signal
import sys
from pathlib import Path
from types import FrameType

import intake  # bench/ is on sys.path when this file is run as a script

RESULTS = Path(__file__).resolve().parent / "results.json"
TIME_LIMIT_S = 600  # a backstop: the benchmark normally takes about 3 minutes


def merge(new: dict[str, object]) -> dict[str, object]:
    results: dict[str, object] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.update(new)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return results


def _out_of_time(signum: int, frame: FrameType | None) -> None:
    raise TimeoutError(f"the benchmark ran past {TIME_LIMIT_S} s")


def main() -> int:
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(TIME_LIMIT_S)  # servers are stopped by the context managers as this unwinds
    try:
        new = intake.run()
    finally:
        signal.alarm(0)
    merge(new)
    print(json.dumps(new, indent=2, sort_keys=True, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
