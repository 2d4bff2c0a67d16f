r"""Numerical kernels shared by the losses and their gradients.

Reductions over the last axis that are fast for short rows, and the stable pieces (sigmoid pairs,
softplus, log-softmax, binary cross-entropy) that several losses and gradients are built from.
Every stability trick states the identity it uses.
"""

from __future__ import annotations

import math

import numpy as np

from lossbook.validation import EPSILON, FloatArray

_LOG_2 = math.log(2.0)  # a Python float, so that it does not promote float32 arrays to float64


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


def _softmax(logits: FloatArray) -> FloatArray:
    """Softmax over the last axis; shifting by the row maximum keeps every exponent <= 0."""
    out = logits - _last_axis(_max_last(logits))
    np.exp(out, out=out)
    out /= _last_axis(_sum_last(out))
    return out


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


def _softmax_complements(logits: FloatArray) -> tuple[FloatArray, FloatArray]:
    r"""Log-softmax over the last axis and :math:`1 - \mathrm{softmax}(z)`, both to full
    relative precision.

    With :math:`E_j = e^{z_j - m}` (:math:`m = \max_j z_j`, attained at :math:`a`) and
    :math:`s = \sum_{j \ne a} E_j`, the row sums to :math:`1 + s`, so
    :math:`\log\mathrm{softmax}(z)_k = (z_k - m) - \log(1 + s)` (``log1p``, exact for tiny
    :math:`s`) and :math:`1 - \mathrm{softmax}(z)_k = \sum_{j \ne k} E_j / (1 + s)`. That sum is
    :math:`s` itself for :math:`k = a` (no cancellation, where ``1 - softmax`` would round to
    0), and :math:`(1 + s) - E_k \ge 1` otherwise (a rounding error of at most
    :math:`K` units in the last place).
    """
    shifted = logits - _last_axis(_max_last(logits))
    top = np.expand_dims(np.argmax(shifted, axis=-1), -1)
    terms = np.exp(shifted)
    np.put_along_axis(terms, top, 0.0, axis=-1)
    others = _sum_last(terms)  # s
    total = _last_axis(others + 1.0)
    np.put_along_axis(terms, top, 1.0, axis=-1)  # E, now with E_a = 1
    complements = np.subtract(total, terms, out=terms)
    np.put_along_axis(complements, top, _last_axis(others), axis=-1)
    complements /= total
    shifted -= _last_axis(np.log1p(others))
    return shifted, complements


def _softplus(x: FloatArray) -> FloatArray:
    r""":math:`\log(1 + e^x) = \max(x, 0) + \log(1 + e^{-|x|})` in a new array: the exponent is
    never positive, so nothing overflows, and for large negative :math:`x` the tiny value
    :math:`e^{x}` survives (``log1p``)."""
    out = _softplus_of_minus_abs(x)
    out += np.maximum(x, 0.0)
    return out


def _unit_rows(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    r"""Rows scaled to unit length as ``keras.ops.normalize`` does, :math:`x / \max(\|x\|,
    \epsilon)`, and the clamped norms :math:`\max(\|x\|, \epsilon)` (with the reduced axis)."""
    norms = np.sqrt(_dot_last(x, x))
    np.maximum(norms, EPSILON, out=norms)
    norms = _last_axis(norms)
    return x / norms, norms
