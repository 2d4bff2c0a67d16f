"""Small pieces shared by the gradient modules."""

from __future__ import annotations

import numpy as np

from lossbook.losses._numerics import _dot_last, _last_axis, _max_last, _sum_last, _unit_rows
from lossbook.validation import EPSILON, FloatArray


def _samples(y_pred: FloatArray) -> int:
    """N, the number of samples: every axis but the last."""
    return y_pred.size // y_pred.shape[-1]


def _inside_clip(x: FloatArray, low: float, high: float) -> FloatArray:
    """Where ``clip_by_value(x, low, high)`` passes the gradient: ``low <= x <= high``."""
    inside = x >= low
    inside &= x <= high
    return inside


def _through_renormalisation(
    slope: FloatArray, normalised: FloatArray, sums: FloatArray
) -> FloatArray:
    r"""The gradient with respect to :math:`p` of a function of :math:`o = p / S`,
    :math:`S = \sum_j p_j`, from its gradient ``slope`` :math:`g` with respect to :math:`o`.

    :math:`\partial o_k / \partial p_j = (\delta_{kj} - o_k) / S`, so
    :math:`\partial / \partial p_j = (g_j - \sum_k g_k o_k) / S`. ``normalised`` (:math:`o`) is
    overwritten; ``sums`` has the reduced axis restored.
    """
    normalised *= slope
    slope -= _last_axis(_sum_last(normalised))
    slope /= sums
    return slope


def _max_share(x: FloatArray) -> FloatArray:
    """Where the maximum of each row of ``x`` is, as TensorFlow's gradient of ``reduce_max``
    sees it: 1 / (number of ties) at every element equal to the maximum, 0 elsewhere."""
    share = (x == _last_axis(_max_last(x))).astype(x.dtype)
    share /= _last_axis(_sum_last(share))
    return share


def _unit_rows_gradient(upstream: FloatArray, rows: FloatArray) -> FloatArray:
    r"""The gradient with respect to ``rows`` :math:`x` of a function of
    :math:`u = x / \max(\|x\|, \epsilon)`, from its gradient ``upstream`` :math:`g` in :math:`u`.

    :math:`(g - u\,(u \cdot g)) / \|x\|` where :math:`\|x\| \ge \epsilon`, the projection
    onto the tangent space; :math:`g / \epsilon` below, where the norm is held at
    :math:`\epsilon`.
    """
    units, norms = _unit_rows(rows)
    moving = norms > EPSILON  # the norm was not held at epsilon

    along = _last_axis(_dot_last(units, upstream)) * units
    out = upstream - np.where(moving, along, 0.0)
    out /= norms
    return out
