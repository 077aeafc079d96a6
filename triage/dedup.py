"""Near-duplicate search with MinHash and locality-sensitive hashing.

A text's signature is the minimum, under each of 64 hash functions, of the hashes of its
character shingles (5 characters for alphabetic text, 3 for Chinese); the share of equal
positions in two signatures estimates the Jaccard similarity of their shingle sets. Signatures
are cut into 16 bands of 4: two texts become candidates when one band is equal (a similarity of
0.5 is found with probability 0.64, 0.7 with 0.99), and candidates are kept when the estimate
reaches THRESHOLD.

`Index` holds the signatures of recent complaints in numpy arrays: per band, a sorted array of
band hashes searched by bisection, plus a small unsorted tail for what arrived since the last
merge, so a lookup among 100,000 complaints costs microseconds and memory stays ~100 bytes per
complaint."""

import datetime as dt
import threading
from dataclasses import dataclass

import numpy as np

from triage.engine import language_of
from triage.features import hashed_ngrams

PERMUTATIONS, BANDS = 64, 16
ROWS = PERMUTATIONS // BANDS
THRESHOLD = 0.5
SHINGLE = {"en": 5, "zh": 3}
MERGE_AT = 2048
_rng = np.random.default_rng(20240601)
_A = (_rng.integers(1, 2**63, PERMUTATIONS, dtype=np.uint64) * np.uint64(2)) + np.uint64(1)
_B = _rng.integers(0, 2**63, PERMUTATIONS, dtype=np.uint64)
_BAND_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                      0x27D4EB2F165667C5], dtype=np.uint64)
EMPTY = np.full(PERMUTATIONS, np.iinfo(np.uint32).max, dtype=np.uint32)


def signature(text: str) -> np.ndarray:
    """64 uint32 minimum hashes of the text's character shingles."""
    k = SHINGLE[language_of(text)]
    _, shingles = hashed_ngrams([text], (k, k), 62, 5000)
    if not len(shingles):
        return EMPTY.copy()
    shingles = np.unique(shingles).astype(np.uint64)
    with np.errstate(over="ignore"):
        hashed = (shingles[:, None] * _A[None, :] + _B[None, :]) >> np.uint64(32)
    result: np.ndarray = hashed.min(axis=0).astype(np.uint32)
    return result


def band_keys(signatures: np.ndarray) -> np.ndarray:
    """(n, BANDS) uint64: one hash per band of each signature."""
    sig = signatures.reshape(len(signatures), BANDS, ROWS).astype(np.uint64)
    with np.errstate(over="ignore"):
        result: np.ndarray = (sig * _BAND_MIX).sum(axis=2, dtype=np.uint64)
    return result


def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Estimated Jaccard similarity of signature `a` with each row of `b`."""
    result: np.ndarray = (b == a).mean(axis=1)
    return result


@dataclass(frozen=True)
class Match:
    ref: int  # the complaint's primary key
    customer_id: int
    received_at: float  # POSIX seconds
    score: float


class Index:
    """Signatures of recent complaints, searchable by band. Thread-safe. Arrays grow by
    doubling, so adding one complaint costs the same among 100 or 100,000."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._n = 0
        self._refs = np.zeros(1024, np.int64)
        self._customers = np.zeros(1024, np.int64)
        self._times = np.zeros(1024, np.float64)
        self._signatures = np.zeros((1024, PERMUTATIONS), np.uint32)
        self._keys = np.zeros((1024, BANDS), np.uint64)
        self._sorted_keys = [np.zeros(0, np.uint64) for _ in range(BANDS)]
        self._sorted_rows = [np.zeros(0, np.int64) for _ in range(BANDS)]
        self._merged = 0  # rows [0, _merged) are in the sorted arrays; the rest are the tail
        self.last_ref = 0  # the highest primary key read from the database (kept by the caller)

    def __len__(self) -> int:
        return self._n

    def _grow(self, needed: int) -> None:
        size = len(self._refs)
        while size < needed:
            size *= 2
        if size == len(self._refs):
            return
        for name in ("_refs", "_customers", "_times", "_signatures", "_keys"):
            old = getattr(self, name)
            new = np.zeros((size, *old.shape[1:]), old.dtype)
            new[: self._n] = old[: self._n]
            setattr(self, name, new)

    def add(self, refs: np.ndarray, customers: np.ndarray, times: np.ndarray,
            signatures: np.ndarray) -> None:
        if not len(refs):
            return
        with self._lock:
            start, end = self._n, self._n + len(refs)
            self._grow(end)
            self._refs[start:end] = refs
            self._customers[start:end] = customers
            self._times[start:end] = times
            self._signatures[start:end] = signatures
            self._keys[start:end] = band_keys(signatures)
            self._n = end
            if self._n - self._merged >= MERGE_AT:
                self._merge()

    def _merge(self) -> None:
        keys = self._keys[: self._n]
        for band in range(BANDS):
            order = np.argsort(keys[:, band], kind="stable")
            self._sorted_keys[band] = keys[order, band]
            self._sorted_rows[band] = order.astype(np.int64)
        self._merged = self._n

    def search(self, sig: np.ndarray, *, exclude: int = 0, limit: int = 10) -> list[Match]:
        """Complaints whose estimated similarity reaches THRESHOLD, best first."""
        keys = band_keys(sig[None, :])[0]
        with self._lock:
            found = [self._merged + np.flatnonzero(
                (self._keys[self._merged: self._n] == keys).any(axis=1))]
            for band in range(BANDS):
                column = self._sorted_keys[band]
                lo, hi = np.searchsorted(column, keys[band], side="left"), np.searchsorted(
                    column, keys[band], side="right")
                if hi > lo:
                    found.append(self._sorted_rows[band][lo:hi])
            rows = np.unique(np.concatenate(found))
            if not len(rows):
                return []
            scores = similarity(sig, self._signatures[rows])
            keep = (scores >= THRESHOLD) & (self._refs[rows] != exclude)
            rows, scores = rows[keep], scores[keep]
            order = np.argsort(-scores, kind="stable")[:limit]
            return [Match(int(self._refs[r]), int(self._customers[r]), float(self._times[r]),
                          round(float(s), 3)) for r, s in zip(rows[order], scores[order],
                                                               strict=True)]


def to_bytes(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def from_bytes(raw: bytes) -> np.ndarray:
    if len(raw) != PERMUTATIONS * 4:
        return EMPTY.copy()
    return np.frombuffer(raw, dtype="<u4").astype(np.uint32)


def epoch(moment: dt.datetime) -> float:
    return moment.timestamp()
