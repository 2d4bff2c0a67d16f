r"""NumPy reference implementations of Keras's functional losses.

Each function takes ``y_true`` and ``y_pred`` of shape ``(..., K)`` and returns one loss per
sample, of shape ``y_pred.shape[:-1]``: the last axis is reduced (by a mean for element-wise
losses, by a sum for the distribution losses, exactly as Keras does). A 1-D input is a single
sample and gives a 0-d array. Options are keyword-only.

The values agree with ``keras.losses.<name>`` on the TensorFlow backend, including Keras's
clipping of probabilities to :math:`[\epsilon, 1 - \epsilon]` with :math:`\epsilon = 10^{-7}`
(:data:`lossbook.validation.EPSILON`). Unlike Keras, every function checks its inputs
(see :mod:`lossbook.validation`): shapes must match exactly (nothing broadcasts), NaN and
infinity are refused, probabilities must lie in [0, 1], and so on.

Float16 inputs are computed and returned in float32; float32 stays float32, float64 stays
float64, and integer predictions are computed in float64.

The from-logits paths are numerically stable for logits of any finite size (tested up to
:math:`\pm 10^4`). Each stability trick carries a comment with the identity it uses.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from lossbook import validation
from lossbook.validation import EPSILON, FloatArray

__all__ = [
    "LOSSES",
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

_LOG_2 = math.log(2.0)  # a Python float, so that it does not promote float32 arrays to float64


# --------------------------------------------------------------------------------------------
# Helpers shared with lossbook.gradients
# --------------------------------------------------------------------------------------------


def _by_columns(combine: np.ufunc, x: FloatArray) -> FloatArray:
    """Reduce the last axis of ``x`` with ``combine`` (``np.add`` or ``np.maximum``) by columns.

    NumPy's own reductions over the last axis handle one row at a time, which is slow when the
    rows are short: for 10**7 numbers in rows of 2, ``x.max(axis=-1)`` takes about ten times as
    long as one pass over the data. Combining whole columns instead, over blocks of rows small
    enough to stay in the cache, costs little more than one pass.
    """
    classes = x.shape[-1]
    rows = x.reshape(-1, classes)
    out = np.empty(rows.shape[0], dtype=x.dtype)
    for start in range(0, rows.shape[0], 4096):
        block, result = rows[start : start + 4096], out[start : start + 4096]
        np.copyto(result, block[:, 0])
        for column in range(1, classes):
            combine(result, block[:, column], out=result)
    return out.reshape(x.shape[:-1])


def _sum_last(x: FloatArray) -> FloatArray:
    """Sum over the last axis, by the fastest of three routes for the length of the rows.

    Rows shorter than 8 go column by column (:func:`_by_columns`), rows shorter than 256
    through ``np.einsum`` (several times faster than ``np.sum`` there), and longer rows through
    ``np.sum``, which is as fast and whose pairwise summation is more accurate.
    """
    classes = x.shape[-1]
    if classes < 8:
        return _by_columns(np.add, x)
    if classes < 256:
        return np.asarray(np.einsum("...k->...", x))  # an array, also when 0-d
    return np.asarray(np.sum(x, axis=-1))


def _max_last(x: FloatArray) -> FloatArray:
    """Maximum over the last axis; by columns (:func:`_by_columns`) for rows shorter than 64."""
    if x.shape[-1] < 64:
        return _by_columns(np.maximum, x)
    return x.max(axis=-1)


def _dot_last(a: FloatArray, b: FloatArray) -> FloatArray:
    """Sum over the last axis of ``a * b``; ``np.einsum`` fuses the product into the sum, except
    for rows shorter than 8, where it is slow (see :func:`_sum_last`)."""
    if a.shape[-1] < 8:
        return _sum_last(a * b)
    return np.asarray(np.einsum("...k,...k->...", a, b))


def _mean_last(x: FloatArray) -> FloatArray:
    """Mean over the last axis."""
    return _sum_last(x) / x.shape[-1]


def _last_axis(x: FloatArray) -> FloatArray:
    """A per-sample array with the reduced axis restored, for broadcasting against rows."""
    return np.expand_dims(x, -1)


def _softplus_of_minus_abs(x: FloatArray) -> FloatArray:
    """``log(1 + exp(-|x|))`` in a new array; the exponent is never positive, so no overflow."""
    out = np.abs(x)
    np.negative(out, out=out)
    np.exp(out, out=out)
    return np.log1p(out, out=out)


def _sigmoid_pair(z: FloatArray) -> tuple[FloatArray, FloatArray]:
    r""":math:`\sigma(z)` and :math:`\sigma(-z) = 1 - \sigma(z)`, each to full relative precision.

    With :math:`e = \exp(-|z|) \le 1` (no overflow), :math:`\sigma(|z|) = 1/(1 + e)` and
    :math:`\sigma(-|z|) = e/(1 + e)`; computing ``1 - sigmoid(z)`` instead would cancel to 0.
    """
    small = np.abs(z)
    np.negative(small, out=small)
    np.exp(small, out=small)
    large = np.add(small, 1.0)
    np.reciprocal(large, out=large)  # sigma(|z|)
    small *= large  # sigma(-|z|)
    negative = z < 0
    return np.where(negative, small, large), np.where(negative, large, small)


def _bce_from_logits(y_true: FloatArray, logits: FloatArray) -> FloatArray:
    r"""Element-wise binary cross-entropy of logits, as ``tf.nn.sigmoid_cross_entropy_with_logits``.

    :math:`-[t \log\sigma(z) + (1-t)\log\sigma(-z)] = \mathrm{softplus}(z) - t z`
    and :math:`\mathrm{softplus}(z) = \max(z, 0) + \log(1 + e^{-|z|})`, so nothing overflows.
    The linear part :math:`\max(z, 0) - t z` is formed first: for :math:`t = 1` and large
    :math:`z` it is exactly 0, and the tiny :math:`\log(1 + e^{-z})` survives.
    """
    linear = np.maximum(logits, 0.0)
    linear -= y_true * logits
    out = _softplus_of_minus_abs(logits)
    out += linear
    return out


def _bce_from_probabilities(y_true: FloatArray, y_pred: FloatArray) -> FloatArray:
    r"""Element-wise :math:`-[t \log c + (1 - t) \log(1 - c)]` with Keras's clipping.

    :math:`c = \mathrm{clip}(p, \epsilon, 1 - \epsilon)` keeps both logarithms finite.
    """
    clipped = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
    out = np.log(clipped)
    out *= y_true
    np.subtract(1.0, clipped, out=clipped)
    np.log(clipped, out=clipped)
    clipped *= 1.0 - y_true
    out += clipped
    return np.negative(out, out=out)


def _log_softmax(logits: FloatArray) -> FloatArray:
    r"""Log-softmax over the last axis.

    :math:`\log\mathrm{softmax}(z)_k = (z_k - m) - \log\sum_j e^{z_j - m}` with
    :math:`m = \max_j z_j`: every exponent is at most 0 (no overflow) and the largest term is
    :math:`e^0 = 1` (the sum never underflows to 0).
    """
    shifted = logits - _last_axis(_max_last(logits))
    log_sum = np.log(_sum_last(np.exp(shifted)))
    shifted -= _last_axis(log_sum)
    return shifted


def _smooth_binary(y_true: FloatArray, label_smoothing: float) -> FloatArray:
    """Keras's binary label smoothing: squeeze the targets towards 1/2."""
    if not label_smoothing:
        return y_true
    return y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing


def _smooth_categorical(y_true: FloatArray, label_smoothing: float) -> FloatArray:
    """Keras's categorical label smoothing: mix the targets with the uniform distribution."""
    if not label_smoothing:
        return y_true
    return y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]


def _focal_terms(
    y_true: FloatArray, y_pred: FloatArray, from_logits: bool
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    r"""The pieces of binary focal cross-entropy, element-wise.

    Returns ``(p, q, u, bce)``: :math:`p = \sigma(z)` or the probability itself,
    :math:`q = 1 - p`, :math:`u = 1 - p_t` and the binary cross-entropy.

    :math:`1 - p_t = 1 - [t p + (1 - t)(1 - p)] = t q + (1 - t) p`, a sum of non-negative
    terms: it never cancels and never goes below 0 (which would make :math:`u^\gamma` NaN).
    """
    if from_logits:
        p, q = _sigmoid_pair(y_pred)
        bce = _bce_from_logits(y_true, y_pred)
    else:
        p = y_pred
        q = 1.0 - y_pred
        bce = _bce_from_probabilities(y_true, y_pred)
    u = y_true * q
    u += (1.0 - y_true) * p
    return p, q, u, bce


def _class_weight(y_true: FloatArray, alpha: float) -> FloatArray:
    """Keras's class balancing weight: alpha for class 1, 1 - alpha for class 0."""
    return y_true * alpha + (1.0 - y_true) * (1.0 - alpha)


# --------------------------------------------------------------------------------------------
# Regression
# --------------------------------------------------------------------------------------------


def mean_squared_error(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Mean squared error of each sample.

    .. math:: \ell(y, \hat y) = \frac{1}{K} \sum_{k=1}^{K} (\hat y_k - y_k)^2

    Args:
      y_true: targets, shape ``(..., K)``.
      y_pred: predictions, the same shape as ``y_true``.

    Returns:
      Losses of shape ``y_pred.shape[:-1]``.

    References:
      ``keras.losses.mean_squared_error``; Gauss (1809), least squares.
    """
    where = "losses.mean_squared_error"
    y_true, y_pred = validation.regression_inputs(where, y_true, y_pred, check_finite=False)
    # NaN and infinity propagate to the result here, so they are looked for there.
    with validation.checked_late(where, y_true=y_true, y_pred=y_pred) as finish:
        error = np.subtract(y_pred, y_true)
        loss = _mean_last(np.square(error, out=error))
    return finish(loss)


def mean_absolute_error(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Mean absolute error of each sample.

    .. math:: \ell(y, \hat y) = \frac{1}{K} \sum_{k=1}^{K} |\hat y_k - y_k|

    Args:
      y_true: targets, shape ``(..., K)``.
      y_pred: predictions, the same shape as ``y_true``.

    Returns:
      Losses of shape ``y_pred.shape[:-1]``.

    References:
      ``keras.losses.mean_absolute_error``; Laplace (1774), least absolute deviations.
    """
    where = "losses.mean_absolute_error"
    y_true, y_pred = validation.regression_inputs(where, y_true, y_pred, check_finite=False)
    # NaN and infinity propagate to the result here, so they are looked for there.
    with validation.checked_late(where, y_true=y_true, y_pred=y_pred) as finish:
        error = np.subtract(y_pred, y_true)
        loss = _mean_last(np.abs(error, out=error))
    return finish(loss)


def huber(y_true: ArrayLike, y_pred: ArrayLike, *, delta: float = 1.0) -> FloatArray:
    r"""Huber loss of each sample: quadratic for small errors, linear for large ones.

    .. math::
        \ell(y, \hat y) = \frac{1}{K} \sum_{k=1}^{K} h_\delta(\hat y_k - y_k), \qquad
        h_\delta(e) = \begin{cases} \tfrac12 e^2 & |e| \le \delta \\
                      \delta |e| - \tfrac12 \delta^2 & |e| > \delta \end{cases}

    Computed as :math:`h_\delta(e) = \tfrac12 m^2 + \delta (|e| - m)` with
    :math:`m = \min(|e|, \delta)`, which is the same function without a branch.

    Args:
      y_true: targets, shape ``(..., K)``.
      y_pred: predictions, the same shape as ``y_true``.
      delta: the error at which the loss turns from quadratic to linear, ``> 0``.

    Returns:
      Losses of shape ``y_pred.shape[:-1]``.

    References:
      ``keras.losses.huber``; P. J. Huber, "Robust Estimation of a Location Parameter",
      Annals of Mathematical Statistics 35(1), 1964.
    """
    where = "losses.huber"
    delta = validation.real_option(where, "delta", delta, low=0.0, low_open=True)
    y_true, y_pred = validation.regression_inputs(where, y_true, y_pred, check_finite=False)
    # NaN and infinity propagate to the result here, so they are looked for there.
    with validation.checked_late(where, y_true=y_true, y_pred=y_pred) as finish:
        abs_error = np.subtract(y_pred, y_true)
        np.abs(abs_error, out=abs_error)
        quadratic = np.minimum(abs_error, delta)
        abs_error -= quadratic  # the linear part, |e| - m
        abs_error *= delta
        np.square(quadratic, out=quadratic)
        quadratic *= 0.5
        quadratic += abs_error
        loss = _mean_last(quadratic)
    return finish(loss)


def log_cosh(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Mean logarithm of the hyperbolic cosine of the error, for each sample.

    .. math:: \ell(y, \hat y) = \frac{1}{K} \sum_{k=1}^{K} \log\cosh(\hat y_k - y_k)

    It behaves like :math:`e^2/2` for small errors and like :math:`|e| - \log 2` for large ones.

    Args:
      y_true: targets, shape ``(..., K)``.
      y_pred: predictions, the same shape as ``y_true``.

    Returns:
      Losses of shape ``y_pred.shape[:-1]``.

    References:
      ``keras.losses.log_cosh``; Chen, Jiang et al., "Log hyperbolic cosine loss improves
      variational auto-encoder", 2019.
    """
    where = "losses.log_cosh"
    y_true, y_pred = validation.regression_inputs(where, y_true, y_pred, check_finite=False)
    # NaN and infinity propagate to the result here, so they are looked for there.
    with validation.checked_late(where, y_true=y_true, y_pred=y_pred) as finish:
        abs_error = np.subtract(y_pred, y_true)
        np.abs(abs_error, out=abs_error)
        # log(cosh(x)) = |x| + log(1 + exp(-2|x|)) - log(2): cosh(x) would overflow for
        # |x| > 710, while exp(-2|x|) <= 1 never does.
        out = np.multiply(abs_error, -2.0)
        np.exp(out, out=out)
        np.log1p(out, out=out)
        out += abs_error
        out -= _LOG_2
        loss = _mean_last(out)
    return finish(loss)


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
    r"""Binary cross-entropy, averaged over the last axis.

    With probabilities :math:`p` (clipped to :math:`c = \mathrm{clip}(p, \epsilon, 1-\epsilon)`
    as Keras does) or logits :math:`z`:

    .. math::
        \ell = -\frac{1}{K} \sum_{k} \big[t_k \log c_k + (1 - t_k) \log(1 - c_k)\big]
        \quad\text{or}\quad
        \ell = \frac{1}{K} \sum_{k} \big[\mathrm{softplus}(z_k) - t_k z_k\big]

    Label smoothing replaces :math:`t` with :math:`t (1 - s) + s / 2`.

    Args:
      y_true: targets in [0, 1], shape ``(..., K)``; bools and integers are fine.
      y_pred: probabilities in [0, 1], or logits if ``from_logits``; same shape as ``y_true``.
      from_logits: whether ``y_pred`` holds logits. The logits path is exact for any finite
        logit; the probability path is limited by the clipping (at most about 16.1 per element).
      label_smoothing: :math:`s \in [0, 1]`.

    Returns:
      Losses of shape ``y_pred.shape[:-1]``.

    References:
      ``keras.losses.binary_crossentropy``; Goodfellow, Bengio and Courville, *Deep Learning*
      (2016), section 6.2.2.2; Szegedy et al., "Rethinking the Inception Architecture", 2016.
    """
    where = "losses.binary_crossentropy"
    from_logits = validation.bool_option(where, "from_logits", from_logits)
    label_smoothing = validation.real_option(
        where, "label_smoothing", label_smoothing, low=0.0, high=1.0
    )
    y_true, y_pred = validation.probability_inputs(where, y_true, y_pred, from_logits=from_logits)
    with validation.overflow_is_error(where):
        y_true = _smooth_binary(y_true, label_smoothing)
        if from_logits:
            elementwise = _bce_from_logits(y_true, y_pred)
        else:
            elementwise = _bce_from_probabilities(y_true, y_pred)
        loss = _mean_last(elementwise)
    return validation.check_finite_result(where, loss)


def binary_focal_crossentropy(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    gamma: float = 2.0,
    from_logits: bool = False,
    apply_class_balancing: bool = False,
    alpha: float = 0.25,
) -> FloatArray:
    r"""Binary focal cross-entropy, averaged over the last axis.

    .. math::
        \ell = \frac{1}{K} \sum_{k} w_k \, (1 - p_{t,k})^\gamma \, \mathrm{BCE}_k, \qquad
        p_t = t p + (1 - t)(1 - p)

    with :math:`w = \alpha t + (1 - \alpha)(1 - t)` if ``apply_class_balancing`` and
    :math:`w = 1` otherwise. :math:`\mathrm{BCE}` is the element-wise binary cross-entropy of
    :func:`binary_crossentropy`, clipped as in Keras on the probability path.

    From logits, :math:`1 - p_t = t\,\sigma(-z) + (1 - t)\,\sigma(z)` and
    :math:`\mathrm{BCE} = \mathrm{softplus}(z) - t z` are both computed without cancellation,
    so the loss keeps its relative precision for any finite logit. Keras computes
    :math:`1 - p_t` by subtraction, so for confidently correct logits (|z| above about 20 in
    float64) its value loses precision and then becomes exactly 0, and its gradient becomes NaN
    when :math:`\gamma < 1`; see ``tests/test_extremes.py``.

    Args:
      y_true: targets in [0, 1], shape ``(..., K)``.
      y_pred: probabilities in [0, 1], or logits if ``from_logits``; same shape as ``y_true``.
      gamma: focusing parameter :math:`\gamma \ge 0`; 0 gives binary cross-entropy.
      from_logits: whether ``y_pred`` holds logits.
      apply_class_balancing: whether to weight class 1 by :math:`\alpha`, class 0 by
        :math:`1 - \alpha`.
      alpha: :math:`\alpha \in [0, 1]`, used only with ``apply_class_balancing``.

    Returns:
      Losses of shape ``y_pred.shape[:-1]``.

    References:
      ``keras.losses.binary_focal_crossentropy``; T.-Y. Lin, P. Goyal, R. Girshick, K. He and
      P. Dollár, "Focal Loss for Dense Object Detection", ICCV 2017.
    """
    where = "losses.binary_focal_crossentropy"
    gamma = validation.real_option(where, "gamma", gamma, low=0.0)
    from_logits = validation.bool_option(where, "from_logits", from_logits)
    apply_class_balancing = validation.bool_option(
        where, "apply_class_balancing", apply_class_balancing
    )
    alpha = validation.real_option(where, "alpha", alpha, low=0.0, high=1.0)
    y_true, y_pred = validation.probability_inputs(where, y_true, y_pred, from_logits=from_logits)
    with validation.overflow_is_error(where):
        _, _, u, focal = _focal_terms(y_true, y_pred, from_logits)
        focal *= np.power(u, gamma, out=u)
        if apply_class_balancing:
            focal *= _class_weight(y_true, alpha)
        loss = _mean_last(focal)
    return validation.check_finite_result(where, loss)


def hinge(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Hinge loss of each sample.

    .. math:: \ell(y, \hat y) = \frac{1}{K} \sum_{k=1}^{K} \max(1 - y_k \hat y_k, 0)

    Labels are in :math:`\{-1, 1\}`; if they are all in :math:`\{0, 1\}` they are mapped to
    :math:`\{-1, 1\}` first, as Keras does. Any other label is an error (Keras would use it).

    Args:
      y_true: labels in {-1, 1} or {0, 1}, shape ``(..., K)``.
      y_pred: scores (not probabilities), the same shape as ``y_true``.

    Returns:
      Losses of shape ``y_pred.shape[:-1]``.

    References:
      ``keras.losses.hinge``; Cortes and Vapnik, "Support-Vector Networks", Machine Learning
      20, 1995.
    """
    where = "losses.hinge"
    signs, y_pred = validation.hinge_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        margin = np.multiply(signs, y_pred)
        np.subtract(1.0, margin, out=margin)
        loss = _mean_last(np.maximum(margin, 0.0, out=margin))
    return validation.check_finite_result(where, loss)


def squared_hinge(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Squared hinge loss of each sample.

    .. math:: \ell(y, \hat y) = \frac{1}{K} \sum_{k=1}^{K} \max(1 - y_k \hat y_k, 0)^2

    Labels as in :func:`hinge`.

    Args:
      y_true: labels in {-1, 1} or {0, 1}, shape ``(..., K)``.
      y_pred: scores, the same shape as ``y_true``.

    Returns:
      Losses of shape ``y_pred.shape[:-1]``.

    References:
      ``keras.losses.squared_hinge``; Rennie and Srebro, "Loss Functions for Preference Levels",
      2005.
    """
    where = "losses.squared_hinge"
    signs, y_pred = validation.hinge_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        margin = np.multiply(signs, y_pred)
        np.subtract(1.0, margin, out=margin)
        np.maximum(margin, 0.0, out=margin)
        loss = _mean_last(np.square(margin, out=margin))
    return validation.check_finite_result(where, loss)


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
    r"""Categorical cross-entropy of each sample over its K classes.

    With probabilities, Keras first divides each row by its sum, :math:`o = p / \sum_j p_j`,
    then clips, :math:`c = \mathrm{clip}(o, \epsilon, 1 - \epsilon)`:

    .. math::
        \ell = -\sum_{k=1}^{K} t_k \log c_k
        \quad\text{or, from logits,}\quad
        \ell = -\sum_{k=1}^{K} t_k \log\mathrm{softmax}(z)_k

    Label smoothing replaces :math:`t` with :math:`t (1 - s) + s / K`.

    Args:
      y_true: target distributions (one-hot or soft), values in [0, 1], shape ``(..., K)``.
      y_pred: probabilities in [0, 1] with a positive sum in every row, or logits if
        ``from_logits``; same shape as ``y_true``.
      from_logits: whether ``y_pred`` holds logits.
      label_smoothing: :math:`s \in [0, 1]`.

    Returns:
      Losses of shape ``y_pred.shape[:-1]``.

    References:
      ``keras.losses.categorical_crossentropy``; Goodfellow, Bengio and Courville,
      *Deep Learning* (2016), section 6.2.2.3; Müller, Kornblith and Hinton, "When Does Label
      Smoothing Help?", NeurIPS 2019.
    """
    where = "losses.categorical_crossentropy"
    from_logits = validation.bool_option(where, "from_logits", from_logits)
    label_smoothing = validation.real_option(
        where, "label_smoothing", label_smoothing, low=0.0, high=1.0
    )
    y_true, y_pred = validation.probability_inputs(where, y_true, y_pred, from_logits=from_logits)
    with validation.overflow_is_error(where):
        y_true = _smooth_categorical(y_true, label_smoothing)
        if from_logits:
            log_probs = _log_softmax(y_pred)
        else:
            sums = _sum_last(y_pred)
            validation.check_row_sums(where, sums)
            log_probs = y_pred / _last_axis(sums)
            np.clip(log_probs, EPSILON, 1.0 - EPSILON, out=log_probs)
            np.log(log_probs, out=log_probs)
        log_probs *= y_true
        loss = -_sum_last(log_probs)
    return validation.check_finite_result(where, loss)


def sparse_categorical_crossentropy(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    from_logits: bool = False,
) -> FloatArray:
    r"""Categorical cross-entropy with integer class labels.

    For class :math:`c`, from logits
    :math:`\ell = -\log\mathrm{softmax}(z)_c = \log\sum_j e^{z_j} - z_c`. From probabilities,
    Keras clips, :math:`q = \mathrm{clip}(p, \epsilon, 1 - \epsilon)`, and takes the softmax of
    :math:`\log q`, which renormalises: :math:`\ell = \log\sum_j q_j - \log q_c`. (Note the
    order: :func:`categorical_crossentropy` renormalises first and clips second.)

    Args:
      y_true: class indices in ``[0, K)``, shape ``y_pred.shape[:-1]`` (a trailing axis of
        length 1 is allowed); integers, bools or whole-number floats.
      y_pred: probabilities in [0, 1] or logits if ``from_logits``, shape ``(..., K)``.
      from_logits: whether ``y_pred`` holds logits.

    Returns:
      Losses of shape ``y_pred.shape[:-1]``.

    References:
      ``keras.losses.sparse_categorical_crossentropy``;
      ``tf.nn.sparse_softmax_cross_entropy_with_logits``.
    """
    where = "losses.sparse_categorical_crossentropy"
    from_logits = validation.bool_option(where, "from_logits", from_logits)
    labels, y_pred = validation.sparse_inputs(where, y_true, y_pred, from_logits=from_logits)
    index = labels[..., np.newaxis]
    with validation.overflow_is_error(where):
        if from_logits:
            # log(sum_j exp(z_j)) = m + log(sum_j exp(z_j - m)) with m = max_j z_j: no exponent
            # is positive, and the loss m + log(...) - z_c is formed as (m - z_c) + log(...).
            top = _last_axis(_max_last(y_pred))
            shifted = np.subtract(y_pred, top)
            picked = np.take_along_axis(shifted, index, axis=-1)[..., 0]
            np.exp(shifted, out=shifted)
            loss = np.log(_sum_last(shifted))
            loss -= picked
        else:
            clipped = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
            picked = np.take_along_axis(clipped, index, axis=-1)[..., 0]
            loss = np.log(_sum_last(clipped))
            loss -= np.log(picked)
    return validation.check_finite_result(where, loss)


def kl_divergence(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Kullback-Leibler divergence :math:`D_{KL}(t \,\|\, p)` of each sample.

    Keras clips both arguments to :math:`[\epsilon, 1]`, so zeros contribute
    :math:`\epsilon \log(\epsilon / p)` instead of 0 (and no 0/0 appears):

    .. math:: \ell(t, p) = \sum_{k=1}^{K} \bar t_k \log\frac{\bar t_k}{\bar p_k}, \qquad
              \bar x = \mathrm{clip}(x, \epsilon, 1)

    Args:
      y_true: target distributions, values in [0, 1], shape ``(..., K)``.
      y_pred: predicted distributions, values in [0, 1], the same shape.

    Returns:
      Losses of shape ``y_pred.shape[:-1]``.

    References:
      ``keras.losses.kl_divergence``; S. Kullback and R. A. Leibler, "On Information and
      Sufficiency", Annals of Mathematical Statistics 22(1), 1951.
    """
    where = "losses.kl_divergence"
    y_true, y_pred = validation.kl_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        true = np.clip(y_true, EPSILON, 1.0)
        ratio = np.clip(y_pred, EPSILON, 1.0)
        np.divide(true, ratio, out=ratio)
        np.log(ratio, out=ratio)
        ratio *= true
        loss = _sum_last(ratio)
    return validation.check_finite_result(where, loss)


def poisson(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Poisson negative log-likelihood (without the :math:`\log t!` constant) of each sample.

    .. math::
        \ell(t, \lambda) = \frac{1}{K} \sum_{k=1}^{K}
            \big[\lambda_k - t_k \log(\lambda_k + \epsilon)\big]

    The :math:`\epsilon` keeps the logarithm finite at :math:`\lambda = 0`, as in Keras.

    Args:
      y_true: observed counts, non-negative, shape ``(..., K)``.
      y_pred: predicted rates :math:`\lambda \ge 0`, the same shape.

    Returns:
      Losses of shape ``y_pred.shape[:-1]``.

    References:
      ``keras.losses.poisson``; McCullagh and Nelder, *Generalized Linear Models*, 2nd ed., 1989.
    """
    where = "losses.poisson"
    y_true, y_pred = validation.poisson_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        out = np.add(y_pred, EPSILON)
        np.log(out, out=out)
        out *= y_true
        np.subtract(y_pred, out, out=out)
        loss = _mean_last(out)
    return validation.check_finite_result(where, loss)


def cosine_similarity(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Negative cosine similarity of each sample (-1 for parallel vectors, 1 for opposite).

    .. math::
        \ell(t, p) = -\sum_{k=1}^{K} \frac{t_k}{\max(\|t\|_2, \epsilon)}\,
                     \frac{p_k}{\max(\|p\|_2, \epsilon)}

    As in Keras (``keras.ops.normalize``), a norm below :math:`\epsilon` is replaced by
    :math:`\epsilon`, so a zero vector gives a loss of 0 instead of 0/0. The sign makes it a
    loss: minimising it aligns ``y_pred`` with ``y_true``.

    Args:
      y_true: target vectors, shape ``(..., K)``.
      y_pred: predicted vectors, the same shape.

    Returns:
      Losses in [-1, 1] of shape ``y_pred.shape[:-1]``.

    References:
      ``keras.losses.cosine_similarity``.
    """
    where = "losses.cosine_similarity"
    y_true, y_pred = validation.regression_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        # one value per sample from here on, changed in place
        norms = validation.check_finite_result(where, _dot_last(y_true, y_true))
        pred_norm = validation.check_finite_result(where, _dot_last(y_pred, y_pred))
        for norm in (norms, pred_norm):
            np.sqrt(norm, out=norm)
            np.maximum(norm, EPSILON, out=norm)
        norms *= pred_norm
        loss = _dot_last(y_true, y_pred)
        loss /= norms
        np.negative(loss, out=loss)
    return validation.check_finite_result(where, loss)


LOSSES: dict[str, Callable[..., FloatArray]] = {
    name: globals()[name] for name in __all__ if name != "LOSSES"
}
"""Every loss by its Keras name, e.g. ``LOSSES["huber"] is huber``."""
