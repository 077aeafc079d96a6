"""Character n-gram TF-IDF features, language-independent (Chinese needs no segmenter), with
optional word n-grams (for English: words and word pairs carry what character n-grams split).

Why not scikit-learn's TfidfVectorizer: its analyzer builds every n-gram as a Python string, about
half a millisecond for one English narrative, which alone would cap classification far below the
5,000 complaints a second one core must do. Here n-grams are hashed with numpy over the text's code
points (a whole batch at once) and mapped to the columns kept at fit time (document frequency at
least `min_df`), then weighted as TfidfVectorizer(sublinear_tf=True, norm="l2") would."""

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)
_MULT = np.uint64(0x9E3779B97F4A7C15)
_MIX = np.uint64(0xBF58476D1CE4E5B9)


def codepoints(text: str, max_chars: int) -> np.ndarray:
    # str.split() splits on runs of what `\s` matches (str.isspace), and faster than re.sub.
    text = " ".join(text[: max_chars * 2].split()).lower()[:max_chars]
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def hashed_ngrams(texts: list[str], ngram: tuple[int, int], bits: int, max_chars: int,
                  arrays: list[np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(document index, bucket) of every character n-gram of every text, unsorted, repeated.
    `arrays`: the texts' code points when the caller has them (at least max_chars of each)."""
    if arrays is None:
        arrays = [codepoints(t, max_chars) for t in texts]
    else:
        arrays = [a[:max_chars] for a in arrays]
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
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(rows), np.concatenate(buckets)


_P = np.uint64(0x100000001B3)  # odd, so invertible modulo 2**64
_P_INV = np.uint64(pow(0x100000001B3, -1, 1 << 64))
_SEPARATOR = np.array([32], dtype=np.uint32)
_WORD_SALT = (np.uint64(0x5851F42D4C957F2D), np.uint64(0x14057B7EF767814F))


def _is_word(cps: np.ndarray) -> np.ndarray:
    """Letters and digits (ASCII lower case after `codepoints`, or any non-ASCII letter)."""
    return ((cps >= 97) & (cps <= 122)) | ((cps >= 48) & (cps <= 57)) | (cps >= 0xC0)


_powers: dict[str, np.ndarray] = {}


def _power_table(length: int) -> tuple[np.ndarray, np.ndarray]:
    """P**j and P**-j modulo 2**64 for j < length (kept between calls: they only grow)."""
    if len(_powers.get("p", ())) < length:
        size = max(length, 1 << 16)
        with np.errstate(over="ignore"):
            p, q = np.full(size, _P, dtype=np.uint64), np.full(size, _P_INV, dtype=np.uint64)
            p[0] = q[0] = 1
            _powers["p"], _powers["q"] = np.cumprod(p, dtype=np.uint64), np.cumprod(q,
                                                                                 dtype=np.uint64)
    return _powers["p"][:length], _powers["q"][:length]


def hashed_words(texts: list[str], order: int, bits: int, max_chars: int,
                 arrays: list[np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(document index, bucket) of every word n-gram (n = 1..order) of every text. Words are runs
    of letters and digits; each is hashed as a polynomial of its code points, all at once: with
    G the running sum of c[j] * P**j, a word from s to e hashes to (G[e] - G[s]) * P**-s."""
    if arrays is None:
        arrays = [codepoints(t, max_chars) for t in texts]
    # Each text is followed by a space, so no word runs on into the next text.
    cps = np.concatenate([x for a in arrays for x in (a[:max_chars], _SEPARATOR)])
    cps = cps.astype(np.uint64)
    word = np.concatenate(([False], _is_word(cps)))
    change = np.flatnonzero(word[1:] != word[:-1])  # a run starts, then ends, then starts...
    boundary, ends = change[0::2], change[1::2]
    if not len(boundary):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    lengths = np.fromiter((min(len(a), max_chars) + 1 for a in arrays), dtype=np.int64,
                          count=len(arrays))
    word_docs = np.searchsorted(np.cumsum(lengths), boundary, side="right")
    powers, inverse = _power_table(len(cps))
    with np.errstate(over="ignore"):
        running = np.concatenate(([np.uint64(0)], np.cumsum(cps * powers, dtype=np.uint64)))
        hashes = (running[ends] - running[boundary]) * inverse[boundary]
        rows, buckets = [], []
        shift = np.uint64(64 - bits)
        grams = hashes
        for n in range(1, order + 1):
            if n > 1:
                grams = grams[:-1] * _MULT + hashes[n - 1:]
                same = word_docs[: len(grams)] == word_docs[n - 1:]
            else:
                same = np.ones(len(grams), dtype=bool)
            salted = grams[same] ^ _WORD_SALT[min(n, 2) - 1] + np.uint64(n)
            mixed = (salted ^ (salted >> np.uint64(29))) * _MIX
            rows.append(word_docs[: len(grams)][same])
            buckets.append((mixed >> shift).astype(np.int64))
    return np.concatenate(rows), np.concatenate(buckets)


@dataclass
class CharTfidf:
    """Fitted character (and optionally word) n-gram TF-IDF: `transform` gives l2-normalised
    float32 CSR rows."""

    ngram: tuple[int, int] = (1, 4)
    bits: int = 20
    max_chars: int = 3000
    min_df: int = 2
    words: int = 0  # word n-grams up to this order as well (0: characters only)
    word_chars: int = 0  # how much of a text is read for words (0: max_chars)
    column: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # bucket -> col
    idf: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))

    @property
    def n_features(self) -> int:
        return len(self.idf)

    def _hashed(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        if not self.words:
            return hashed_ngrams(texts, self.ngram, self.bits, self.max_chars)
        word_chars = self.word_chars or self.max_chars
        arrays = [codepoints(t, max(self.max_chars, word_chars)) for t in texts]  # read once
        docs, buckets = hashed_ngrams(texts, self.ngram, self.bits, self.max_chars, arrays)
        more = hashed_words(texts, self.words, self.bits, word_chars, arrays)
        return np.concatenate([docs, more[0]]), np.concatenate([buckets, more[1]])

    def _counts(self, texts: list[str]) -> sp.csr_matrix:
        docs, buckets = self._hashed(texts)
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
        docs, buckets = self._hashed(texts)
        cols = self.column[buckets]
        ok = cols >= 0
        width = max(self.n_features, 1)
        # Sorting the (document, column) keys is most of the time: 32-bit keys sort twice as
        # fast, and a batch of 1,000 texts fits in them.
        kind = np.int32 if len(texts) * width < np.iinfo(np.int32).max else np.int64
        docs, cols = docs[ok].astype(kind), cols[ok].astype(kind)
        keys, counts = np.unique(docs * kind(width) + cols, return_counts=True)
        cols = keys % width
        values = (1 + np.log(counts)).astype(np.float32) * self.idf[cols]
        rows = (keys // width).astype(np.int64)
        norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=len(texts)))
        values /= np.where(norms > 0, norms, 1)[rows].astype(np.float32)
        return _csr(values, rows, cols, (len(texts), width))


def _csr(values: np.ndarray, rows: np.ndarray, cols: np.ndarray,
         shape: tuple[int, int]) -> sp.csr_matrix:
    """CSR from entries already sorted by (row, column), without scipy sorting them again."""
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
    return sp.csr_matrix((values, cols.astype(np.int32), indptr), shape=shape)
