"""Valid inputs of a given size for every loss, shaped as the benchmarks specify.

Elementwise losses get (batch, 100) arrays; the categorical ones get (batch, 10). Values are drawn
from the range each loss accepts, so that both libraries do their normal work.
"""

from __future__ import annotations

import numpy as np

CATEGORICAL = {"categorical_crossentropy", "sparse_categorical_crossentropy", "kl_divergence"}


def _probabilities(rng, shape):
    logits = rng.normal(size=shape)
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def make_case(name: str, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return float64 ``(y_true, y_pred)`` for loss ``name`` with about ``n`` elements in y_pred."""
    rng = np.random.default_rng(seed)
    width = 10 if name in CATEGORICAL else 100
    shape = (max(n // width, 1), width)
    if name == "categorical_crossentropy":
        labels = rng.integers(0, width, size=shape[0])
        return np.eye(width)[labels], _probabilities(rng, shape)
    if name == "sparse_categorical_crossentropy":
        return rng.integers(0, width, size=shape[0]).astype(np.float64), _probabilities(rng, shape)
    if name == "kl_divergence":
        return _probabilities(rng, shape), _probabilities(rng, shape)
    if name in {"binary_crossentropy", "binary_focal_crossentropy"}:
        return rng.integers(0, 2, size=shape).astype(np.float64), rng.uniform(0.01, 0.99, size=shape)
    if name in {"hinge", "squared_hinge"}:
        return rng.choice([-1.0, 1.0], size=shape), rng.normal(size=shape)
    if name == "poisson":
        return rng.poisson(3.0, size=shape).astype(np.float64), rng.uniform(0.5, 6.0, size=shape)
    return rng.normal(size=shape), rng.normal(size=shape)
