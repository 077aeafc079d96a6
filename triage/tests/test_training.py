"""The linear models heads are fitted with."""

import numpy as np
import pytest
import scipy.sparse as sp

from triage.training import NBSVC, fit_head, fit_pairs


def _rows(seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = sp.random(60, 40, density=0.2, format="lil", random_state=seed, dtype=np.float64)
    y = rng.integers(0, 3, 60)
    for k in range(3):  # a feature that tells each class
        x[np.flatnonzero(y == k), k] = 1.0
    return sp.csr_matrix(x), y


def test_nbsvm_folds_its_scaling_into_linear_coefficients() -> None:
    x, y = _rows()
    model = NBSVC(1.0).fit(x, y)
    assert model.coef_.shape == (3, 40) and model.intercept_.shape == (3,)
    assert list(model.classes_) == [0, 1, 2]
    predicted = np.asarray(x @ model.coef_.T + model.intercept_).argmax(1)
    assert (predicted == y).mean() > 0.9
    two = NBSVC(1.0).fit(x, np.minimum(y, 1))  # two classes: one column, as LinearSVC
    assert two.coef_.shape == (1, 40)
    scores = np.asarray(x @ two.coef_.T).ravel() + two.intercept_[0]
    assert ((scores > 0) == (y >= 1)).mean() > 0.9


def test_the_product_head_is_an_nbsvm_and_others_a_linear_svc() -> None:
    x, y = _rows(1)
    labels = [f"c{v}" for v in y]
    product = fit_head("cfpb_product", x, labels)
    other = fit_head("zh_cause", x, labels)
    assert product.classes == other.classes == ["c0", "c1", "c2"]
    assert not np.allclose(product.coef, other.coef)
    for head in (product, other):
        assert (np.array(head.classes)[head.probabilities(x).argmax(1)] == labels).mean() > 0.9


def test_pair_refiners_are_fitted_for_the_pairs_a_head_knows() -> None:
    x, y = _rows(2)
    head = fit_head("zh_cause", x, [f"c{v}" for v in y])
    assert len(head.pairs) == 0  # no pairs configured for this head
    fit_pairs(head, x, y, [("c0", "c1"), ("c0", "unknown")])
    assert head.pairs.tolist() == [[0, 1]]
    assert head.pair_coef.shape == (40, 1) and head.pair_intercept.shape == (1,)
    rows = np.flatnonzero(y < 2)
    margins = np.asarray(x[rows] @ head.pair_coef).ravel() + head.pair_intercept[0]
    assert ((margins > 0) == (y[rows] == 0)).mean() > 0.9


def test_product_offsets_are_tuned_on_two_pooled_cross_validations(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from triage import training

    seen: list[tuple[int, int]] = []
    tune = training.tune_offsets

    def spy(scores: np.ndarray, y: np.ndarray, rounds: int = 2) -> np.ndarray:
        seen.append((len(scores), len(y)))
        return tune(scores, y, rounds)

    monkeypatch.setattr(training, "tune_offsets", spy)
    x, y = _rows(3)
    labels = [f"c{v}" for v in y]
    assert training.OFFSET_REPEATS["cfpb_product"] == 2
    product = fit_head("cfpb_product", x, labels)
    fit_head("zh_cause", x, labels)
    assert seen == [(120, 120), (60, 60)]  # every row once per split; Chinese: one split
    assert np.isfinite(product.offsets).all() and product.temperature > 0
