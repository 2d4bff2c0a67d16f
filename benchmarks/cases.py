"""Valid inputs of a given size for every loss, shaped as the benchmarks specify, and the Keras
function each is timed against.

Element-wise losses get (batch, 100) arrays; the losses over classes get (batch, 10). Dice and
Tversky get masks of (batch, 32, 32, 1), one loss per mask; Circle and InfoNCE a square batch
of embeddings (N = D, so the N x N similarities have as many numbers as the input); CTC logits of
(batch, 50 frames, 20 classes) with label sequences of 5 to 10; DPO one number per pair. Values
are drawn from the range each loss accepts, so that both libraries do their normal work.

The six losses that Keras lacks are timed against the composition of Keras operations that the
tests check them with.
"""

from __future__ import annotations

import math
from typing import Any, Callable, NamedTuple

import numpy as np

CATEGORICAL = {
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "kl_divergence",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "categorical_hinge",
}
SPARSE = {"sparse_categorical_crossentropy", "categorical_generalized_cross_entropy"}
OPTIONS: dict[str, dict[str, Any]] = {
    "pinball": {"quantile": 0.9},
    "categorical_generalized_cross_entropy": {"q": 0.5},
    "dice": {"axis": (1, 2, 3)},
    "tversky": {"alpha": 0.3, "beta": 0.7, "axis": (1, 2, 3)},
    "distillation": {"temperature": 2.0},
}


class Case(NamedTuple):
    args: tuple[np.ndarray, ...]  #: float64 arrays (integer labels where the loss takes them)
    opts: dict[str, Any]
    size: int  #: the number of elements of the main input


def _probabilities(rng, shape):
    logits = rng.normal(size=shape)
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _unit_rows(rng, shape):
    x = rng.normal(size=shape)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def make_case(name: str, n: int, seed: int = 0) -> Case:
    """The arguments of loss ``name`` with about ``n`` elements in its main input."""
    rng = np.random.default_rng(seed)
    opts = OPTIONS.get(name, {})
    if name in ("circle", "info_nce"):
        side = max(int(math.isqrt(n)), 2)
        x = _unit_rows(rng, (side, side))
        if name == "circle":
            return Case((rng.integers(0, 10, side), x), opts, x.size)
        return Case((x, _unit_rows(rng, (side, side))), opts, x.size)
    if name == "ctc":
        batch = max(n // (50 * 20), 1)
        lengths = rng.integers(5, 11, batch)
        labels = rng.integers(1, 20, (batch, 10)) * (np.arange(10) < lengths[:, None])
        logits = rng.normal(size=(batch, 50, 20))
        return Case((labels, logits), opts, logits.size)
    if name in ("dice", "tversky"):
        shape = (max(n // 1024, 1), 32, 32, 1)
        return Case(((rng.random(shape) < 0.3).astype(np.float64), rng.random(shape)), opts,
                    math.prod(shape))  # fmt: skip
    if name == "dpo":
        logps = -rng.uniform(10.0, 200.0, (4, n))
        return Case(tuple(logps), opts, n)
    width = 10 if name in CATEGORICAL else 100
    shape = (max(n // width, 1), width)
    size = math.prod(shape)
    if name in ("categorical_crossentropy", "categorical_focal_crossentropy", "categorical_hinge"):
        labels = rng.integers(0, width, size=shape[0])
        scores = name == "categorical_hinge"
        y_pred = rng.normal(size=shape) if scores else _probabilities(rng, shape)
        return Case((np.eye(width)[labels], y_pred), opts, size)
    if name in SPARSE:
        return Case((rng.integers(0, width, size=shape[0]), _probabilities(rng, shape)), opts, size)
    if name == "kl_divergence":
        return Case((_probabilities(rng, shape), _probabilities(rng, shape)), opts, size)
    if name in {"binary_crossentropy", "binary_focal_crossentropy"}:
        return Case((rng.integers(0, 2, size=shape).astype(np.float64),
                     rng.uniform(0.01, 0.99, size=shape)), opts, size)  # fmt: skip
    if name in {"hinge", "squared_hinge"}:
        return Case((rng.choice([-1.0, 1.0], size=shape), rng.normal(size=shape)), opts, size)
    if name == "poisson":
        return Case((rng.poisson(3.0, size=shape).astype(np.float64),
                     rng.uniform(0.5, 6.0, size=shape)), opts, size)  # fmt: skip
    if name in ("mean_squared_logarithmic_error", "mean_absolute_percentage_error"):
        return Case((rng.uniform(0.5, 10.0, size=shape), rng.uniform(0.5, 10.0, size=shape)), opts,
                    size)  # fmt: skip
    if name == "triplet_margin":
        return Case(tuple(rng.normal(size=(3, *shape))), opts, size)
    if name == "distillation":
        return Case((rng.normal(size=shape) * 3, rng.normal(size=shape) * 3), opts, size)
    return Case((rng.normal(size=shape), rng.normal(size=shape)), opts, size)


def keras_function(name: str, keras: Any) -> Callable[..., Any]:
    """``keras.losses.<name>``, or the Keras composition that stands for a loss Keras lacks."""
    ops = keras.ops
    if name == "pinball":
        return lambda y, p, quantile: ops.mean(
            ops.maximum(quantile * (y - p), (quantile - 1.0) * (y - p)), axis=-1
        )
    if name == "bpr":
        return lambda pos, neg: -ops.mean(ops.log_sigmoid(pos - neg), axis=-1)
    if name == "info_nce":

        def info_nce(q, k, temperature=0.1):
            logits = ops.matmul(ops.normalize(q), ops.transpose(ops.normalize(k))) / temperature
            labels = ops.arange(ops.shape(q)[0])
            return keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)

        return info_nce
    if name == "triplet_margin":
        return lambda a, p, n: ops.maximum(
            ops.norm(a - p, axis=-1) - ops.norm(a - n, axis=-1) + 1.0, 0.0
        )
    if name == "distillation":
        return lambda t, s, temperature: temperature**2 * keras.losses.kl_divergence(
            ops.softmax(t / temperature), ops.softmax(s / temperature)
        )
    if name == "dpo":
        return lambda pc, pr, rc, rr: ops.softplus(-0.1 * ((pc - rc) - (pr - rr)))
    return getattr(keras.losses, name)
