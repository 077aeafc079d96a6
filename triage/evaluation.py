"""Measuring the classifiers on data they were not trained on, and writing the report.

`evaluate` splits each labelled set of the data directory after deduplication — a stratified 20%
of the CFPB narratives (one split by complaint, used for both product and issue) and of the
pooled Chinese files — trains on the rest exactly as `train_triage` does, and measures the
held-out part; the Chinese complaint types are also measured on their dev file with a model
trained on the train file alone. `holdout.sealed` is never read."""

import datetime as dt
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from triage import data, mapping
from triage.data import Example
from triage.engine import Prediction, TriageModel
from triage.training import (
    HOLDOUT,
    MIN_ISSUE,
    SEED,
    Corpus,
    HeadData,
    english_heads,
    load_corpus,
    split,
    train,
)


def metrics(truth: list[str], predictions: list[Prediction], head: str,
            trained: set[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 over the classes present in `truth`, top-3 accuracy, the uncertain
    band, the installation-code accuracy and a per-class report."""
    from sklearn.metrics import precision_recall_fscore_support

    predicted = [p.options[0].label if p.options else "" for p in predictions]
    labels = sorted(set(truth))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0)
    correct = np.array([t == p for t, p in zip(truth, predicted, strict=True)])
    top3 = np.array([t in {o.label for o in p.options}
                     for t, p in zip(truth, predictions, strict=True)])
    unsure = np.array([p.uncertain for p in predictions])
    codes = [(mapping.code_for(head, t), mapping.code_for(head, p))
             for t, p in zip(truth, predicted, strict=True)]
    coded = [(t, p) for t, p in codes if t]
    n = len(truth)
    return {
        "n": n, "classes": len(labels),
        "accuracy": round(float(correct.mean()), 4) if n else None,
        "macro_f1": round(float(np.mean(f1)), 4) if n else None,
        "top3_accuracy": round(float(top3.mean()), 4) if n else None,
        "uncertain_share": round(float(unsure.mean()), 4) if n else None,
        "accuracy_when_confident": round(float(correct[~unsure].mean()), 4)
        if (~unsure).any() else None,
        "accuracy_when_uncertain": round(float(correct[unsure].mean()), 4)
        if unsure.any() else None,
        "code_accuracy": round(float(np.mean([t == p for t, p in coded])), 4) if coded else None,
        "untrained_share": round(sum(t not in trained for t in truth) / n, 4) if n else None,
        "per_class": {
            label: {"precision": round(float(p), 4), "recall": round(float(r), 4),
                    "f1": round(float(f), 4), "support": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
    }


def _measure(model: TriageModel, head: str, examples: list[Example]) -> dict[str, Any]:
    language = next(lm for lm in model.languages.values() if head in lm.heads)
    x = language.features.transform([e.text for e in examples])
    predictions = language.heads[head].predict(x)
    trained = set(language.heads[head].classes)
    return metrics([e.label for e in examples], predictions, head, trained)


def evaluate(directory: Path | None = None, seed: int = SEED,
             corpus: Corpus | None = None) -> dict[str, Any]:
    corpus = corpus or load_corpus(directory)
    report: dict[str, Any] = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "data_dir": str(directory or data.data_dir()), "seed": seed, "held_out": HOLDOUT,
        "dimensions": {},
    }
    started = time.perf_counter()
    train_products, test_products = split(corpus.products, seed=seed)
    test_keys = {data.text_key(e.text) for e in test_products}
    train_issues = [e for e in corpus.issues if data.text_key(e.text) not in test_keys]
    test_issues = [e for e in corpus.issues if data.text_key(e.text) in test_keys]
    zh_train, zh_test = split(corpus.zh_all, seed=seed)
    # The structured fields of the held-out complaints are no training text either.
    descriptions = corpus.descriptions
    if corpus.directory is not None:
        descriptions = data.product_descriptions(corpus.directory, frozenset(test_keys))
    model = train([*english_heads(train_products, train_issues, descriptions),
                     HeadData("zh_cause", "zh", [e.text for e in zh_train],
                              [e.label for e in zh_train])])
    report["train_s"] = round(time.perf_counter() - started, 1)
    dims = report["dimensions"]
    dims["cfpb_product"] = {
        "data": f"cfpb/*.csv narratives ({len(corpus.products)} after deduplication on Complaint "
                f"ID and text), products mapped to the current taxonomy; trained on "
                f"{len(train_products)} + {len(descriptions)} product descriptions (none from a "
                f"held-out complaint), "
                f"measured on the stratified {HOLDOUT:.0%} held out",
        **_measure(model, "cfpb_product", test_products),
    }
    if test_issues and "cfpb_issue" in model.heads:
        dims["cfpb_issue"] = {
            "data": f"the same split; issues with at least {MIN_ISSUE} training narratives are "
                    f"learned, the others count as errors",
            **_measure(model, "cfpb_issue", test_issues),
        }
    dims["zh_cause_split"] = {
        "data": f"zh_heimao complaint_type_6 train+dev ({len(corpus.zh_all)} after "
                f"deduplication), stratified {HOLDOUT:.0%} held out",
        **_measure(model, "zh_cause", zh_test),
    }
    if corpus.zh_dev:
        dev_model = train([HeadData("zh_cause", "zh", [e.text for e in corpus.zh_train],
                                    [e.label for e in corpus.zh_train])])
        train_keys = {data.text_key(e.text) for e in corpus.zh_train}
        dev = [e for e in corpus.zh_dev if data.text_key(e.text) not in train_keys]
        dims["zh_cause_dev"] = {
            "data": f"trained on complaint_type_6_train.csv ({len(corpus.zh_train)}), measured "
                    f"on complaint_type_6_dev.csv ({len(dev)})",
            **_measure(dev_model, "zh_cause", dev),
        }
    report["rare_classes"] = {
        label: dims["cfpb_product"]["per_class"].get(label, {"support": 0})
        | {"training_narratives": n}
        for label, n in sorted(Counter(e.label for e in train_products).items())
        if n < 50
    }
    return report


def evaluate_file(model: TriageModel, path: Path) -> dict[str, Any]:
    """Measure a trained model on any labelled file: CFPB format (product and issue) or
    `text,label` (Chinese complaint types)."""
    rows = list(data.read_csv(path))
    found: dict[str, Any] = {"file": str(path), "model_version": model.version, "dimensions": {}}
    if rows and data.NARRATIVE in rows[0]:
        files = [path]
        for head, examples in (("cfpb_product", data.cfpb_products(files)),
                               ("cfpb_issue", data.cfpb_issues(files))):
            if examples and any(head in lm.heads for lm in model.languages.values()):
                found["dimensions"][head] = _measure(model, head, examples)
    elif rows and "label" in rows[0]:
        examples = data.zh_types(path)
        if examples and any("zh_cause" in lm.heads for lm in model.languages.values()):
            found["dimensions"]["zh_cause"] = _measure(model, "zh_cause", examples)
    return found


def markdown(report: dict[str, Any]) -> str:
    lines = ["# Triage evaluation", ""]
    for key in ("created_at", "data_dir", "file", "model_version", "seed", "train_s"):
        if key in report:
            lines.append(f"- {key}: {report[key]}")
    lines += ["", "| dimension | n | accuracy | macro-F1 | top-3 | uncertain | acc. confident "
              "| code acc. |", "|---|---|---|---|---|---|---|---|"]
    for name, m in report["dimensions"].items():
        lines.append(f"| {name} | {m['n']} | {m['accuracy']} | {m['macro_f1']} | "
                     f"{m['top3_accuracy']} | {m['uncertain_share']} | "
                     f"{m['accuracy_when_confident']} | {m['code_accuracy']} |")
    for name, m in report["dimensions"].items():
        lines += ["", f"## {name}", ""]
        if "data" in m:
            lines += [m["data"], ""]
        lines += ["| class | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        for label, c in m["per_class"].items():
            shown = mapping.label_name(name.removesuffix("_split").removesuffix("_dev"), label)
            lines.append(f"| {shown} | {c['precision']} | {c['recall']} | {c['f1']} | "
                         f"{c['support']} |")
    return "\n".join(lines) + "\n"


def write(report: dict[str, Any], out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / "triage-evaluation.json", out / "triage-evaluation.md"
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(markdown(report), encoding="utf-8")
    return json_path, md_path
