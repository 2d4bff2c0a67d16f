r"""Gradients of the ranking and metric-learning losses of :mod:`lossbook.losses.ranking`.

These losses take several arrays of scores or embeddings. Each gradient is taken with respect to
the arrays that a model produces and returns one array per argument, in the order of the
arguments, as a tuple: ``bpr`` gives ``(d/d positive_scores, d/d negative_scores)``,
``info_nce`` gives ``(d/d queries, d/d keys)`` (both towers of a two-tower model) and
``triplet_margin`` gives ``(d/d anchor, d/d positive, d/d negative)``. ``circle`` gives the
gradient with respect to ``y_pred`` alone: through both sides of the similarities when the
references default to ``y_pred`` itself, while ``ref_embeddings`` passed explicitly (a memory
bank, say) are held constant.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from lossbook import validation
from lossbook.gradients._common import _unit_rows_gradient
from lossbook.losses._numerics import _last_axis, _sigmoid_pair, _softmax, _unit_rows
from lossbook.losses.ranking import _circle_pairs, _info_nce_logits, _triplet_distances
from lossbook.validation import FloatArray


def bpr(positive_scores: ArrayLike, negative_scores: ArrayLike) -> tuple[FloatArray, FloatArray]:
    r"""Gradient of the batch-mean BPR loss with respect to both scores.

    With :math:`d = s^+ - s^-`, :math:`\partial\,\mathrm{softplus}(-d) / \partial s^+ =
    -\sigma(-d)` and the opposite for :math:`s^-`; each is divided by the number of pairs
    :math:`NM` (the size of the scores).

    Arguments as for :func:`lossbook.losses.bpr`. Returns ``(d/d positive_scores,
    d/d negative_scores)``, each of their shape.
    """
    where = "gradients.bpr"
    positive, negative = validation.same_shape_inputs(
        where, positive_scores=positive_scores, negative_scores=negative_scores
    )
    with validation.overflow_is_error(where):
        difference = np.subtract(positive, negative)
        _, wrong = _sigmoid_pair(difference)  # sigma(-d), to full relative precision
        wrong *= 1.0 / positive.size
    validation.check_finite_result(where, wrong)
    return -wrong, wrong


def info_nce(
    queries: ArrayLike, keys: ArrayLike, *, temperature: float = 0.1, normalize: bool = True
) -> tuple[FloatArray, FloatArray]:
    r"""Gradient of the batch-mean InfoNCE loss with respect to the queries and the keys.

    With :math:`P = \mathrm{softmax}(Z)` row by row and :math:`G = (P - I) / N`, the gradient
    with respect to the logits, :math:`\partial / \partial u = G V / \tau` and
    :math:`\partial / \partial v = G^\top U / \tau`; with ``normalize``, each then goes back
    through :math:`x / \max(\|x\|, \epsilon)` (the projection
    :math:`(g - u (u \cdot g)) / \|x\|`).

    Arguments as for :func:`lossbook.losses.info_nce`. Returns ``(d/d queries, d/d keys)``, each
    of shape ``(N, D)``.
    """
    where = "gradients.info_nce"
    temperature = validation.real_option(where, "temperature", temperature, low=0.0, low_open=True)
    normalize = validation.bool_option(where, "normalize", normalize)
    queries, keys = validation.same_shape_inputs(where, ndim=2, queries=queries, keys=keys)
    with validation.overflow_is_error(where):
        slope = _softmax(_info_nce_logits(queries, keys, temperature, normalize))
        slope[np.diag_indices_from(slope)] -= 1.0
        slope *= 1.0 / (temperature * queries.shape[0])
        units = (_unit_rows(queries)[0], _unit_rows(keys)[0]) if normalize else (queries, keys)
        grad_queries = slope @ units[1]
        grad_keys = slope.T @ units[0]
        if normalize:
            grad_queries = _unit_rows_gradient(grad_queries, queries)
            grad_keys = _unit_rows_gradient(grad_keys, keys)
    return (
        validation.check_finite_result(where, grad_queries),
        validation.check_finite_result(where, grad_keys),
    )


def triplet_margin(
    anchor: ArrayLike, positive: ArrayLike, negative: ArrayLike, *, margin: float = 1.0
) -> tuple[FloatArray, FloatArray, FloatArray]:
    r"""Gradient of the batch-mean triplet margin loss with respect to all three embeddings.

    Where :math:`d^+ - d^- + m \ge 0` (TensorFlow's ``maximum`` passes the gradient at 0), with
    the unit vectors :math:`e^+ = (a - p)/d^+` and :math:`e^- = (a - n)/d^-`:
    :math:`(e^+ - e^-,\; -e^+,\; e^-) / N`; 0 elsewhere. Where a distance is exactly 0 its unit
    vector is taken as 0, a subgradient of the norm; TensorFlow's gradient of ``norm`` is NaN
    there.

    Arguments as for :func:`lossbook.losses.triplet_margin`. Returns ``(d/d anchor,
    d/d positive, d/d negative)``, each of their shape.
    """
    where = "gradients.triplet_margin"
    margin = validation.real_option(where, "margin", margin, low=0.0)
    anchor, positive, negative = validation.same_shape_inputs(
        where, anchor=anchor, positive=positive, negative=negative
    )
    with validation.overflow_is_error(where):
        gap, (to_positive, near), (to_negative, far) = _triplet_distances(
            where, anchor, positive, negative
        )
        active = gap + margin >= 0
        scale = anchor.size // anchor.shape[-1]
        toward = _unit_or_zero(to_positive, near, active, scale)
        away = _unit_or_zero(to_negative, far, active, scale)
        grad_anchor = toward - away
    return (
        validation.check_finite_result(where, grad_anchor),
        validation.check_finite_result(where, -toward),
        validation.check_finite_result(where, away),
    )


def _unit_or_zero(
    difference: FloatArray, length: FloatArray, active: np.ndarray, samples: int
) -> FloatArray:
    """``difference / length / samples`` where ``active`` and ``length > 0``, else 0."""
    usable = active & (length > 0)
    factor = np.zeros_like(length)
    np.divide(1.0 / samples, length, out=factor, where=usable)
    return difference * _last_axis(factor)


def circle(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    ref_labels: ArrayLike | None = None,
    ref_embeddings: ArrayLike | None = None,
    remove_diagonal: bool = True,
    gamma: float = 80.0,
    margin: float = 0.4,
) -> FloatArray:
    r"""Gradient of the batch-mean Circle loss with respect to ``y_pred``.

    The mean is over all :math:`N` rows, like the mean of :func:`lossbook.losses.circle`'s
    per-row losses. Keras's ``keras.losses.Circle()`` class divides instead by the number of
    rows whose loss is not zero (it masks the others), so on a batch with rows that have no
    positive or no negative, its gradient is this one times :math:`N / N_{\neq 0}`.

    With :math:`\ell_i = \mathrm{softplus}(z_i)`, :math:`z_i = \mathrm{lse}(P_i) +
    \mathrm{lse}(N_i)`, the softmax weights :math:`w^p_{ij}`, :math:`w^n_{ij}` of the two
    log-sum-exps and the distances :math:`d_{ij} = \max(1 - s_{ij}, 0)`:

    .. math::
        \frac{\partial \ell_i}{\partial s_{ij}} = -\sigma(z_i)\,[1 - s_{ij} \ge 0]
            \Big(w^p_{ij}\,\gamma\,\big(a^p_{ij} - [m + d_{ij} \ge 0](m - d_{ij})\big)
               + w^n_{ij}\,\gamma\,\big([1 + m - d_{ij} \ge 0](d_{ij} - 1 + m) - a^n_{ij}\big)
            \Big),

    the weights :math:`a^p = \max(m + d, 0)`, :math:`a^n = \max(1 + m - d, 0)` differentiated
    through as Keras does. With :math:`G` these slopes over :math:`N`, :math:`\partial /
    \partial x = G R` (plus :math:`G^\top X` when the references are ``y_pred`` itself). A row
    without positives or without negatives has a loss of exactly 0 for every nearby input and
    contributes no gradient, as with TensorFlow.

    Arguments as for :func:`lossbook.losses.circle`; the result has ``y_pred``'s shape.
    """
    where = "gradients.circle"
    remove_diagonal = validation.bool_option(where, "remove_diagonal", remove_diagonal)
    gamma = validation.real_option(where, "gamma", gamma, low=0.0, low_open=True)
    margin = validation.real_option(where, "margin", margin, low=0.0, high=1.0)
    labels, embeddings, ref_label_array, refs = validation.circle_inputs(
        where, y_true, y_pred, ref_labels, ref_embeddings
    )
    with validation.overflow_is_error(where):
        pairs = _circle_pairs(
            labels, embeddings, ref_label_array, refs, remove_diagonal, gamma, margin
        )
        distance = pairs.distance
        # d(logit)/d(distance) for the positive and the negative pairs
        positive_slope = pairs.positive_weight - (distance + margin >= 0) * (margin - distance)
        negative_slope = (1.0 + margin - distance >= 0) * (distance - (1.0 - margin))
        negative_slope -= pairs.negative_weight
        slope = _softmax_of_masked(pairs.positive_logits, pairs.positive_lse) * positive_slope
        slope += _softmax_of_masked(pairs.negative_logits, pairs.negative_lse) * negative_slope
        # d(loss)/d(s) = sigma(z) gamma slope d(distance)/d(s), where d(distance)/d(s) is
        # -[1 - s >= 0] (TensorFlow's maximum passes the gradient at 0); sigma(-inf) = 0
        weight, _ = _sigmoid_pair(pairs.total)
        slope *= _last_axis(weight)
        slope *= -gamma / labels.size
        slope *= pairs.similarity <= 1.0
        grad = slope @ refs
        if ref_embeddings is None:
            grad += slope.T @ embeddings
    return validation.check_finite_result(where, grad)


def _softmax_of_masked(logits: FloatArray, lse: FloatArray) -> FloatArray:
    r"""The softmax weights :math:`e^{x_{ij} - \mathrm{lse}_i}` of a masked log-sum-exp: 0 outside
    the mask (:math:`x = -\infty`) and in rows that are all outside it."""
    out = np.zeros_like(logits)
    finite = np.isfinite(lse)
    np.exp(logits - _last_axis(np.where(finite, lse, 0.0)), out=out, where=finite[:, np.newaxis])
    return out
