"""Triage benchmark: throughput on one core, training time and accuracy on real complaints.

- `train_s`: training the default model (every head, all of shared/data but holdout.sealed).
- `classify_per_s`: complaints classified per second in batches of 1,000 (every head of the
  text's language), one thread.
- `triage_per_s`: full triage of one complaint at a time, one thread: classification, severity
  signals, PII detection and masking, MinHash signature and a near-duplicate lookup in an index of
  100,000 recent complaints (the signatures of every real text in the data, the rest random
  signatures standing for unrelated complaints: what most of a bank's recent complaints are to
  any one complaint).
- `classify_per_cpu_s`, `triage_per_cpu_s`: the same per second of this process's CPU time (one
  thread, so one core's work): on a shared machine whose other tenants take the cores in turns,
  wall-clock rates fall with their load, these much less.
- Accuracy (`triage_eval`): `evaluate_triage` on the same data — a stratified 20% of each labelled
  set held out after deduplication, the Chinese types also on their dev file.

The texts classified are the real narratives of shared/data (CFPB and zh_heimao, alternating).
Runs in a child process: `python bench/triage.py` prints the figures and merges them into
bench/results.json; `bench/run.py` runs it with `--figures`. About 2 minutes.
"""

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if __name__ == "__main__":
    # bench/ must not shadow the `triage` app of the project.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
    sys.path.insert(0, str(ROOT))

RESULTS = BENCH / "results.json"
INDEX_SIZE = 100_000
N_SINGLE = 2_000
N_BATCH = 10_000


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")
    os.environ.setdefault("TOUSU_VAR_DIR", str(BENCH / "work" / "triage"))
    import django

    django.setup()


def run() -> dict[str, Any]:
    _setup()
    import numpy as np
    from threadpoolctl import threadpool_limits

    from triage import dedup, evaluation
    from triage.pii import mask_text, pii_kinds
    from triage.signals import read_signals, severity_for
    from triage.training import default_datasets, load_corpus, train

    corpus = load_corpus()
    with threadpool_limits(1):
        started = time.perf_counter()
        model = train(default_datasets(corpus))
        train_s = time.perf_counter() - started

        english = [e.text for e in corpus.products]
        chinese = [e.text for e in corpus.zh_all]
        texts = [t for pair in zip(english, chinese, strict=False) for t in pair]
        batch = (texts * (N_BATCH // len(texts) + 1))[:N_BATCH]
        started, cpu = time.perf_counter(), time.process_time()
        for start in range(0, len(batch), 1000):
            model.classify(batch[start:start + 1000])
        classify_per_s = len(batch) / (time.perf_counter() - started)
        classify_per_cpu_s = len(batch) / (time.process_time() - cpu)

        real = np.stack([dedup.signature(t) for t in texts])
        rng = np.random.default_rng(1)
        filler = rng.integers(0, 2**32, (INDEX_SIZE - len(real), dedup.PERMUTATIONS),
                              dtype=np.uint32)
        index = dedup.Index()
        signatures = np.concatenate([real, filler])
        index.add(np.arange(1, INDEX_SIZE + 1), rng.integers(1, 50_000, INDEX_SIZE),
                  np.full(INDEX_SIZE, time.time()), signatures)

        singles = texts[:N_SINGLE]
        matched = 0
        started, cpu = time.perf_counter(), time.process_time()
        for ref, text in enumerate(singles, start=1):  # text i is in the index as ref i
            model.classify([text])
            severity_for(read_signals(text), regulator_source=False)
            pii_kinds(text)
            mask_text(text)
            matched += bool(index.search(dedup.signature(text), exclude=ref))
        triage_per_s = len(singles) / (time.perf_counter() - started)
        triage_per_cpu_s = len(singles) / (time.process_time() - cpu)

    report = evaluation.evaluate(corpus=corpus)
    dims = report["dimensions"]
    figures: dict[str, Any] = {
        "triage_per_s": round(triage_per_s, 1),
        "classify_per_s": round(classify_per_s, 1),
        "triage_per_cpu_s": round(triage_per_cpu_s, 1),
        "classify_per_cpu_s": round(classify_per_cpu_s, 1),
        "train_s": round(train_s, 1),
        "triage_duplicate_index_size": INDEX_SIZE,
        "triage_duplicates_found_share": round(matched / len(singles), 3),
        "triage_eval": {
            name: {k: m[k] for k in ("n", "classes", "accuracy", "macro_f1", "top3_accuracy",
                                     "uncertain_share", "accuracy_when_confident")}
            | {"data": m["data"]}
            for name, m in dims.items()
        },
        "triage_rare_products": report["rare_classes"],
    }
    for name, m in dims.items():
        figures[f"triage_{name}_accuracy"] = m["accuracy"]
        figures[f"triage_{name}_macro_f1"] = m["macro_f1"]
    return figures


def main() -> int:
    figures = run()
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.update(figures)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    if "--figures" in sys.argv:  # for bench/run.py, which merges them
        print(json.dumps(run(), ensure_ascii=False), flush=True)
    else:
        sys.exit(main())
