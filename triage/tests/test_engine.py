"""Features, model files and the active version."""

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from triage import engine
from triage.features import CharTfidf
from triage.tests.conftest import tiny

TEXTS = ["the card fee was charged", "a debt collector called", "信用卡年费被扣收",
         "the card was charged twice"]


def test_features_match_scikit_learns_char_tfidf() -> None:
    ours = CharTfidf(ngram=(1, 3), bits=24, min_df=1).fit(TEXTS)
    theirs = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True,
                             lowercase=True).fit(TEXTS)
    a, b = ours.transform(TEXTS), theirs.transform(TEXTS)
    assert a.shape[1] == b.shape[1]  # no collisions at 24 bits for so few n-grams
    np.testing.assert_allclose(np.sort((a @ a.T).toarray().ravel()),
                               np.sort((b @ b.T).toarray().ravel()), atol=1e-5)


def test_word_features_match_scikit_learns_word_tfidf() -> None:
    texts = [*TEXTS, "", "don't 12 ab12 the card fee", "éclair über card"]
    ours = CharTfidf(ngram=(0, 0), bits=24, min_df=1, words=2).fit(texts)
    theirs = TfidfVectorizer(token_pattern=r"[a-z0-9\u00c0-\uffff]+", ngram_range=(1, 2),
                             sublinear_tf=True).fit(texts)
    a, b = ours.transform(texts), theirs.transform(texts)
    assert a.shape[1] == b.shape[1]
    np.testing.assert_allclose(np.sort((a @ a.T).toarray().ravel()),
                               np.sort((b @ b.T).toarray().ravel()), atol=1e-5)
    # Words do not run on from one text into the next, whatever the batch.
    both = CharTfidf(ngram=(2, 4), bits=24, min_df=1, words=2, word_chars=50).fit(texts)
    together = both.transform(texts).toarray()
    alone = np.vstack([both.transform([t]).toarray() for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-6)


def test_unseen_and_empty_texts_give_empty_rows() -> None:
    features = CharTfidf(ngram=(1, 3)).fit(TEXTS)
    x = features.transform(["", "zzzz", "card"])
    assert x.shape[0] == 3 and x[0].nnz == 0 and x[1].nnz == 0 and x[2].nnz > 0


def test_language_is_told_by_the_script() -> None:
    assert engine.language_of("信用卡年费被扣收 ABC") == "zh"
    assert engine.language_of("My card was charged 年") == "en"


def test_a_saved_model_loads_with_the_same_predictions_and_becomes_active(
    tmp_path: Path,
) -> None:
    model = tiny()
    path = engine.save(model, tmp_path)
    assert path.name == f"triage-{model.version}.npz"
    assert engine.active_path(tmp_path) == path
    loaded = engine.load(path)
    texts = ["debt collector calls my job", "客服态度很差", "mortgage escrow problem"]
    assert loaded.classify(texts) == model.classify(texts)
    assert loaded.version == model.version


def test_probabilities_sum_to_one_and_options_are_ranked() -> None:
    (predictions,) = tiny().classify(["催收电话骚扰家人"])
    (p,) = predictions
    confidences = [o.confidence for o in p.options]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1, abs=1e-3)  # three classes: all of them
    assert p.options[0].label == "0"


def test_a_model_file_is_loaded_without_pickle(tmp_path: Path) -> None:
    path = engine.save(tiny(), tmp_path)
    with np.load(path, allow_pickle=False) as npz:
        assert all(npz[name].dtype != object for name in npz.files)


def _paired_head() -> engine.Head:
    """Three classes over two features; a pair refiner for classes 0 and 1 that follows the
    second feature."""
    coef = np.array([[1.0, 0.9, 0.0], [0.0, 0.0, 0.0]], dtype=np.float32)
    head = engine.Head("h", ["a", "b", "c"], coef, np.zeros(3, np.float32),
                       np.zeros(3, np.float32))
    head.pairs = np.array([[0, 1]], dtype=np.int32)
    head.pair_coef = np.array([[0.0], [-1.0]], dtype=np.float32)  # positive (a first) unless x1
    head.pair_intercept = np.array([0.5], dtype=np.float32)
    return head


def test_a_pair_refiner_orders_its_two_classes_only_when_they_are_the_two_best() -> None:
    head = _paired_head()
    x = sp.csr_matrix(np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]], dtype=np.float32))
    scores = head.scores(x)
    assert scores.argmax(1).tolist() == [0, 1, 0]  # row 3: all tied at 0, nothing swapped
    assert scores[1].tolist() == pytest.approx([0.9, 1.0, 0.0])  # swapped, not changed
    head.pairs = np.zeros((0, 2), np.int32)
    assert head.scores(x).argmax(1).tolist() == [0, 0, 0]


def test_a_model_with_pair_refiners_saves_and_loads_them(tmp_path: Path) -> None:
    model = tiny()
    lm = model.languages["en"]
    head = lm.heads["cfpb_product"]
    head.pairs = np.array([[0, 1]], dtype=np.int32)
    head.pair_coef = np.ones((lm.features.n_features, 1), dtype=np.float32)
    head.pair_intercept = np.zeros(1, dtype=np.float32)
    loaded = engine.load(engine.save(model, tmp_path))
    again = loaded.languages["en"].heads["cfpb_product"]
    assert again.pairs.tolist() == [[0, 1]] and again.pair_coef.shape == head.pair_coef.shape
    texts = ["debt collector calls my job", "mortgage escrow problem", "card fee"]
    assert loaded.classify(texts) == model.classify(texts)
