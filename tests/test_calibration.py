"""lossbook.calibration: reliability bins, ECE, softmax with temperature, temperature fitting."""

import numpy as np
import pytest

from lossbook import calibration


def test_ece_by_hand():
    # Two predictions at 0.95 (one right) and two at 0.6 (both right):
    # ECE = 0.5 * |0.5 - 0.95| + 0.5 * |1 - 0.6| = 0.425.
    probs = np.array([[0.95, 0.05], [0.95, 0.05], [0.6, 0.4], [0.4, 0.6]])
    result = calibration.reliability(probs, np.array([0, 1, 0, 1]))
    assert result.ece == pytest.approx(0.425)
    np.testing.assert_allclose(result.confidence, [0.6, 0.95])
    np.testing.assert_allclose(result.accuracy, [1.0, 0.5])
    np.testing.assert_array_equal(result.count, [2, 2])


def test_a_right_edge_belongs_to_the_bin_it_closes():
    probs = np.array([[0.8, 0.2], [0.7, 0.3]])
    result = calibration.reliability(probs, np.array([0, 0]), bins=10)
    assert result.count.tolist() == [1, 1]  # 0.7 in (0.6, 0.7], 0.8 in (0.7, 0.8]
    np.testing.assert_allclose(result.confidence, [0.7, 0.8])


def test_a_calibrated_model_has_a_small_ece_and_an_overconfident_one_does_not():
    rng = np.random.default_rng(0)
    confidence = rng.uniform(0.5, 1.0, size=20_000)
    right = rng.random(20_000) < confidence  # right exactly as often as it claims
    probs = np.column_stack([confidence, 1 - confidence])
    labels = np.where(right, 0, 1)
    assert calibration.expected_calibration_error(probs, labels) < 0.01
    sharper = np.column_stack([np.sqrt(confidence), 1 - np.sqrt(confidence)])
    assert calibration.expected_calibration_error(sharper, labels) > 0.05


def test_fit_temperature_recovers_the_temperature_that_made_the_labels():
    rng = np.random.default_rng(1)
    logits = rng.normal(scale=3.0, size=(20_000, 5))
    true_t = 2.5
    p = calibration.softmax(logits, temperature=true_t)
    labels = (rng.random((20_000, 1)) > p.cumsum(axis=1)).sum(axis=1)
    assert calibration.fit_temperature(logits, labels) == pytest.approx(true_t, rel=0.05)


def test_softmax_is_stable_and_sums_to_one():
    z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4 + 1.0, -1e4]])
    p = calibration.softmax(z)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[0], [1.0, 0.0, 0.0])


@pytest.mark.parametrize(
    ("probs", "labels", "message"),
    [(np.ones(3) / 3, np.array([0]), "probs must be a non-empty"),
     (np.full((2, 2), 0.5), np.array([0.0, 1.0]), "integer class indices"),
     (np.full((2, 2), 0.5), np.array([0, 2]), r"labels must lie in \[0, 1\]"),
     (np.array([[2.0, -1.0]]), np.array([0]), "from_logits|not logits")],
)
def test_bad_input_is_refused_with_a_clear_message(probs, labels, message):
    with pytest.raises(ValueError, match=message):
        calibration.reliability(probs, labels)


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="bins"):
        calibration.reliability(np.full((1, 2), 0.5), np.array([0]), bins=0)
    with pytest.raises(ValueError, match="temperature"):
        calibration.softmax(np.zeros((1, 2)), temperature=0.0)
