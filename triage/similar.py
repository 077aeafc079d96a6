"""Similar resolved cases: the closed complaints most like a given one, with their resolutions.

Each process keeps, per language, the TF-IDF vectors of the most recent CLOSED_LIMIT closed
complaints (only the TOP_TERMS heaviest n-grams of each, which keeps most of the cosine and a
fraction of the memory), built on first use and topped up with complaints closed since. A
lookup is one sparse product; the caller sees only complaints in its own scope."""

import datetime as dt
import threading
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from complaints.choices import State
from complaints.models import Complaint, Resolution
from complaints.selectors import visible_complaints
from org.access import Principal
from triage.engine import language_of
from triage.features import CharTfidf
from triage.pii import mask_text
from triage.schemas import SimilarOut

CLOSED_LIMIT = 10_000
TOP_TERMS = 200
TOP_K = 5
# Character n-grams per language for similarity (the classifiers' own features are in engine.py).
NGRAMS = {"en": (2, 5), "zh": (1, 3)}
_lock = threading.Lock()


@dataclass
class _Corpus:
    features: CharTfidf
    refs: list[int] = field(default_factory=list)
    matrix: sp.csr_matrix | None = None


@dataclass
class _State:
    corpora: dict[str, _Corpus] = field(default_factory=dict)
    closed_since: dt.datetime | None = None


_state: dict[str, _State] = {}


def _prune(x: sp.csr_matrix) -> sp.csr_matrix:
    """Keep the TOP_TERMS largest weights of each row, renormalised."""
    x = x.tocsr()
    for i in range(x.shape[0]):
        start, end = x.indptr[i], x.indptr[i + 1]
        if end - start > TOP_TERMS:
            row = x.data[start:end]
            row[np.argsort(row)[: end - start - TOP_TERMS]] = 0
    x.eliminate_zeros()
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    return sp.diags(1 / np.where(norms > 0, norms, 1)) @ x


def _texts(rows: list[tuple[int, str, str]]) -> dict[str, list[tuple[int, str]]]:
    by_language: dict[str, list[tuple[int, str]]] = {}
    for pk, content, claim in rows:
        text = f"{content}\n{claim}"
        by_language.setdefault(language_of(text), []).append((pk, text))
    return by_language


def _refresh() -> _State:
    state = _state.get("closed") or _State()
    query = Complaint.objects.filter(state=State.CLOSED, closed_at__isnull=False)
    if state.closed_since:
        query = query.filter(closed_at__gt=state.closed_since)
    rows = list(query.order_by("-closed_at").values_list("pk", "content", "claim", "closed_at")
                [:CLOSED_LIMIT])
    stamps = [r[3] for r in rows if r[3] is not None]
    if stamps:
        state.closed_since = max(stamps)
    for language, items in _texts([r[:3] for r in rows[::-1]]).items():
        corpus = state.corpora.get(language)
        texts = [t for _, t in items]
        if corpus is None:
            corpus = _Corpus(CharTfidf(ngram=NGRAMS.get(language, (1, 4)), min_df=1).fit(texts))
            state.corpora[language] = corpus
        known = set(corpus.refs)
        fresh = [(pk, t) for pk, t in items if pk not in known]
        if not fresh:
            continue
        vectors = _prune(corpus.features.transform([t for _, t in fresh]))
        corpus.matrix = vectors if corpus.matrix is None else sp.vstack([corpus.matrix, vectors])
        corpus.refs += [pk for pk, _ in fresh]
        if len(corpus.refs) > CLOSED_LIMIT:
            drop = len(corpus.refs) - CLOSED_LIMIT
            corpus.refs, corpus.matrix = corpus.refs[drop:], corpus.matrix.tocsr()[drop:]
    _state["closed"] = state
    return state


def forget() -> None:
    with _lock:
        _state.clear()


def similar_cases(principal: Principal, complaint: Complaint, k: int = TOP_K) -> list[SimilarOut]:
    """The k closed complaints (in the caller's scope) most like `complaint`."""
    text = f"{complaint.content}\n{complaint.claim}"
    with _lock:
        corpus = _refresh().corpora.get(language_of(text))
        if corpus is None or corpus.matrix is None:
            return []
        scores = np.asarray((corpus.matrix @ corpus.features.transform([text]).T).todense()).ravel()
        order = np.argsort(-scores)[: k * 10]
        ranked = [(corpus.refs[i], float(scores[i])) for i in order
                  if scores[i] > 0 and corpus.refs[i] != complaint.pk]
    # Still closed: one reopened (or under review) since the index read it is no resolved case.
    visible = {c.pk: c for c in visible_complaints(principal).filter(
        pk__in=[r for r, _ in ranked], state=State.CLOSED)}
    chosen = [(visible[r], s) for r, s in ranked if r in visible][:k]
    last: dict[int, Resolution] = {}
    resolutions = Resolution.objects.filter(complaint__in=[c for c, _ in chosen]).order_by("pk")
    for resolution in resolutions:
        last[resolution.complaint_id] = resolution
    return [
        SimilarOut(number=c.number, score=round(s, 3), codes=c.codes,
                   decision=last[c.pk].decision if c.pk in last else "",
                   remedy=last[c.pk].remedy if c.pk in last else "",
                   reasons=mask_text(last[c.pk].reasons) if c.pk in last else "")
        for c, s in chosen
    ]
