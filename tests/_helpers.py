"""Shared pieces of lossbook's own tests: reference formulas, Keras wrappers, test data.

The reference formulas here are written independently of ``lossbook`` (plain float64 NumPy,
different identities where possible: ``np.logaddexp`` instead of ``log1p(exp(-|x|))``), so that
a test comparing the two can fail.
"""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

EPS = 1e-7

#: The losses with arguments ``(y_true, y_pred)`` that reduce the last axis: the 13 of the design
#: notes in their order, then those added with issue 12. The other new losses have their own
#: tests (tests/test_lossbook_multi.py).
NAMES = [
    "mean_squared_error",
    "mean_absolute_error",
    "huber",
    "log_cosh",
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "kl_divergence",
    "hinge",
    "squared_hinge",
    "binary_focal_crossentropy",
    "poisson",
    "cosine_similarity",
    "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error",
    "pinball",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "categorical_hinge",
]

#: Options without a default, and the value that tests which pass no options use.
REQUIRED: dict[str, dict[str, Any]] = {
    "pinball": {"quantile": 0.5},
    "categorical_generalized_cross_entropy": {"q": 0.5},
}

#: Losses that Keras lacks, checked against a composition of Keras operations instead.
NOT_IN_KERAS = {"pinball"}

#: Option sets worth testing for each loss (the empty set means the defaults).
OPTIONS: dict[str, list[dict[str, Any]]] = {
    "huber": [{}, {"delta": 0.3}, {"delta": 2.5}],
    "binary_crossentropy": [
        {},
        {"from_logits": True},
        {"label_smoothing": 0.2},
        {"from_logits": True, "label_smoothing": 0.1},
    ],
    "categorical_crossentropy": [
        {},
        {"from_logits": True},
        {"label_smoothing": 0.2},
        {"from_logits": True, "label_smoothing": 0.1},
    ],
    "sparse_categorical_crossentropy": [{}, {"from_logits": True}],
    "binary_focal_crossentropy": [
        {},
        {"from_logits": True},
        {"gamma": 0.0},
        {"gamma": 0.5, "apply_class_balancing": True, "alpha": 0.3},
        {"gamma": 3.5, "from_logits": True, "apply_class_balancing": True},
        {"gamma": 1.0, "from_logits": True},
        {"gamma": 1.5, "label_smoothing": 0.2, "apply_class_balancing": True},
        {"from_logits": True, "label_smoothing": 0.1},
    ],
    "pinball": [{"quantile": 0.5}, {"quantile": 0.1}, {"quantile": 0.9}],
    "categorical_focal_crossentropy": [
        {},
        {"from_logits": True},
        {"gamma": 0.5, "alpha": 0.7, "label_smoothing": 0.1},
        {"gamma": 0.0, "from_logits": True, "alpha": 1.0},
        {"gamma": 3.0, "from_logits": True, "alpha": 2.0, "label_smoothing": 0.2},
    ],
    "categorical_generalized_cross_entropy": [{"q": 0.5}, {"q": 0.1}, {"q": 0.9}],
}

#: Every (name, options) pair, with a readable id for pytest.
CASES = [(name, opts) for name in NAMES for opts in OPTIONS.get(name, [{}])]
CASE_IDS = [name + "".join(f"-{k}={v}" for k, v in opts.items()) for name, opts in CASES]


@contextlib.contextmanager
def strict() -> Iterator[None]:
    """Every warning is an error inside the block (NumPy's RuntimeWarnings included)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# --------------------------------------------------------------------------------------------
# Test data, away from kinks and clip boundaries
# --------------------------------------------------------------------------------------------


def make_inputs(
    name: str, opts: dict[str, Any], shape: tuple[int, ...], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Random float64 inputs for ``name`` where the loss is smooth (for gradient checks)."""
    from_logits = opts.get("from_logits", False)
    k = shape[-1]
    if name in ("mean_squared_error", "log_cosh", "cosine_similarity"):
        return rng.normal(size=shape), rng.normal(size=shape) * 2
    if name == "mean_absolute_error":  # |error| >= 0.05, away from the kink at 0
        y_true = rng.normal(size=shape)
        return y_true, y_true + rng.choice([-1, 1], shape) * rng.uniform(0.05, 2, shape)
    if name == "huber":  # |error| away from delta
        delta = opts.get("delta", 1.0)
        size = np.where(
            rng.random(shape) < 0.5, rng.uniform(0.0, 0.9, shape), rng.uniform(1.1, 3, shape)
        )
        y_true = rng.normal(size=shape)
        return y_true, y_true + rng.choice([-1, 1], shape) * size * delta
    if name in ("hinge", "squared_hinge"):  # margins y * y_pred away from 1
        signs = rng.choice([-1.0, 1.0], shape)
        margin = np.where(
            rng.random(shape) < 0.5, rng.uniform(-2, 0.9, shape), rng.uniform(1.1, 3, shape)
        )
        return signs, signs * margin
    if name in ("binary_crossentropy", "binary_focal_crossentropy"):
        y_true = rng.integers(0, 2, shape).astype(float)
        y_true[rng.random(shape) < 0.3] = rng.random()  # some soft labels
        y_pred = rng.normal(size=shape) * 3 if from_logits else rng.uniform(0.02, 0.98, shape)
        return y_true, y_pred
    if name == "categorical_crossentropy":
        y_true = np.eye(k)[rng.integers(0, k, shape[:-1])]
        if rng.random() < 0.5:
            y_true = rng.dirichlet(np.ones(k), shape[:-1])  # soft targets that sum to 1
        y_pred = rng.normal(size=shape) * 3 if from_logits else rng.uniform(0.05, 1, shape)
        return y_true, y_pred  # probabilities not normalised: Keras renormalises them
    if name == "sparse_categorical_crossentropy":
        y_pred = rng.normal(size=shape) * 3 if from_logits else rng.uniform(0.02, 0.98, shape)
        return rng.integers(0, k, shape[:-1]), y_pred
    if name == "kl_divergence":
        y_true = rng.dirichlet(np.ones(k), shape[:-1])
        y_true[rng.random(y_true.shape) < 0.2] = 0.0  # zeros are clipped to epsilon by Keras
        return y_true, rng.dirichlet(np.ones(k), shape[:-1]) * 0.9 + 0.1 / k
    if name == "poisson":
        return rng.poisson(3.0, shape).astype(float), rng.uniform(0.1, 6, shape)
    if name in ("mean_absolute_percentage_error", "pinball"):  # |error| >= 0.05, |y| >= 0.1
        y_true = rng.choice([-1, 1], shape) * rng.uniform(0.1, 3, shape)
        return y_true, y_true + rng.choice([-1, 1], shape) * rng.uniform(0.05, 2, shape)
    if name == "mean_squared_logarithmic_error":  # positive, away from Keras's clamp at eps
        return rng.uniform(0.05, 5, shape), rng.uniform(0.05, 5, shape)
    if name == "categorical_focal_crossentropy":
        y_true, y_pred = make_inputs("categorical_crossentropy", opts, shape, rng)
        return y_true, y_pred
    if name == "categorical_generalized_cross_entropy":
        return rng.integers(0, k, shape[:-1]), rng.uniform(0.02, 0.98, shape)
    if name == "categorical_hinge":
        return np.eye(k)[rng.integers(0, k, shape[:-1])], rng.normal(size=shape) * 2
    raise KeyError(name)


# --------------------------------------------------------------------------------------------
# Reference formulas in float64
# --------------------------------------------------------------------------------------------


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -x))  # exp(log sigmoid(x)), exact for any finite x


def hinge_signs(y_true: np.ndarray) -> np.ndarray:
    y_true = np.asarray(y_true, dtype=np.float64)
    return 2 * y_true - 1 if np.isin(y_true, [0, 1]).all() else y_true


def clip_bounds(dtype: Any = np.float64) -> tuple[float, float]:
    """Keras's clip range [eps, 1 - eps], rounded to ``dtype`` as TensorFlow rounds it."""
    return float(np.asarray(EPS, dtype)), float(np.asarray(1 - EPS, dtype))


def reference(
    name: str, y_true: Any, y_pred: Any, *, dtype: Any = np.float64, **opts: Any
) -> np.ndarray:
    """The loss computed from its textbook formula in float64 (Keras's clipping included).

    ``dtype`` is the dtype of the computation being checked: Keras's clip bounds 1e-7 and
    1 - 1e-7 are rounded to it (1 - 1e-7 is 0.99999988 in float32).
    """
    t = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    from_logits = opts.get("from_logits", False)
    smoothing = opts.get("label_smoothing", 0.0)
    low, high = clip_bounds(dtype)
    if name == "mean_squared_error":
        return np.mean((p - t) ** 2, axis=-1)
    if name == "mean_absolute_error":
        return np.mean(np.abs(p - t), axis=-1)
    if name == "huber":
        d = opts.get("delta", 1.0)
        e = np.abs(p - t)
        return np.mean(np.where(e <= d, 0.5 * e**2, d * e - 0.5 * d**2), axis=-1)
    if name == "log_cosh":
        e = p - t
        return np.mean(np.logaddexp(e, -e) - math.log(2), axis=-1)  # log((e^x + e^-x) / 2)
    if name == "binary_crossentropy":
        t = t * (1 - smoothing) + 0.5 * smoothing
        if from_logits:
            return np.mean(t * _softplus(-p) + (1 - t) * _softplus(p), axis=-1)
        c = np.clip(p, low, high)
        return -np.mean(t * np.log(c) + (1 - t) * np.log(1 - c), axis=-1)
    if name == "binary_focal_crossentropy":
        gamma, alpha = opts.get("gamma", 2.0), opts.get("alpha", 0.25)
        t = t * (1 - smoothing) + 0.5 * smoothing
        if from_logits:
            bce = t * _softplus(-p) + (1 - t) * _softplus(p)
            one_minus_pt = t * _sigmoid(-p) + (1 - t) * _sigmoid(p)
        else:
            c = np.clip(p, low, high)
            bce = -(t * np.log(c) + (1 - t) * np.log(1 - c))
            one_minus_pt = t * (1 - p) + (1 - t) * p
        loss = one_minus_pt**gamma * bce
        if opts.get("apply_class_balancing", False):
            loss = loss * (alpha * t + (1 - alpha) * (1 - t))
        return np.mean(loss, axis=-1)
    if name == "categorical_crossentropy":
        t = t * (1 - smoothing) + smoothing / t.shape[-1]
        if from_logits:
            log_probs = p - np.logaddexp.reduce(p, axis=-1, keepdims=True)
        else:
            log_probs = np.log(np.clip(p / p.sum(axis=-1, keepdims=True), low, high))
        return -np.sum(t * log_probs, axis=-1)
    if name == "sparse_categorical_crossentropy":
        labels = t.astype(np.int64)
        if labels.ndim == p.ndim:
            labels = labels[..., 0]
        if from_logits:
            log_probs = p - np.logaddexp.reduce(p, axis=-1, keepdims=True)
        else:
            q = np.clip(p, low, high)
            log_probs = np.log(q / q.sum(axis=-1, keepdims=True))
        return -np.take_along_axis(log_probs, labels[..., None], axis=-1)[..., 0]
    if name == "kl_divergence":
        tc, pc = np.clip(t, low, 1), np.clip(p, low, 1)
        return np.sum(tc * np.log(tc / pc), axis=-1)
    if name in ("hinge", "squared_hinge"):
        hinge = np.maximum(1 - hinge_signs(t) * p, 0)
        return np.mean(hinge if name == "hinge" else hinge**2, axis=-1)
    if name == "poisson":
        return np.mean(p - t * np.log(p + low), axis=-1)
    if name == "cosine_similarity":
        nt = np.maximum(np.linalg.norm(t, axis=-1, keepdims=True), low)
        np_ = np.maximum(np.linalg.norm(p, axis=-1, keepdims=True), low)
        return -np.sum((t / nt) * (p / np_), axis=-1)
    if name == "mean_absolute_percentage_error":
        return 100 * np.mean(np.abs(p - t) / np.maximum(np.abs(t), low), axis=-1)
    if name == "mean_squared_logarithmic_error":
        return np.mean((np.log1p(np.maximum(p, low)) - np.log1p(np.maximum(t, low))) ** 2, axis=-1)
    if name == "pinball":
        q, u = opts["quantile"], t - p
        return np.mean(np.maximum(q * u, (q - 1) * u), axis=-1)
    if name == "categorical_focal_crossentropy":
        gamma = opts.get("gamma", 2.0)
        alpha = np.asarray(opts.get("alpha", 0.25), dtype=np.float64)
        t = t * (1 - smoothing) + smoothing / t.shape[-1]
        log_o, log_rest = _log_softmax_and_complement(p, from_logits, low, high)
        return -np.sum(alpha * np.exp(log_rest) ** gamma * t * log_o, axis=-1)  # 0**0 = 1
    if name == "categorical_generalized_cross_entropy":
        q = opts["q"]
        picked = np.take_along_axis(p, _labels(t, p)[..., None], axis=-1)[..., 0]
        return (1 - picked**q) / q
    if name == "categorical_hinge":
        return np.maximum(np.max((1 - t) * p, axis=-1) - np.sum(t * p, axis=-1) + 1, 0)
    raise KeyError(name)


def _labels(t: np.ndarray, p: np.ndarray) -> np.ndarray:
    labels = t.astype(np.int64)
    return labels[..., 0] if labels.ndim == p.ndim else labels


def _log_softmax_and_complement(
    p: np.ndarray, from_logits: bool, low: float, high: float
) -> tuple[np.ndarray, np.ndarray]:
    """``log o`` and ``log(1 - o)`` of categorical focal cross-entropy.

    From logits, ``log(1 - o_k)`` is the log-sum-exp of the other logits minus that of all of
    them (no subtraction of probabilities); from probabilities, Keras's renormalised and
    clipped ``o``.
    """
    if not from_logits:
        o = np.clip(p / p.sum(axis=-1, keepdims=True), low, high)
        return np.log(o), np.log(1 - o)
    k = p.shape[-1]
    lse = np.logaddexp.reduce(p, axis=-1, keepdims=True)
    others = np.where(np.eye(k, dtype=bool), -np.inf, p[..., None, :])  # row k: all but z_k
    with np.errstate(divide="ignore"):
        rest = np.logaddexp.reduce(others, axis=-1) if k > 1 else np.full_like(p, -np.inf)
    return p - lse, rest - lse


def reference_gradient(
    name: str, y_true: Any, y_pred: Any, *, dtype: Any = np.float64, **opts: Any
) -> np.ndarray:
    """Gradient of the batch-mean loss from its textbook formula, in float64.

    Straightforward chain rule with few stability tricks, for moderate inputs. Clipped elements
    get 0, as with TensorFlow's clip.
    """
    t = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    from_logits = opts.get("from_logits", False)
    smoothing = opts.get("label_smoothing", 0.0)
    low, high = clip_bounds(dtype)
    inside = (p >= low) & (p <= high)
    samples = p.size // p.shape[-1]
    per_element = 1.0 / p.size
    if name == "mean_squared_error":
        return 2 * (p - t) * per_element
    if name == "mean_absolute_error":
        return np.sign(p - t) * per_element
    if name == "huber":
        return np.clip(p - t, -opts.get("delta", 1.0), opts.get("delta", 1.0)) * per_element
    if name == "log_cosh":
        return np.tanh(p - t) * per_element
    if name == "binary_crossentropy":
        t = t * (1 - smoothing) + 0.5 * smoothing
        if from_logits:
            return (_sigmoid(p) - t) * per_element
        c = np.clip(p, low, high)
        return np.where(inside, -t / c + (1 - t) / (1 - c), 0.0) * per_element
    if name == "binary_focal_crossentropy":
        gamma, alpha = opts.get("gamma", 2.0), opts.get("alpha", 0.25)
        t = t * (1 - smoothing) + 0.5 * smoothing
        weight = (
            alpha * t + (1 - alpha) * (1 - t) if opts.get("apply_class_balancing", False) else 1.0
        )
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if from_logits:
                s = _sigmoid(p)
                u = t * (1 - s) + (1 - t) * s
                bce = t * _softplus(-p) + (1 - t) * _softplus(p)
                # u^(gamma - 1) s (1 - s) = u^gamma (s (1 - s) / u), and s (1 - s) / u <= 1
                ratio = np.where(u > 0, s * (1 - s) / u, 0.0)
                focal = 0.0 if gamma == 0 else gamma * u**gamma * ratio * (1 - 2 * t) * bce
                slope = focal + u**gamma * (s - t)
            else:
                c = np.clip(p, low, high)
                u = t * (1 - p) + (1 - t) * p
                bce = -(t * np.log(c) + (1 - t) * np.log(1 - c))
                if gamma == 0:
                    focal = 0.0
                elif gamma == 1:
                    focal = (1 - 2 * t) * bce
                else:
                    # gamma u^(gamma - 1) b through logarithms: u^(gamma - 1) alone can overflow
                    # (tiny u, gamma < 1) where the product with b (about 1e-7 there) does not
                    focal = (1 - 2 * t) * np.exp(
                        math.log(gamma) + (gamma - 1) * np.log(u) + np.log(bce)
                    )
                slope = focal + u**gamma * np.where(inside, -t / c + (1 - t) / (1 - c), 0.0)
        # an element of class weight 0 has a loss of 0 for every y_pred, so its slope is 0 even
        # where the unweighted slope is infinite
        return np.where(np.equal(weight, 0), 0.0, weight * slope) * per_element
    if name == "categorical_crossentropy":
        t = t * (1 - smoothing) + smoothing / t.shape[-1]
        if from_logits:
            softmax = np.exp(p - np.logaddexp.reduce(p, axis=-1, keepdims=True))
            return (t.sum(axis=-1, keepdims=True) * softmax - t) / samples
        total = p.sum(axis=-1, keepdims=True)
        o = p / total
        c = np.clip(o, low, high)
        g = np.where((o >= low) & (o <= high), -t / c, 0.0)  # d loss / d o
        return (g - np.sum(g * o, axis=-1, keepdims=True)) / total / samples
    if name == "sparse_categorical_crossentropy":
        labels = t.astype(np.int64)
        if labels.ndim == p.ndim:
            labels = labels[..., 0]
        onehot = np.eye(p.shape[-1])[labels]
        if from_logits:
            return (np.exp(p - np.logaddexp.reduce(p, axis=-1, keepdims=True)) - onehot) / samples
        q = np.clip(p, low, high)
        return np.where(inside, 1 / q.sum(axis=-1, keepdims=True) - onehot / q, 0.0) / samples
    if name == "kl_divergence":
        return np.where(p >= low, -np.clip(t, low, 1) / np.clip(p, low, 1), 0.0) / samples
    if name == "hinge":
        signs = hinge_signs(t)
        return np.where(1 - signs * p >= 0, -signs, 0.0) * per_element
    if name == "squared_hinge":
        signs = hinge_signs(t)
        return -2 * signs * np.maximum(1 - signs * p, 0) * per_element
    if name == "poisson":
        return (1 - t / (p + low)) * per_element
    if name == "cosine_similarity":
        nt = np.linalg.norm(t, axis=-1, keepdims=True)
        np_ = np.linalg.norm(p, axis=-1, keepdims=True)
        a = t / np.maximum(nt, low)
        b = p / np.maximum(np_, low)
        cos = np.sum(a * b, axis=-1, keepdims=True)
        return np.where(np_ >= low, -(a - cos * b) / np.maximum(np_, low), -a / low) / samples
    if name == "mean_absolute_percentage_error":
        return 100 * np.sign(p - t) / np.maximum(np.abs(t), low) * per_element
    if name == "mean_squared_logarithmic_error":
        error = np.log1p(np.maximum(p, low)) - np.log1p(np.maximum(t, low))
        return np.where(p >= low, 2 * error / (1 + np.maximum(p, low)), 0.0) * per_element
    if name == "pinball":
        return (np.greater(p, t) - opts["quantile"]) * per_element
    if name == "categorical_focal_crossentropy":
        gamma = opts.get("gamma", 2.0)
        alpha = np.asarray(opts.get("alpha", 0.25), dtype=np.float64)
        t = t * (1 - smoothing) + smoothing / t.shape[-1]
        log_o, log_rest = _log_softmax_and_complement(p, from_logits, low, high)
        o, u = np.exp(log_o), np.exp(log_rest)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if from_logits:  # w_k = -alpha t u^gamma (gamma o (-log o) / u + 1); w - o sum(w)
                ratio = np.where(u > 0, -log_o / u, 1.0)
                w = -alpha * t * u**gamma * (gamma * o * ratio + 1)
                return (w - o * w.sum(axis=-1, keepdims=True)) / samples
            total = p.sum(axis=-1, keepdims=True)
            normalised = p / total
            inside_o = (normalised >= low) & (normalised <= high)
            g = alpha * t * (gamma * u ** (gamma - 1) * log_o - u**gamma / o)
            g = np.where(inside_o, g, 0.0)
            return (g - np.sum(g * normalised, axis=-1, keepdims=True)) / total / samples
    if name == "categorical_generalized_cross_entropy":
        labels = _labels(t, p)
        onehot = np.eye(p.shape[-1])[labels]
        picked = np.take_along_axis(p, labels[..., None], axis=-1)
        with np.errstate(divide="ignore"):
            return np.where(onehot == 1, -(picked ** (opts["q"] - 1)), 0.0) / samples
    if name == "categorical_hinge":
        wrong = (1 - t) * p
        top = wrong == wrong.max(axis=-1, keepdims=True)
        share = top / top.sum(axis=-1, keepdims=True)
        margin = wrong.max(axis=-1, keepdims=True) - np.sum(t * p, axis=-1, keepdims=True) + 1
        return np.where(margin >= 0, (1 - t) * share - t, 0.0) / samples
    raise KeyError(name)


def finite_difference_gradient(
    name: str, y_true: np.ndarray, y_pred: np.ndarray, **opts: Any
) -> np.ndarray:
    """Central differences of the batch-mean reference loss, one element at a time, in float64."""
    from lossbook import losses

    loss = losses.LOSSES[name]
    grad = np.zeros_like(y_pred, dtype=np.float64)
    for index in np.ndindex(y_pred.shape):
        step = 1e-6 * max(1.0, abs(y_pred[index]))
        up, down = y_pred.copy(), y_pred.copy()
        up[index] += step
        down[index] -= step
        grad[index] = (np.mean(loss(y_true, up, **opts)) - np.mean(loss(y_true, down, **opts))) / (
            2 * step
        )
    return grad


# --------------------------------------------------------------------------------------------
# Keras and TensorFlow
# --------------------------------------------------------------------------------------------


def keras_module() -> Any:
    """``keras`` with the TensorFlow backend and TensorFlow's C++ logging silenced."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras

    assert keras.backend.backend() == "tensorflow"
    return keras


def keras_function(name: str) -> Any:
    """``keras.losses.<name>``, or for a loss that Keras lacks its composition of Keras ops."""
    keras = keras_module()
    if name == "pinball":

        def pinball(y_true: Any, y_pred: Any, quantile: float) -> Any:
            error = keras.ops.convert_to_tensor(y_true, dtype=y_pred.dtype) - y_pred
            return keras.ops.mean(
                keras.ops.maximum(quantile * error, (quantile - 1) * error), axis=-1
            )

        return pinball
    return getattr(keras.losses, name)


def keras_loss(name: str, y_true: Any, y_pred: Any, **opts: Any) -> np.ndarray:
    """``keras.losses.<name>(y_true, y_pred, **opts)`` as a NumPy array."""
    if name in NOT_IN_KERAS:
        y_pred = keras_module().ops.convert_to_tensor(y_pred)
    return np.asarray(keras_function(name)(y_true, y_pred, **opts))


def tape_gradient(name: str, y_true: Any, y_pred: np.ndarray, **opts: Any) -> np.ndarray:
    """``tf.GradientTape`` gradient of ``mean(keras.losses.<name>)`` with respect to ``y_pred``."""
    keras_module()
    import tensorflow as tf

    variable = tf.Variable(y_pred)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras_function(name)(y_true, variable, **opts))
    return tape.gradient(loss, variable).numpy()
