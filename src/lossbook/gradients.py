r"""Analytic gradients of the losses in :mod:`lossbook.losses`.

Each function has the name and the arguments of its loss and returns

.. math:: \frac{\partial}{\partial \hat y} \; \frac{1}{N} \sum_{n=1}^{N} \ell(y_n, \hat y_n),

the gradient of the **batch mean** of the per-sample losses with respect to ``y_pred`` (with
respect to the logits when ``from_logits=True``), with ``y_pred``'s shape. :math:`N` is the
number of samples, ``y_pred.size // y_pred.shape[-1]`` (1 for a 1-D input). This is what
``tf.GradientTape`` gives for ``tf.reduce_mean(keras.losses.<name>(y_true, y_pred))``.

The formulas are derived by hand, not by automatic differentiation. Where the loss is not
differentiable, the gradient follows TensorFlow's conventions, so that it matches
``tf.GradientTape``:

* ``clip_by_value(x, lo, hi)`` passes the gradient for ``lo <= x <= hi`` and gives 0 outside, so
  where Keras clips a probability to :math:`[\epsilon, 1 - \epsilon]` the gradient is 0;
* ``abs`` has gradient ``sign(x)``, 0 at 0 (mean absolute error);
* ``maximum(x, 0)`` passes the gradient where ``x >= 0`` (hinge losses at a margin of exactly 1);
* Huber's ``where(|e| <= delta, ...)`` takes the quadratic branch at ``|e| == delta``
  (both branches have the same slope there).

One case departs from TensorFlow on purpose: TensorFlow's gradient of categorical
cross-entropy from logits is :math:`\mathrm{softmax}(z) - t`, which is correct only when each
row of :math:`t` sums to 1. Here it is :math:`(\sum_k t_k)\,\mathrm{softmax}(z) - t`, the true
gradient for any targets (checked against finite differences).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from lossbook import validation
from lossbook.losses import (
    _class_weight,
    _dot_last,
    _focal_terms,
    _last_axis,
    _max_last,
    _sigmoid_pair,
    _smooth_binary,
    _smooth_categorical,
    _sum_last,
)
from lossbook.validation import EPSILON, FloatArray

__all__ = [
    "GRADIENTS",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "cosine_similarity",
    "hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_squared_error",
    "poisson",
    "sparse_categorical_crossentropy",
    "squared_hinge",
]


def _samples(y_pred: FloatArray) -> int:
    """N, the number of samples: every axis but the last."""
    return y_pred.size // y_pred.shape[-1]


def _inside_clip(x: FloatArray, low: float, high: float) -> FloatArray:
    """Where ``clip_by_value(x, low, high)`` passes the gradient: ``low <= x <= high``."""
    inside = x >= low
    inside &= x <= high
    return inside


def _softmax(logits: FloatArray) -> FloatArray:
    """Softmax over the last axis; shifting by the row maximum keeps every exponent <= 0."""
    out = logits - _last_axis(_max_last(logits))
    np.exp(out, out=out)
    out /= _last_axis(_sum_last(out))
    return out


# --------------------------------------------------------------------------------------------
# Regression
# --------------------------------------------------------------------------------------------


def mean_squared_error(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Gradient of the batch-mean squared error: :math:`\frac{2}{NK} (\hat y - y)`.

    Arguments as for :func:`lossbook.losses.mean_squared_error`; the result has ``y_pred``'s shape.
    """
    where = "gradients.mean_squared_error"
    y_true, y_pred = validation.regression_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        grad = np.subtract(y_pred, y_true)
        grad *= 2.0 / y_pred.size
    return validation.check_finite_result(where, grad)


def mean_absolute_error(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Gradient of the batch-mean absolute error: :math:`\frac{1}{NK}\,\mathrm{sign}(\hat y - y)`.

    It is 0 where :math:`\hat y = y`, as TensorFlow's gradient of ``abs``.

    Arguments as for :func:`lossbook.losses.mean_absolute_error`; the result has ``y_pred``'s shape.
    """
    where = "gradients.mean_absolute_error"
    y_true, y_pred = validation.regression_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        grad = np.subtract(y_pred, y_true)
        np.sign(grad, out=grad)
        grad *= 1.0 / y_pred.size
    return validation.check_finite_result(where, grad)


def huber(y_true: ArrayLike, y_pred: ArrayLike, *, delta: float = 1.0) -> FloatArray:
    r"""Gradient of the batch-mean Huber loss.

    :math:`\frac{1}{NK}\,\mathrm{clip}(\hat y - y, -\delta, \delta)`.

    Arguments as for :func:`lossbook.losses.huber`; the result has ``y_pred``'s shape.
    """
    where = "gradients.huber"
    delta = validation.real_option(where, "delta", delta, low=0.0, low_open=True)
    y_true, y_pred = validation.regression_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        grad = np.subtract(y_pred, y_true)
        np.clip(grad, -delta, delta, out=grad)
        grad *= 1.0 / y_pred.size
    return validation.check_finite_result(where, grad)


def log_cosh(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Gradient of the batch-mean log-cosh loss: :math:`\frac{1}{NK} \tanh(\hat y - y)`.

    Arguments as for :func:`lossbook.losses.log_cosh`; the result has ``y_pred``'s shape.
    """
    where = "gradients.log_cosh"
    y_true, y_pred = validation.regression_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        grad = np.subtract(y_pred, y_true)
        np.tanh(grad, out=grad)
        grad *= 1.0 / y_pred.size
    return validation.check_finite_result(where, grad)


# --------------------------------------------------------------------------------------------
# Binary classification
# --------------------------------------------------------------------------------------------


def binary_crossentropy(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
) -> FloatArray:
    r"""Gradient of the batch-mean binary cross-entropy.

    From logits: :math:`\frac{1}{NK}(\sigma(z) - t)`. From probabilities:
    :math:`\frac{1}{NK}\frac{c - t}{c (1 - c)}` where :math:`\epsilon \le p \le 1 - \epsilon`
    and 0 where Keras clips. :math:`t` is the smoothed target.

    Arguments as for :func:`lossbook.losses.binary_crossentropy`; the result has ``y_pred``'s shape.
    """
    where = "gradients.binary_crossentropy"
    from_logits = validation.bool_option(where, "from_logits", from_logits)
    label_smoothing = validation.real_option(
        where, "label_smoothing", label_smoothing, low=0.0, high=1.0
    )
    y_true, y_pred = validation.probability_inputs(where, y_true, y_pred, from_logits=from_logits)
    with validation.overflow_is_error(where):
        y_true = _smooth_binary(y_true, label_smoothing)
        if from_logits:
            grad = _sigmoid_minus_target(y_true, *_sigmoid_pair(y_pred))
        else:
            grad = _bce_probability_slope(y_true, y_pred)
        grad *= 1.0 / y_pred.size
    return validation.check_finite_result(where, grad)


def _sigmoid_minus_target(y_true: FloatArray, p: FloatArray, q: FloatArray) -> FloatArray:
    r""":math:`\sigma(z) - t`, computed as :math:`(1 - t)\,p - t\,q` with :math:`p = \sigma(z)`,
    :math:`q = \sigma(-z)`.

    The identity holds because :math:`p + q = 1`. For :math:`t = 1` and large :math:`z`,
    :math:`p` rounds to 1 and ``p - t`` would be 0, while :math:`-q` keeps the tiny true value.
    """
    out = np.subtract(1.0, y_true)
    out *= p
    out -= y_true * q
    return out


def _bce_probability_slope(y_true: FloatArray, y_pred: FloatArray) -> FloatArray:
    r"""Element-wise :math:`\partial\,\mathrm{BCE} / \partial p` with Keras's clipping.

    :math:`\frac{d}{dc}\{-[t \log c + (1-t)\log(1-c)]\} = \frac{c - t}{c(1 - c)}`, times 0
    where :math:`p` lies outside :math:`[\epsilon, 1 - \epsilon]` (the clip passes no gradient).
    """
    clipped = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
    slope = clipped - y_true
    clipped *= 1.0 - clipped
    slope /= clipped
    slope *= _inside_clip(y_pred, EPSILON, 1.0 - EPSILON)
    return slope


def binary_focal_crossentropy(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    gamma: float = 2.0,
    from_logits: bool = False,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
) -> FloatArray:
    r"""Gradient of the batch-mean binary focal cross-entropy.

    With :math:`u = 1 - p_t`, :math:`b` the element-wise BCE and :math:`w` the class weight,
    the element loss is :math:`w u^\gamma b`, and :math:`\partial u / \partial p = 1 - 2t`.

    From logits, :math:`\partial u / \partial z = (1 - 2t)\,pq` with :math:`q = 1 - p`, so

    .. math:: \frac{\partial}{\partial z} = \frac{w}{NK} u^\gamma
              \Big[\gamma (1 - 2t) \frac{pq}{u} b + (p - t)\Big].

    :math:`pq/u` stays bounded (it tends to 1 where :math:`u \to 0`), so this is finite for
    every finite logit; where :math:`u` underflows to 0 the whole term is 0.

    From probabilities (with Keras's clipping in :math:`b` only),

    .. math:: \frac{\partial}{\partial p} = \frac{w}{NK}
              \Big[\gamma u^{\gamma - 1} (1 - 2t)\, b + u^\gamma \frac{\partial b}{\partial p}\Big].

    For :math:`0 < \gamma < 1` this is infinite where :math:`u = 0` (a probability exactly equal
    to a hard label), and a ValueError says so; TensorFlow returns NaN there.

    Arguments as for :func:`lossbook.losses.binary_focal_crossentropy`; the result has
    ``y_pred``'s shape.
    """
    where = "gradients.binary_focal_crossentropy"
    gamma = validation.real_option(where, "gamma", gamma, low=0.0)
    from_logits = validation.bool_option(where, "from_logits", from_logits)
    apply_class_balancing = validation.bool_option(
        where, "apply_class_balancing", apply_class_balancing
    )
    alpha = validation.real_option(where, "alpha", alpha, low=0.0, high=1.0)
    y_true, y_pred = validation.probability_inputs(where, y_true, y_pred, from_logits=from_logits)
    with validation.overflow_is_error(where):
        weight = _class_weight(y_true, alpha) if apply_class_balancing else None
        p, q, u, bce = _focal_terms(y_true, y_pred, from_logits)
        focal_slope = 1.0 - 2.0 * y_true  # du/dp
        if from_logits:
            grad = _focal_logit_gradient(y_true, p, q, u, bce, focal_slope, gamma)
        else:
            grad = _focal_probability_gradient(
                where, y_true, y_pred, u, bce, focal_slope, gamma, weight
            )
        if weight is not None:
            grad *= weight
        grad *= 1.0 / y_pred.size
    return validation.check_finite_result(where, grad)


def _focal_logit_gradient(
    y_true: FloatArray,
    p: FloatArray,
    q: FloatArray,
    u: FloatArray,
    bce: FloatArray,
    focal_slope: FloatArray,
    gamma: float,
) -> FloatArray:
    r"""Element-wise :math:`u^\gamma [\gamma (1 - 2t)(pq/u) b + (p - t)]`, unweighted."""
    grad = _sigmoid_minus_target(y_true, p, q)
    if gamma:
        # pq/u <= max(p, q) <= 1, since u = tq + (1 - t)p >= min(p, q). Where u underflows to
        # 0 the division is skipped and the finite pq stays; the factor u**gamma (gamma > 0)
        # below is 0 there, so the term vanishes, as it does in the limit.
        ratio = np.multiply(p, q)
        np.divide(ratio, u, out=ratio, where=u > 0)
        ratio *= focal_slope
        ratio *= bce
        ratio *= gamma
        grad += ratio
    grad *= np.power(u, gamma)
    return grad


def _focal_probability_gradient(
    where: str,
    y_true: FloatArray,
    y_pred: FloatArray,
    u: FloatArray,
    bce: FloatArray,
    focal_slope: FloatArray,
    gamma: float,
    weight: FloatArray | None,
) -> FloatArray:
    r"""Unweighted, element-wise
    :math:`\gamma u^{\gamma-1}(1 - 2t) b + u^\gamma\,\partial b/\partial p`."""
    u_gamma = np.power(u, gamma)
    grad = _bce_probability_slope(y_true, y_pred)
    grad *= u_gamma
    if not gamma:
        return grad
    if gamma < 1:
        singular = u == 0
        if weight is not None:
            singular &= weight != 0
        if singular.any():
            raise ValueError(
                f"{where}: the gradient is infinite where y_pred equals a hard label "
                f"exactly (1 - p_t = 0) when 0 < gamma < 1, got gamma={gamma}; use gamma = 0 "
                f"or gamma >= 1, or keep y_pred inside (0, 1)"
            )
    if gamma == 1:  # u**(gamma - 1) = 1 everywhere, u = 0 included
        term = np.multiply(focal_slope, bce)
    else:
        # gamma u**(gamma - 1) b = exp(log(gamma) + (gamma - 1) log(u) + log(b)), with b > 0 (it
        # is clipped): for a tiny u and gamma < 1, u**(gamma - 1) alone can overflow, and
        # gamma * b underflow for a tiny gamma, where the whole product fits. Where u = 0 the
        # logarithm is skipped and 0 is left, the limit for gamma > 1 (for gamma < 1 only
        # elements of weight 0 remain there, see above).
        positive = u > 0
        exponent = np.zeros_like(u)
        np.log(u, out=exponent, where=positive)
        exponent *= gamma - 1.0
        exponent += np.log(bce)
        exponent += math.log(gamma)
        term = np.zeros_like(u)
        np.exp(exponent, out=term, where=positive)
        term *= focal_slope
    grad += term
    return grad


def hinge(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Gradient of the batch-mean hinge loss: :math:`-\frac{1}{NK}\,y\,[1 - y\hat y \ge 0]`.

    At a margin of exactly 1 the gradient is :math:`-y/(NK)`, as TensorFlow's ``maximum``.

    Arguments as for :func:`lossbook.losses.hinge`; the result has ``y_pred``'s shape.
    """
    where = "gradients.hinge"
    signs, y_pred = validation.hinge_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        margin = np.multiply(signs, y_pred)
        np.subtract(1.0, margin, out=margin)
        grad = np.negative(signs)
        grad *= margin >= 0
        grad *= 1.0 / y_pred.size
    return validation.check_finite_result(where, grad)


def squared_hinge(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Gradient of the batch-mean squared hinge loss.

    :math:`-\frac{2}{NK}\,y \max(1 - y\hat y, 0)`.

    Arguments as for :func:`lossbook.losses.squared_hinge`; the result has ``y_pred``'s shape.
    """
    where = "gradients.squared_hinge"
    signs, y_pred = validation.hinge_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        grad = np.multiply(signs, y_pred)
        np.subtract(1.0, grad, out=grad)
        np.maximum(grad, 0.0, out=grad)
        grad *= signs
        grad *= -2.0 / y_pred.size
    return validation.check_finite_result(where, grad)


# --------------------------------------------------------------------------------------------
# Distributions over the last axis
# --------------------------------------------------------------------------------------------


def categorical_crossentropy(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
) -> FloatArray:
    r"""Gradient of the batch-mean categorical cross-entropy.

    From logits: :math:`\frac{1}{N}\big[(\textstyle\sum_k t_k)\,\mathrm{softmax}(z) - t\big]`.

    From probabilities, with :math:`S = \sum_j p_j`, :math:`o = p / S` and
    :math:`g_k = -t_k / c_k` where :math:`\epsilon \le o_k \le 1 - \epsilon` (0 where clipped):

    .. math:: \frac{\partial}{\partial p_j} = \frac{1}{NS}\Big(g_j - \sum_k g_k o_k\Big),

    the chain rule through the renormalisation,
    :math:`\partial o_k / \partial p_j = (\delta_{kj} - o_k)/S`.

    Arguments as for :func:`lossbook.losses.categorical_crossentropy`; the result has
    ``y_pred``'s shape.
    """
    where = "gradients.categorical_crossentropy"
    from_logits = validation.bool_option(where, "from_logits", from_logits)
    label_smoothing = validation.real_option(
        where, "label_smoothing", label_smoothing, low=0.0, high=1.0
    )
    y_true, y_pred = validation.probability_inputs(where, y_true, y_pred, from_logits=from_logits)
    with validation.overflow_is_error(where):
        y_true = _smooth_categorical(y_true, label_smoothing)
        if from_logits:
            grad = _softmax(y_pred)
            grad *= _last_axis(_sum_last(y_true))
            grad -= y_true
        else:
            row_sums = _sum_last(y_pred)
            validation.check_row_sums(where, row_sums)
            sums = _last_axis(row_sums)
            normalised = y_pred / sums
            grad = np.clip(normalised, EPSILON, 1.0 - EPSILON)
            np.divide(y_true, grad, out=grad)
            np.negative(grad, out=grad)
            grad *= _inside_clip(normalised, EPSILON, 1.0 - EPSILON)
            normalised *= grad
            grad -= _last_axis(_sum_last(normalised))
            grad /= sums
        grad *= 1.0 / _samples(y_pred)
    return validation.check_finite_result(where, grad)


def sparse_categorical_crossentropy(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    from_logits: bool = False,
) -> FloatArray:
    r"""Gradient of the batch-mean sparse categorical cross-entropy.

    From logits: :math:`\frac{1}{N}(\mathrm{softmax}(z) - \mathrm{onehot}(c))`. From
    probabilities, with :math:`q = \mathrm{clip}(p, \epsilon, 1 - \epsilon)` and the loss
    :math:`\log\sum_j q_j - \log q_c`:
    :math:`\frac{1}{N}\big(1/\sum_j q_j - \delta_{jc}/q_c\big)` where :math:`p_j` is inside the
    clip range, 0 elsewhere.

    Arguments as for :func:`lossbook.losses.sparse_categorical_crossentropy`; the result has
    ``y_pred``'s shape.
    """
    where = "gradients.sparse_categorical_crossentropy"
    from_logits = validation.bool_option(where, "from_logits", from_logits)
    labels, y_pred = validation.sparse_inputs(where, y_true, y_pred, from_logits=from_logits)
    index = labels[..., np.newaxis]
    with validation.overflow_is_error(where):
        if from_logits:
            grad = _softmax(y_pred)
            picked = np.take_along_axis(grad, index, axis=-1)
            np.put_along_axis(grad, index, picked - 1.0, axis=-1)
        else:
            clipped = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
            inside = _inside_clip(y_pred, EPSILON, 1.0 - EPSILON)
            grad = inside / _last_axis(_sum_last(clipped))
            picked = np.take_along_axis(grad, index, axis=-1)
            picked -= np.take_along_axis(inside, index, axis=-1) / np.take_along_axis(
                clipped, index, axis=-1
            )
            np.put_along_axis(grad, index, picked, axis=-1)
        grad *= 1.0 / _samples(y_pred)
    return validation.check_finite_result(where, grad)


def kl_divergence(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Gradient of the batch-mean KL divergence: :math:`-\frac{1}{N}\,\bar t / \bar p` where
    :math:`p \ge \epsilon`, 0 where Keras clips :math:`p` up to :math:`\epsilon`.

    Arguments as for :func:`lossbook.losses.kl_divergence`; the result has ``y_pred``'s shape.
    """
    where = "gradients.kl_divergence"
    y_true, y_pred = validation.kl_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        grad = np.clip(y_pred, EPSILON, 1.0)
        np.divide(np.clip(y_true, EPSILON, 1.0), grad, out=grad)
        grad *= y_pred >= EPSILON
        grad *= -1.0 / _samples(y_pred)
    return validation.check_finite_result(where, grad)


def poisson(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Gradient of the batch-mean Poisson loss.

    :math:`\frac{1}{NK}\big(1 - t / (\lambda + \epsilon)\big)`.

    Arguments as for :func:`lossbook.losses.poisson`; the result has ``y_pred``'s shape.
    """
    where = "gradients.poisson"
    y_true, y_pred = validation.poisson_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        grad = np.add(y_pred, EPSILON)
        np.divide(y_true, grad, out=grad)
        np.subtract(1.0, grad, out=grad)
        grad *= 1.0 / y_pred.size
    return validation.check_finite_result(where, grad)


def cosine_similarity(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Gradient of the batch-mean negative cosine similarity.

    With :math:`a = t / \max(\|t\|, \epsilon)`, :math:`\cos = a \cdot p / \max(\|p\|, \epsilon)`:

    .. math:: \frac{\partial}{\partial p} = \frac{1}{N}\Big(\frac{\cos}{\|p\|^2}\,p
              - \frac{a}{\|p\|}\Big) \text{ if } \|p\| \ge \epsilon, \qquad
              -\frac{1}{N}\frac{a}{\epsilon} \text{ otherwise}

    (below :math:`\epsilon` the norm is a constant, so only the numerator varies).

    Arguments as for :func:`lossbook.losses.cosine_similarity`; the result has ``y_pred``'s shape.
    """
    where = "gradients.cosine_similarity"
    y_true, y_pred = validation.regression_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        true_norm = np.sqrt(validation.check_finite_result(where, _dot_last(y_true, y_true)))
        pred_norm = np.sqrt(validation.check_finite_result(where, _dot_last(y_pred, y_pred)))
        inv_true = 1.0 / np.maximum(true_norm, EPSILON)
        inv_pred = 1.0 / np.maximum(pred_norm, EPSILON)
        cosine = _dot_last(y_true, y_pred) * inv_true * inv_pred
        # d/dp of 1/||p|| is -p/||p||^3, and 0 where the norm is clamped to epsilon
        pred_coef = np.where(pred_norm >= EPSILON, cosine * inv_pred * inv_pred, 0.0)
        grad = y_pred * _last_axis(pred_coef)
        grad -= y_true * _last_axis(inv_true * inv_pred)
        grad *= 1.0 / _samples(y_pred)
    return validation.check_finite_result(where, grad)


GRADIENTS: dict[str, Callable[..., FloatArray]] = {
    name: globals()[name] for name in __all__ if name != "GRADIENTS"
}
"""Every gradient by the name of its loss, e.g. ``GRADIENTS["huber"] is huber``."""
