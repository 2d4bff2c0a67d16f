"""Calibration of a classifier's probabilities: reliability bins, ECE and temperature scaling.

A classifier is calibrated when, among the predictions it makes with confidence about 0.8, about
80 % are right. :func:`reliability` bins the test predictions by their confidence (the largest
probability) and compares each bin's mean confidence with its accuracy; the expected calibration
error (ECE) is the count-weighted mean gap between the two (Guo et al., 2017). Bin ``m``
of ``M`` holds the confidences in ``((m - 1)/M, m/M]``, as in Guo et al.; a confidence of exactly
0.8 therefore falls in the bin that ends at 0.8.

Temperature scaling divides the logits by one number ``T`` fitted on validation data; it changes
every probability but no prediction, so accuracy stays where it was.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize_scalar

__all__ = ["Reliability", "reliability", "expected_calibration_error", "softmax",
           "fit_temperature"]


class Reliability(NamedTuple):
    """Per non-empty bin: mean confidence, accuracy and count; and the ECE over all bins."""

    confidence: np.ndarray
    accuracy: np.ndarray
    count: np.ndarray
    ece: float


def _check(where: str, probs: ArrayLike, labels: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    probs, labels = np.asarray(probs, dtype=float), np.asarray(labels)
    if probs.ndim != 2 or probs.shape[0] == 0:
        raise ValueError(f"{where}: probs must be a non-empty (n, classes) array, "
                         f"got shape {probs.shape}")
    if labels.shape != probs.shape[:1] or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"{where}: labels must be {probs.shape[0]} integer class indices, "
                         f"got shape {labels.shape} and dtype {labels.dtype}")
    if labels.min() < 0 or labels.max() >= probs.shape[1]:
        raise ValueError(f"{where}: labels must lie in [0, {probs.shape[1] - 1}]")
    if not np.all(np.isfinite(probs)) or probs.min() < 0 or probs.max() > 1:
        raise ValueError(f"{where}: probs must be finite and in [0, 1] "
                         "(pass softmax(logits), not logits)")
    return probs, labels


def reliability(probs: ArrayLike, labels: ArrayLike, *, bins: int = 10) -> Reliability:
    """Bin the predictions by confidence; return each non-empty bin's statistics and the ECE.

    ``probs`` is ``(n, classes)``, ``labels`` holds ``n`` class indices.
    """
    probs, labels = _check("reliability", probs, labels)
    if not (isinstance(bins, int) and bins >= 1):
        raise ValueError(f"reliability: bins must be a positive integer, got {bins!r}")
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    # Bin m holds ((m - 1)/M, m/M]; ceil puts a right edge into the bin it closes.
    which = np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)
    count = np.bincount(which, minlength=bins)
    used = count > 0
    mean_confidence = np.bincount(which, confidence, bins)[used] / count[used]
    accuracy = np.bincount(which, correct, bins)[used] / count[used]
    ece = float(np.sum(count[used] * np.abs(mean_confidence - accuracy)) / len(labels))
    return Reliability(mean_confidence, accuracy, count[used], ece)


def expected_calibration_error(probs: ArrayLike, labels: ArrayLike, *, bins: int = 10) -> float:
    """The ECE of :func:`reliability`: sum over bins of (count / n) * |accuracy - confidence|."""
    return reliability(probs, labels, bins=bins).ece


def softmax(logits: ArrayLike, *, temperature: float = 1.0) -> np.ndarray:
    """``softmax(logits / temperature)`` over the last axis, stable for logits of any size."""
    if not temperature > 0:
        raise ValueError(f"softmax: temperature must be positive, got {temperature!r}")
    z = np.asarray(logits, dtype=float) / temperature
    # softmax(z) = softmax(z - max z): the largest exponent is exp(0) = 1, so nothing overflows.
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def fit_temperature(logits: ArrayLike, labels: ArrayLike, *,
                    bounds: tuple[float, float] = (0.05, 20.0)) -> float:
    """The temperature that minimises the mean negative log-likelihood of ``labels``.

    Fit it on a validation split, never on the test set. The search is over ``log T`` within
    ``bounds``; a result at a bound means the data asked for more than the bounds allow.
    """
    logits = np.asarray(logits, dtype=float)
    _check("fit_temperature", softmax(logits), labels)
    labels = np.asarray(labels)

    def nll(log_t: float) -> float:
        z = logits / np.exp(log_t)
        # -log softmax(z)_y = logsumexp(z) - z_y, with the max shifted out for stability.
        top = z.max(axis=1)
        lse = top + np.log(np.exp(z - top[:, None]).sum(axis=1))
        return float(np.mean(lse - z[np.arange(len(labels)), labels]))

    found = minimize_scalar(nll, bounds=np.log(bounds), method="bounded",
                            options={"xatol": 1e-8})
    return float(np.exp(found.x))
