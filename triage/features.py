"""Character n-gram TF-IDF features, language-independent (Chinese needs no segmenter).

Why not scikit-learn's TfidfVectorizer: its analyzer builds every n-gram as a Python string, about
half a millisecond for one English narrative, which alone would cap classification far below the
5,000 complaints a second one core must do. Here n-grams are hashed with numpy over the text's code
points (a whole batch at once) and mapped to the columns kept at fit time (document frequency at
least `min_df`), then weighted as TfidfVectorizer(sublinear_tf=True, norm="l2") would."""

import re
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

_SPACES = re.compile(r"\s+")
_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)
_MULT = np.uint64(0x9E3779B97F4A7C15)
_MIX = np.uint64(0xBF58476D1CE4E5B9)


def codepoints(text: str, max_chars: int) -> np.ndarray:
    text = _SPACES.sub(" ", text[: max_chars * 2]).strip().lower()[:max_chars]
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def hashed_ngrams(texts: list[str], ngram: tuple[int, int], bits: int,
                  max_chars: int) -> tuple[np.ndarray, np.ndarray]:
    """(document index, bucket) of every character n-gram of every text, unsorted, repeated."""
    arrays = [codepoints(t, max_chars) for t in texts]
    lengths = np.fromiter((len(a) for a in arrays), dtype=np.int64, count=len(arrays))
    if not lengths.sum():
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    cps = np.concatenate(arrays).astype(np.uint64)
    docs = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    room = lengths[docs] - (np.arange(len(cps), dtype=np.int64) - starts[docs])  # chars left
    rows, buckets = [], []
    rolling = np.zeros(len(cps), dtype=np.uint64)
    shift = np.uint64(64 - bits)
    with np.errstate(over="ignore"):
        for n in range(1, ngram[1] + 1):
            # rolling[i] = hash of cps[i:i+n]; uint64 arithmetic wraps, as intended.
            rolling = rolling[: len(cps) - n + 1] * _MULT + cps[n - 1:] + np.uint64(n)
            if n < ngram[0]:
                continue
            ok = room[: len(rolling)] >= n
            mixed = (rolling[ok] ^ (rolling[ok] >> np.uint64(31))) * _MIX
            rows.append(docs[: len(rolling)][ok])
            buckets.append((mixed >> shift).astype(np.int64))
    return np.concatenate(rows), np.concatenate(buckets)


@dataclass
class CharTfidf:
    """Fitted character n-gram TF-IDF: `transform` gives l2-normalised float32 CSR rows."""

    ngram: tuple[int, int] = (1, 4)
    bits: int = 20
    max_chars: int = 3000
    min_df: int = 2
    column: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # bucket -> col
    idf: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))

    @property
    def n_features(self) -> int:
        return len(self.idf)

    def _counts(self, texts: list[str]) -> sp.csr_matrix:
        docs, buckets = hashed_ngrams(texts, self.ngram, self.bits, self.max_chars)
        width = 1 << self.bits
        keys, counts = np.unique(docs * width + buckets, return_counts=True)
        return _csr(counts.astype(np.float32), keys // width, keys % width, (len(texts), width))

    def fit(self, texts: list[str]) -> "CharTfidf":
        counts = self._counts(texts)
        df = np.bincount(counts.indices, minlength=1 << self.bits)
        kept = np.flatnonzero(df >= self.min_df)
        self.column = np.full(1 << self.bits, -1, dtype=np.int32)
        self.column[kept] = np.arange(len(kept), dtype=np.int32)
        n = len(texts)
        self.idf = (np.log((1 + n) / (1 + df[kept])) + 1).astype(np.float32)
        return self

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        docs, buckets = hashed_ngrams(texts, self.ngram, self.bits, self.max_chars)
        cols = self.column[buckets]
        ok = cols >= 0
        docs, cols = docs[ok], cols[ok].astype(np.int64)
        width = max(self.n_features, 1)
        keys, counts = np.unique(docs * width + cols, return_counts=True)
        cols = keys % width
        values = (1 + np.log(counts)).astype(np.float32) * self.idf[cols]
        rows = keys // width
        norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=len(texts)))
        values /= np.where(norms > 0, norms, 1)[rows].astype(np.float32)
        return _csr(values, rows, cols, (len(texts), width))


def _csr(values: np.ndarray, rows: np.ndarray, cols: np.ndarray,
         shape: tuple[int, int]) -> sp.csr_matrix:
    """CSR from entries already sorted by (row, column), without scipy sorting them again."""
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
    return sp.csr_matrix((values, cols.astype(np.int32), indptr), shape=shape)
