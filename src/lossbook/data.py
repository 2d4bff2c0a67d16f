"""Data sets for the chapters: generated with a fixed seed, or loaded from installed packages.

Nothing here downloads. Generated data is documented where it is made, so that a reader knows
exactly which numbers are synthetic.
"""

from __future__ import annotations

import numpy as np


def linear_data(n: int = 50, *, slope: float = 2.0, intercept: float = 1.0, noise: float = 0.5,
                seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points of ``y = slope * x + intercept + N(0, noise^2)`` with ``x`` uniform on [0, 5]."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 5.0, size=n))
    y = slope * x + intercept + rng.normal(0.0, noise, size=n)
    return x, y


def corrupt(y: np.ndarray, fraction: float, *, shift: float = 15.0, seed: int = 0) -> np.ndarray:
    """Return a copy of ``y`` with ``round(fraction * len(y))`` values moved up by ``shift``.

    The corrupted points are chosen uniformly at random; a one-sided shift is the hardest case for
    a non-robust loss because the errors do not cancel.
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"corrupt: fraction must be in [0, 1], got {fraction}")
    rng = np.random.default_rng(seed)
    y = np.array(y, dtype=float, copy=True)
    idx = rng.choice(y.size, size=round(fraction * y.size), replace=False)
    y[idx] += shift
    return y


def flip_labels(labels: np.ndarray, rate: float, n_classes: int, *, seed: int = 0) -> np.ndarray:
    """Symmetric label noise: each label is replaced, with probability ``rate``, by a different class
    drawn uniformly from the other ``n_classes - 1`` classes."""
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"flip_labels: rate must be in [0, 1], got {rate}")
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    flip = rng.random(labels.shape) < rate
    offset = rng.integers(1, n_classes, size=labels.shape)
    return np.where(flip, (labels + offset) % n_classes, labels)
