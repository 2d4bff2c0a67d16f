r"""Overlap losses for segmentation-style targets: Dice and Tversky.

Unlike the other losses, these do not reduce the last axis by default: as in Keras, ``axis=None``
reduces every axis and gives one number for the whole array (a 0-d array). Pass the axes of one
sample, ``axis=(1, 2, 3)`` for masks of shape ``(batch, height, width, channels)`` for example,
to get one loss per sample.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from lossbook import validation
from lossbook.losses._numerics import _dot_last, _sum_last
from lossbook.losses._threads import by_rows
from lossbook.validation import EPSILON, FloatArray


def dice(
    y_true: ArrayLike, y_pred: ArrayLike, *, axis: int | tuple[int, ...] | None = None
) -> FloatArray:
    r"""Dice loss: one minus the (soft) Dice coefficient of the overlap.

    .. math:: \ell = 1 - \frac{2 \sum_i t_i \hat y_i}{\sum_i t_i + \sum_i \hat y_i + \epsilon}

    with the sums over ``axis``. The :math:`\epsilon = 10^{-7}` of Keras keeps an empty target
    with an empty prediction at a loss of 1 instead of 0/0.

    Args:
      y_true: masks (values in [0, 1]), any shape.
      y_pred: foreground probabilities in [0, 1], the same shape.
      axis: the axes to reduce: ``None`` (every axis, as Keras's default: one value for the
        whole array), an int or a tuple of ints.

    Returns:
      Losses in [0, 1], of ``y_pred``'s shape without the reduced axes.

    References:
      ``keras.losses.dice``; F. Milletari, N. Navab and S.-A. Ahmadi, "V-Net: Fully
      Convolutional Neural Networks for Volumetric Medical Image Segmentation", 3DV 2016.
    """
    where = "losses.dice"
    y_true, y_pred = validation.overlap_inputs(where, y_true, y_pred)
    axes = validation.axis_option(where, axis, y_pred.ndim)
    (true, pred), samples = _as_rows(axes, y_true, y_pred)
    with validation.overflow_is_error(where):
        loss = by_rows(_dice_rows, true, pred, samples=(true.shape[0],))
    return validation.check_finite_result(where, loss.reshape(samples))


def _as_rows(
    axes: tuple[int, ...], *arrays: FloatArray
) -> tuple[list[FloatArray], tuple[int, ...]]:
    """The arrays as 2-D ``(samples, reduced)``: the kept axes first, then ``axes`` flattened.

    A view when ``axes`` are the trailing axes (the usual ``(1, 2, 3)`` of image masks), a copy
    otherwise. Also returns the shape of the kept axes, the shape of the losses.
    """
    ndim = arrays[0].ndim
    order = [i for i in range(ndim) if i not in axes] + list(axes)
    samples = tuple(arrays[0].shape[i] for i in order[: ndim - len(axes)])
    rows = [np.transpose(a, order).reshape(math.prod(samples), -1) for a in arrays]
    return rows, samples


def _dice_rows(y_true: FloatArray, y_pred: FloatArray) -> FloatArray:
    """The losses of :func:`dice` for a block of samples, rows of ``(samples, reduced)``."""
    overlap, total = _dice_sums(y_true, y_pred)
    loss = np.divide(overlap, total, out=overlap)
    return np.subtract(1.0, loss, out=loss)


def _dice_sums(y_true: FloatArray, y_pred: FloatArray) -> tuple[FloatArray, FloatArray]:
    r""":math:`2 \sum t \hat y` and :math:`\sum t + \sum \hat y + \epsilon` of each row."""
    overlap = _dot_last(y_true, y_pred)
    overlap *= 2.0
    total = _sum_last(y_true)
    total += _sum_last(y_pred)
    total += EPSILON
    return overlap, total


def tversky(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    alpha: float = 0.5,
    beta: float = 0.5,
    axis: int | tuple[int, ...] | None = None,
) -> FloatArray:
    r"""Tversky loss: one minus the Tversky index, Dice with separate weights for the two errors.

    .. math::
        \ell = 1 - \frac{I}{I + \alpha \sum_i t_i (1 - \hat y_i)
                          + \beta \sum_i (1 - t_i) \hat y_i + \epsilon},
        \qquad I = \sum_i t_i \hat y_i

    with the sums over ``axis``. This is exactly what Keras computes: its ``alpha`` multiplies
    :math:`\sum t (1 - \hat y)`, the foreground that the prediction misses (false negatives),
    and ``beta`` multiplies :math:`\sum (1 - t) \hat y` (false positives), although Keras's
    docstring says the opposite (its variable names ``fp`` and ``fn`` are swapped). In Salehi et
    al. it is :math:`\alpha` that weights the false positives. :math:`\alpha = \beta = 1/2`
    gives :func:`dice` (up to where :math:`\epsilon` enters).

    Args:
      y_true: masks (values in [0, 1]), any shape.
      y_pred: foreground probabilities in [0, 1], the same shape.
      alpha: weight :math:`\alpha \ge 0` of :math:`\sum t (1 - \hat y)` (false negatives).
      beta: weight :math:`\beta \ge 0` of :math:`\sum (1 - t) \hat y` (false positives).
      axis: the axes to reduce, as for :func:`dice`.

    Returns:
      Losses in [0, 1], of ``y_pred``'s shape without the reduced axes.

    References:
      ``keras.losses.tversky``; S. S. M. Salehi, D. Erdogmus and A. Gholipour, "Tversky loss
      function for image segmentation using 3D fully convolutional deep networks", MLMI 2017.
    """
    where = "losses.tversky"
    alpha = validation.real_option(where, "alpha", alpha, low=0.0)
    beta = validation.real_option(where, "beta", beta, low=0.0)
    y_true, y_pred = validation.overlap_inputs(where, y_true, y_pred)
    axes = validation.axis_option(where, axis, y_pred.ndim)
    (true, pred), samples = _as_rows(axes, y_true, y_pred)
    with validation.overflow_is_error(where):
        loss = by_rows(_tversky_rows, true, pred, samples=(true.shape[0],), alpha=alpha, beta=beta)
    return validation.check_finite_result(where, loss.reshape(samples))


def _tversky_rows(
    y_true: FloatArray, y_pred: FloatArray, *, alpha: float, beta: float
) -> FloatArray:
    """The losses of :func:`tversky` for a block of samples, rows of ``(samples, reduced)``."""
    overlap, total = _tversky_sums(y_true, y_pred, alpha, beta)
    loss = np.divide(overlap, total, out=overlap)
    return np.subtract(1.0, loss, out=loss)


def _tversky_sums(
    y_true: FloatArray, y_pred: FloatArray, alpha: float, beta: float
) -> tuple[FloatArray, FloatArray]:
    r""":math:`I` and the denominator :math:`D = I + \alpha \sum t (1 - \hat y) + \beta \sum (1 -
    t) \hat y + \epsilon` of each row.

    :math:`\sum t (1 - \hat y) = \sum t - I` and :math:`\sum (1 - t) \hat y = \sum \hat y - I`:
    three sums instead of two more products. The subtractions cancel where the overlap is
    nearly perfect, but their rounding errors (a few units of :math:`\sum t` in the last
    place) are added to :math:`I \ge \sum t - \sum t (1 - \hat y)` in :math:`D`, so
    :math:`I / D` keeps its relative precision.
    """
    overlap = _dot_last(y_true, y_pred)
    total = _sum_last(y_true)
    total -= overlap  # the missed foreground
    total *= alpha
    extra = _sum_last(y_pred)
    extra -= overlap  # the extra foreground
    extra *= beta
    total += extra
    total += overlap
    total += EPSILON
    return overlap, total
