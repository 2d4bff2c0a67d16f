"""Gradients of the overlap losses of :mod:`lossbook.losses.overlap`.

:math:`N` is the number of losses, the size of the result (1 for the default ``axis=None``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from lossbook import validation
from lossbook.losses._numerics import _last_axis
from lossbook.losses.overlap import _as_rows, _dice_sums, _tversky_sums
from lossbook.validation import FloatArray


def dice(
    y_true: ArrayLike, y_pred: ArrayLike, *, axis: int | tuple[int, ...] | None = None
) -> FloatArray:
    r"""Gradient of the mean Dice loss over the samples that ``axis`` leaves.

    With :math:`I = \sum t \hat y` and :math:`S = \sum t + \sum \hat y + \epsilon` over
    ``axis``, :math:`\partial (1 - 2I/S) / \partial \hat y = (2I/S - 2t) / S`, divided by the
    number :math:`N` of losses.

    Arguments as for :func:`lossbook.losses.dice`; the result has ``y_pred``'s shape.
    """
    where = "gradients.dice"
    y_true, y_pred = validation.overlap_inputs(where, y_true, y_pred)
    axes = validation.axis_option(where, axis, y_pred.ndim)
    (true, pred), samples = _as_rows(axes, y_true, y_pred)
    with validation.overflow_is_error(where):
        overlap, total = _dice_sums(true, pred)
        overlap /= total
        grad = _last_axis(overlap) - 2.0 * true
        grad /= _last_axis(total)
        grad *= 1.0 / true.shape[0]
    return validation.check_finite_result(where, _from_rows(grad, axes, y_pred.shape))


def _from_rows(rows: FloatArray, axes: tuple[int, ...], shape: tuple[int, ...]) -> FloatArray:
    """Undo :func:`lossbook.losses.overlap._as_rows`: back to ``shape``, axes in their places."""
    order = [i for i in range(len(shape)) if i not in axes] + list(axes)
    moved = rows.reshape([shape[i] for i in order])
    return np.transpose(moved, np.argsort(order))


def tversky(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    alpha: float = 0.5,
    beta: float = 0.5,
    axis: int | tuple[int, ...] | None = None,
) -> FloatArray:
    r"""Gradient of the mean Tversky loss over the samples that ``axis`` leaves.

    With :math:`I = \sum t \hat y` and the denominator :math:`D`,
    :math:`\partial D / \partial \hat y = (1 - \alpha)\,t + \beta (1 - t)`, so
    :math:`\partial (1 - I/D) / \partial \hat y = (I\,\partial D / \partial \hat y / D - t) /
    D`, divided by the number :math:`N` of losses.

    Arguments as for :func:`lossbook.losses.tversky`; the result has ``y_pred``'s shape.
    """
    where = "gradients.tversky"
    alpha = validation.real_option(where, "alpha", alpha, low=0.0)
    beta = validation.real_option(where, "beta", beta, low=0.0)
    y_true, y_pred = validation.overlap_inputs(where, y_true, y_pred)
    axes = validation.axis_option(where, axis, y_pred.ndim)
    (true, pred), _ = _as_rows(axes, y_true, y_pred)
    with validation.overflow_is_error(where):
        overlap, total = _tversky_sums(true, pred, alpha, beta)
        overlap /= total
        grad = (1.0 - alpha) * true + beta * (1.0 - true)  # dD / dy_pred
        grad *= _last_axis(overlap)
        grad -= true
        grad /= _last_axis(total)
        grad *= 1.0 / true.shape[0]
    return validation.check_finite_result(where, _from_rows(grad, axes, y_pred.shape))
