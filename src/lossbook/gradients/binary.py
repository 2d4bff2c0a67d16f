"""Gradients of the binary classification losses of :mod:`lossbook.losses.binary`."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from lossbook import validation
from lossbook.gradients._common import _inside_clip
from lossbook.losses._numerics import (
    _class_weight,
    _focal_terms,
    _sigmoid_pair,
    _smooth_binary,
)
from lossbook.validation import EPSILON, FloatArray


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
    label_smoothing: float = 0.0,
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
    label_smoothing = validation.real_option(
        where, "label_smoothing", label_smoothing, low=0.0, high=1.0
    )
    y_true, y_pred = validation.probability_inputs(where, y_true, y_pred, from_logits=from_logits)
    with validation.overflow_is_error(where):
        y_true = _smooth_binary(y_true, label_smoothing)
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
