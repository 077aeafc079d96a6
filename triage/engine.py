"""The classifiers: character n-gram TF-IDF per language (with word n-grams for English), and
one linear head per classification dimension trained with scikit-learn, with calibrated
probabilities.

Training is in triage/training.py (scikit-learn is imported only there, so serving a model
costs numpy and scipy only).

Models are versioned files (`<VAR_DIR>/models/triage-<version>.npz`): numpy arrays and a JSON
header, read with allow_pickle=False, so loading a model file cannot run code. `ACTIVE` in the
same folder names the version in use (written by an atomic rename, as each model file is:
a half-written file is never read); each process loads it once and looks at ACTIVE again at
most every RELOAD_CHECK_S (`active()`)."""

import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from django.conf import settings

from triage.features import CharTfidf

log = logging.getLogger(__name__)

FORMAT = 2  # 2 added a head's pair refiners; a format 1 file (none) still loads
READABLE = (1, 2)
TOP_K = 3
UNCERTAIN_BELOW = 0.6  # a top suggestion less likely than this asks a human
# Per language: character n-gram range (a Chinese character carries more than a Latin letter)
# and how much of a text is read (the product and the matter are told early; reading less keeps
# training and classification fast).
NGRAMS = {"en": (3, 5), "zh": (1, 3)}
MAX_CHARS = {"en": 800, "zh": 1000}
# English also reads words and word pairs of its first 2,000 characters (Chinese has no spaces):
# chosen by 5-fold cross-validation on the training part only (README, "Triage").
WORDS = {"en": 2}
WORD_CHARS = {"en": 2000}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


_LETTERS = re.compile(r"[^\W\d_]")


def language_of(text: str) -> str:
    """"zh" when CJK characters are more than 30% of the letters of the text's start."""
    sample = text[:400]
    if sample.isascii():  # most English complaints: no need to count
        return "en"
    cjk = len(_CJK.findall(sample))
    letters = len(_LETTERS.findall(sample))
    return "zh" if letters and cjk / letters > 0.3 else "en"


@dataclass(frozen=True)
class Option:
    label: str
    confidence: float


@dataclass(frozen=True)
class Prediction:
    head: str
    options: list[Option]  # best first, TOP_K at most
    uncertain: bool


@dataclass
class Head:
    """A linear classifier over its language's features, with calibration."""

    name: str
    classes: list[str]
    coef: np.ndarray  # (n_features, n_classes), float32
    intercept: np.ndarray
    offsets: np.ndarray
    temperature: float = 1.0
    uncertain_below: float = UNCERTAIN_BELOW
    # Pair refiners: when classes a and b (pairs[i]) are a text's two best, a binary classifier
    # of their own (column i of pair_coef: positive for a) orders them.
    pairs: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), np.int32))
    pair_coef: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    pair_intercept: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))

    def scores(self, x: sp.csr_matrix) -> np.ndarray:
        raw = x @ self.coef
        scores = np.asarray(raw) + self.intercept + self.offsets
        if len(self.pairs) and len(scores) and scores.shape[1] > 2:
            self._refine(x, scores)
        return scores

    def _refine(self, x: sp.csr_matrix, scores: np.ndarray) -> None:
        """On the rows where a pair's classes are the two best, let the pair's classifier order
        them (swapping their two scores: the set of scores stays the same, and so do the two
        best of every row, whatever the pairs' order)."""
        n, (first_class, second_class) = scores.shape[1], self.pairs.T
        pair_of = np.full((n, n), -1, dtype=np.int64)  # (class, class) -> its pair, if any
        pair_of[first_class, second_class] = pair_of[second_class, first_class] = np.arange(
            len(self.pairs))
        best = np.argpartition(-scores, 1, axis=1)[:, :2]
        which = pair_of[best[:, 0], best[:, 1]]
        rows = np.flatnonzero(which >= 0)  # a row's two best are one pair at most
        if not len(rows):
            return
        which = which[rows]
        # All rows at once, as the head's own product (slicing x first is slower).
        margins = np.asarray(x @ self.pair_coef)[rows]
        a, b = self.pairs[which, 0], self.pairs[which, 1]
        first = margins[np.arange(len(rows)), which] + self.pair_intercept[which] > 0
        swap = (scores[rows, a] > scores[rows, b]) != first
        rows, a, b = rows[swap], a[swap], b[swap]
        scores[rows, a], scores[rows, b] = scores[rows, b], scores[rows, a]

    def probabilities(self, x: sp.csr_matrix) -> np.ndarray:
        return softmax(self.scores(x) / self.temperature)

    def predict(self, x: sp.csr_matrix) -> list[Prediction]:
        probs = self.probabilities(x)
        k = min(TOP_K, len(self.classes))
        order = np.argsort(-probs, axis=1)[:, :k]
        # Rounded once for the whole batch (Python's round() per option was a tenth of the time).
        confidences = np.round(np.take_along_axis(probs, order, axis=1).astype(np.float64), 4)
        classes = self.classes
        found = []
        for best, sure in zip(order.tolist(), confidences.tolist(), strict=True):
            options = [Option(classes[j], c) for j, c in zip(best, sure, strict=True)]
            found.append(Prediction(self.name, options, sure[0] < self.uncertain_below))
        return found


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    result: np.ndarray = shifted / shifted.sum(axis=1, keepdims=True)
    return result


@dataclass
class LanguageModel:
    language: str
    features: CharTfidf
    heads: dict[str, Head] = field(default_factory=dict)


@dataclass
class TriageModel:
    version: str
    created_at: str
    languages: dict[str, LanguageModel]
    info: dict[str, Any] = field(default_factory=dict)  # training sizes, sources, seconds

    @property
    def heads(self) -> list[str]:
        return [h for lm in self.languages.values() for h in lm.heads]

    def classify(self, texts: list[str]) -> list[list[Prediction]]:
        """For each text, one prediction per head of its language (none if no model for it)."""
        results: list[list[Prediction]] = [[] for _ in texts]
        by_language: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            by_language.setdefault(language_of(text), []).append(i)
        for language, rows in by_language.items():
            model = self.languages.get(language)
            if model is None:
                continue
            x = model.features.transform([texts[i] for i in rows])
            for head in model.heads.values():
                for i, prediction in zip(rows, head.predict(x), strict=True):
                    results[i].append(prediction)
        return results


# Files --------------------------------------------------------------------------------------

def models_dir() -> Path:
    return Path(settings.VAR_DIR) / "models"


def _arrays(model: TriageModel) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    arrays: dict[str, np.ndarray] = {}
    header: dict[str, Any] = {"format": FORMAT, "created_at": model.created_at,
                              "info": model.info, "languages": {}}
    for language, lm in model.languages.items():
        f = lm.features
        arrays[f"{language}.kept"] = np.flatnonzero(f.column >= 0).astype(np.int32)
        arrays[f"{language}.idf"] = f.idf
        heads = {}
        for name, head in lm.heads.items():
            for part in ("coef", "intercept", "offsets", "pairs", "pair_coef", "pair_intercept"):
                arrays[f"{language}.{name}.{part}"] = getattr(head, part)
            heads[name] = {"classes": head.classes, "temperature": head.temperature,
                           "uncertain_below": head.uncertain_below}
        header["languages"][language] = {
            "ngram": list(f.ngram), "bits": f.bits, "max_chars": f.max_chars,
            "min_df": f.min_df, "words": f.words, "word_chars": f.word_chars, "heads": heads,
        }
    return arrays, header


def save(model: TriageModel, directory: Path | None = None, *, activate: bool = True) -> Path:
    """Write the model as a new version; returns its path. The version is the UTC time of
    training and the first 8 hex digits of the content's SHA-256."""
    directory = directory or models_dir()
    directory.mkdir(parents=True, exist_ok=True)
    arrays, header = _arrays(model)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, header=np.array(json.dumps(header)), **arrays)  # type: ignore[arg-type]
    content = buffer.getvalue()
    stamp = dt.datetime.fromisoformat(model.created_at).strftime("%Y%m%d-%H%M%S")
    model.version = f"{stamp}-{hashlib.sha256(content).hexdigest()[:8]}"
    path = directory / f"triage-{model.version}.npz"
    _write_atomically(path, content)
    if activate:
        _write_atomically(directory / "ACTIVE", f"{model.version}\n".encode())
        forget()  # this process now loads the new version on its next use
    return path


def _write_atomically(path: Path, content: bytes) -> None:
    """Write beside `path` under a name of this writer's own, flush it to disk, then rename it
    over `path`: a reader finds the old file or the whole new one, never a part."""
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}.partial")
    try:
        with partial.open("wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def load(path: Path) -> TriageModel:
    with np.load(path, allow_pickle=False) as npz:
        header = json.loads(str(npz["header"]))
        if header.get("format") not in READABLE:
            raise ValueError(f"{path.name}: model format {header.get('format')}, expected "
                             f"{' or '.join(map(str, READABLE))}")
        languages = {}
        for language, spec in header["languages"].items():
            features = CharTfidf(ngram=tuple(spec["ngram"]), bits=spec["bits"],
                                 max_chars=spec["max_chars"], min_df=spec["min_df"],
                                 words=spec.get("words", 0), word_chars=spec.get("word_chars", 0))
            kept = npz[f"{language}.kept"]
            features.column = np.full(1 << features.bits, -1, dtype=np.int32)
            features.column[kept] = np.arange(len(kept), dtype=np.int32)
            features.idf = npz[f"{language}.idf"]
            lm = LanguageModel(language, features)
            for name, h in spec["heads"].items():
                head = Head(
                    name, list(h["classes"]), npz[f"{language}.{name}.coef"],
                    npz[f"{language}.{name}.intercept"], npz[f"{language}.{name}.offsets"],
                    float(h["temperature"]), float(h["uncertain_below"]),
                )
                if f"{language}.{name}.pairs" in npz.files:
                    head.pairs = npz[f"{language}.{name}.pairs"]
                    head.pair_coef = npz[f"{language}.{name}.pair_coef"]
                    head.pair_intercept = npz[f"{language}.{name}.pair_intercept"]
                lm.heads[name] = head
            languages[language] = lm
    version = path.stem.removeprefix("triage-")
    return TriageModel(version, header["created_at"], languages, header.get("info", {}))


def active_path(directory: Path | None = None) -> Path | None:
    """The file of the active version: the one ACTIVE names, else the newest."""
    directory = directory or models_dir()
    marker = directory / "ACTIVE"
    if marker.is_file():
        path = directory / f"triage-{marker.read_text().strip()}.npz"
        if path.is_file():
            return path
    found = sorted(directory.glob("triage-*.npz"))
    return found[-1] if found else None


# How often a process looks for a newly activated version (one read of ACTIVE then): the
# classification path pays one clock read per call in between, never a file system call.
RELOAD_CHECK_S = 10.0


@dataclass
class _Holder:
    model: TriageModel | None = None
    path: Path | None = None
    next_check: float = 0.0  # time.monotonic() of the next look at ACTIVE
    pinned: bool = False  # set by use(): never replaced from the files
    failed: tuple[Path, int] | None = None  # a file that would not load, and its mtime


_lock = threading.Lock()
_holder = _Holder()


def active() -> TriageModel | None:
    """The active model; None when no model has been trained. Loaded once per process, then
    replaced within RELOAD_CHECK_S when another process activates a new version (a scheduled
    retraining, `train_triage`), without a restart. A version that fails to load is logged and
    the one in use is kept."""
    holder = _holder
    if holder.pinned or time.monotonic() < holder.next_check:
        return holder.model
    with _lock:
        if not holder.pinned and time.monotonic() >= holder.next_check:
            _reload(holder)
    return holder.model


def _reload(holder: _Holder) -> None:
    holder.next_check = time.monotonic() + RELOAD_CHECK_S
    try:
        path = active_path()
    except OSError:
        log.exception("triage: cannot read the active model's name; keeping %s",
                      holder.model.version if holder.model else "none")
        return
    if path is None or path == holder.path:
        return
    try:
        stamp = (path, path.stat().st_mtime_ns)
    except OSError:  # removed since ACTIVE was read: the next look finds what replaced it
        return
    if stamp == holder.failed:
        return  # tried again only once the file is written anew
    try:
        model = load(path)
    except Exception:  # a damaged or unreadable file: serve on with the model in use
        log.exception("triage: cannot load %s; keeping %s", path.name,
                      holder.model.version if holder.model else "none")
        holder.failed = stamp
        return
    if holder.model is not None:
        log.info("triage: model %s replaces %s", model.version, holder.model.version)
    holder.model, holder.path, holder.failed = model, path, None


def forget() -> None:
    """Drop the loaded model: the next use loads the active version (after training, and in
    tests)."""
    global _holder
    with _lock:
        _holder = _Holder()


def use(model: TriageModel | None) -> None:
    """Make `model` the one this process uses, whatever the files say (tests, benchmarks)."""
    global _holder
    with _lock:
        _holder = _Holder(model=model, pinned=True)
