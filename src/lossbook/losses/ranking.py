r"""Ranking, retrieval and metric-learning losses: BPR, InfoNCE, the triplet margin loss and
Keras's Circle loss.

These compare scores or embeddings with each other instead of predictions with targets, so their
arguments are named for what they hold. ``bpr`` and ``triplet_margin`` reduce the last axis and
return one loss per sample; ``info_nce`` and ``circle`` compare every row of a batch with every
other and return one loss per row.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from lossbook import validation
from lossbook.losses._numerics import (
    _dot_last,
    _last_axis,
    _max_last,
    _mean_last,
    _softplus,
    _sum_last,
    _unit_rows,
)
from lossbook.losses._threads import by_rows
from lossbook.validation import FloatArray


def bpr(positive_scores: ArrayLike, negative_scores: ArrayLike) -> FloatArray:
    r"""Bayesian personalised ranking loss, averaged over the last axis.

    For the score :math:`s^+` of an item the user interacted with and :math:`s^-` of one they
    did not,

    .. math::
        \ell = \frac{1}{M} \sum_{m=1}^{M} -\log\sigma(s^+_m - s^-_m)
             = \frac{1}{M} \sum_{m=1}^{M} \mathrm{softplus}(s^-_m - s^+_m),

    the negative log-likelihood that the user prefers the positive item. The softplus is
    computed as :math:`\max(x, 0) + \log(1 + e^{-|x|})`, which never overflows.

    Args:
      positive_scores: scores :math:`s^+`, shape ``(..., M)``: M sampled pairs per sample.
      negative_scores: scores :math:`s^-` of the paired negatives, the same shape.

    Returns:
      Losses of shape ``positive_scores.shape[:-1]``.

    References:
      S. Rendle, C. Freudenthaler, Z. Gantner and L. Schmidt-Thieme, "BPR: Bayesian
      Personalized Ranking from Implicit Feedback", UAI 2009.
    """
    where = "losses.bpr"
    positive, negative = validation.same_shape_inputs(
        where, positive_scores=positive_scores, negative_scores=negative_scores
    )
    with validation.overflow_is_error(where):
        loss = by_rows(_bpr_rows, positive, negative, samples=positive.shape[:-1])
    return validation.check_finite_result(where, loss)


def _bpr_rows(positive: FloatArray, negative: FloatArray) -> FloatArray:
    """The losses of :func:`bpr` for a block of samples (see :func:`by_rows`)."""
    return _mean_last(_softplus(np.subtract(negative, positive)))


def info_nce(
    queries: ArrayLike, keys: ArrayLike, *, temperature: float = 0.1, normalize: bool = True
) -> FloatArray:
    r"""In-batch InfoNCE (contrastive) loss: each query must pick out its own key.

    With :math:`u_i` and :math:`v_j` the rows of ``queries`` and ``keys`` (scaled to unit
    length first if ``normalize``, as ``keras.ops.normalize``: :math:`x / \max(\|x\|,
    \epsilon)`), the logits are :math:`z_{ij} = u_i \cdot v_j / \tau` and

    .. math:: \ell_i = -\log \frac{e^{z_{ii}}}{\sum_{j=1}^{N} e^{z_{ij}}}
              = \log\sum_j e^{z_{ij}} - z_{ii},

    the cross-entropy of row :math:`i` with the diagonal as its class: the other keys of the
    batch are the negatives. The log-sum-exp is shifted by its row maximum, so nothing
    overflows.

    Args:
      queries: one query embedding per row, shape ``(N, D)``.
      keys: the matching key embeddings, shape ``(N, D)``: row :math:`i` is the positive for
        query :math:`i`.
      temperature: :math:`\tau > 0`; smaller values sharpen the softmax.
      normalize: whether to scale every row to unit length first (cosine similarities).

    Returns:
      Losses of shape ``(N,)``, one per query.

    References:
      A. van den Oord, Y. Li and O. Vinyals, "Representation Learning with Contrastive
      Predictive Coding", arXiv:1807.03748, 2018; T. Chen, S. Kornblith, M. Norouzi and
      G. Hinton, "A Simple Framework for Contrastive Learning of Visual Representations",
      ICML 2020.
    """
    where = "losses.info_nce"
    temperature = validation.real_option(where, "temperature", temperature, low=0.0, low_open=True)
    normalize = validation.bool_option(where, "normalize", normalize)
    queries, keys = validation.same_shape_inputs(where, ndim=2, queries=queries, keys=keys)
    with validation.overflow_is_error(where):
        logits = _info_nce_logits(queries, keys, temperature, normalize)
        # log sum_j exp(z_ij) - z_ii = log sum_j exp(z_ij - m_i) - (z_ii - m_i) with the row
        # maximum m_i: no exponent is positive, and z_ii - m_i is formed before the logarithm is
        # added, so a loss of log 2 next to logits of 1e4 keeps its digits.
        logits -= _last_axis(_max_last(logits))
        loss = np.log(_sum_last(np.exp(logits)))
        loss -= np.diagonal(logits)
    return validation.check_finite_result(where, loss)


def _info_nce_logits(
    queries: FloatArray, keys: FloatArray, temperature: float, normalize: bool
) -> FloatArray:
    r"""The similarity logits :math:`z_{ij} = u_i \cdot v_j / \tau`, shape ``(N, N)``."""
    if normalize:
        queries, keys = _unit_rows(queries)[0], _unit_rows(keys)[0]
    logits = queries @ keys.T
    logits /= temperature
    return logits


def triplet_margin(
    anchor: ArrayLike, positive: ArrayLike, negative: ArrayLike, *, margin: float = 1.0
) -> FloatArray:
    r"""Triplet margin loss on Euclidean distances, one per triplet.

    .. math:: \ell = \max\big(\|a - p\|_2 - \|a - n\|_2 + m,\; 0\big)

    zero once the negative is at least :math:`m` farther from the anchor than the positive.
    The distances are not squared (as in PyTorch's ``TripletMarginLoss``, without its
    :math:`10^{-6}` added to the differences); Schroff et al. use squared distances.

    Args:
      anchor: embeddings, shape ``(..., D)``.
      positive: embeddings of the same identity as the anchors, the same shape.
      negative: embeddings of other identities, the same shape.
      margin: :math:`m \ge 0`.

    Returns:
      Losses of shape ``anchor.shape[:-1]``.

    References:
      F. Schroff, D. Kalenichenko and J. Philbin, "FaceNet: A Unified Embedding for Face
      Recognition and Clustering", CVPR 2015; K. Q. Weinberger and L. K. Saul, "Distance Metric
      Learning for Large Margin Nearest Neighbor Classification", JMLR 10, 2009.
    """
    where = "losses.triplet_margin"
    margin = validation.real_option(where, "margin", margin, low=0.0)
    anchor, positive, negative = validation.same_shape_inputs(
        where, anchor=anchor, positive=positive, negative=negative
    )
    with validation.overflow_is_error(where):
        loss = by_rows(
            _triplet_rows, anchor, positive, negative, samples=anchor.shape[:-1], margin=margin,
            where=where,
        )  # fmt: skip
    return validation.check_finite_result(where, loss)


def _triplet_rows(
    anchor: FloatArray, positive: FloatArray, negative: FloatArray, *, margin: float, where: str
) -> FloatArray:
    """The losses of :func:`triplet_margin` for a block of samples (see :func:`by_rows`)."""
    loss, _, _ = _triplet_distances(where, anchor, positive, negative)
    loss += margin
    return np.maximum(loss, 0.0, out=loss)


def _triplet_distances(
    where: str, anchor: FloatArray, positive: FloatArray, negative: FloatArray
) -> tuple[FloatArray, tuple[FloatArray, FloatArray], tuple[FloatArray, FloatArray]]:
    r""":math:`d^+ - d^-` and, for the gradient, the differences :math:`a - p`, :math:`a - n`
    with their lengths :math:`d^+ = \|a - p\|`, :math:`d^- = \|a - n\|`."""
    to_positive = anchor - positive
    to_negative = anchor - negative
    near = np.sqrt(validation.check_finite_result(where, _dot_last(to_positive, to_positive)))
    far = np.sqrt(validation.check_finite_result(where, _dot_last(to_negative, to_negative)))
    return np.asarray(near - far), (to_positive, near), (to_negative, far)  # 0-d stays an array


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
    r"""Circle loss of each embedding against a set of reference embeddings, as in Keras.

    With :math:`s_{ij} = x_i \cdot r_j`, the cosine distance :math:`d_{ij} = \max(1 - s_{ij},
    0)`, the positives :math:`P_i` (references of the same label, without :math:`j = i` if
    ``remove_diagonal``) and the negatives :math:`N_i` (other labels),

    .. math::
        \ell_i = \mathrm{softplus}\Big(
            \log\sum_{j \in P_i} e^{-\gamma\, a^p_{ij} (m - d_{ij})}
          + \log\sum_{j \in N_i} e^{\gamma\, a^n_{ij} (1 - m - d_{ij})} \Big)

    with the weights :math:`a^p_{ij} = \max(m + d_{ij}, 0)` and :math:`a^n_{ij} = \max(1 + m -
    d_{ij}, 0)`. This is the paper's loss written with distances: :math:`O_p = 1 + m`,
    :math:`O_n = -m`, :math:`\Delta_p = 1 - m`, :math:`\Delta_n = m` in similarities. Both
    log-sum-exps are shifted by their maxima and the softplus is the stable one, so the large
    default scale :math:`\gamma = 80` never overflows. A row without positives or without
    negatives has a loss of 0 (the log-sum-exp of nothing is :math:`-\infty`). The weights are
    differentiated through, as in Keras (the paper treats them as constants).

    Args:
      y_true: integer labels, shape ``(N,)`` (or ``(N, 1)``).
      y_pred: embeddings, shape ``(N, D)``, meant to have unit length (Keras does not normalise
        them, and neither does lossbook).
      ref_labels: labels of the references, shape ``(M,)``; ``y_true`` if None.
      ref_embeddings: reference embeddings, shape ``(M, D)``; ``y_pred`` if None.
      remove_diagonal: whether pair :math:`(i, i)` is left out of the positives.
      gamma: the scale :math:`\gamma > 0`.
      margin: the relaxation :math:`m \in [0, 1]`.

    Returns:
      Losses of shape ``(N,)``, one per row of ``y_pred``.

    References:
      ``keras.losses.circle``; Y. Sun, C. Cheng, Y. Zhang, C. Zhang, L. Zheng, Z. Wang and
      Y. Wei, "Circle Loss: A Unified Perspective of Pair Similarity Optimization", CVPR 2020.
    """
    where = "losses.circle"
    remove_diagonal = validation.bool_option(where, "remove_diagonal", remove_diagonal)
    gamma = validation.real_option(where, "gamma", gamma, low=0.0, low_open=True)
    margin = validation.real_option(where, "margin", margin, low=0.0, high=1.0)
    labels, embeddings, ref_labels, refs = validation.circle_inputs(
        where, y_true, y_pred, ref_labels, ref_embeddings
    )
    with validation.overflow_is_error(where):
        pairs = _circle_pairs(labels, embeddings, ref_labels, refs, remove_diagonal, gamma, margin)
        loss = _softplus(pairs.total)
    return validation.check_finite_result(where, loss)


class _CirclePairs(NamedTuple):
    r"""The pieces of the Circle loss for every pair :math:`(i, j)`, shared with its gradient."""

    similarity: FloatArray  #: s_ij = x_i . r_j
    distance: FloatArray  #: d_ij = max(1 - s_ij, 0)
    positive: np.ndarray  #: the mask of positives P_i
    negative: np.ndarray  #: the mask of negatives N_i
    positive_weight: FloatArray  #: a^p_ij = max(m + d_ij, 0)
    negative_weight: FloatArray  #: a^n_ij = max(1 + m - d_ij, 0)
    positive_logits: FloatArray  #: -gamma a^p (m - d), -inf outside P_i
    negative_logits: FloatArray  #: gamma a^n (1 - m - d), -inf outside N_i
    positive_lse: FloatArray  #: their log-sum-exp per row, -inf for an empty row
    negative_lse: FloatArray
    total: FloatArray  #: the argument of the softplus


def _circle_pairs(
    labels: np.ndarray,
    embeddings: FloatArray,
    ref_labels: np.ndarray,
    refs: FloatArray,
    remove_diagonal: bool,
    gamma: float,
    margin: float,
) -> _CirclePairs:
    """Distances, masks, logits and log-sum-exps of the Circle loss (see :class:`_CirclePairs`)."""
    similarity = embeddings @ refs.T
    distance = np.subtract(1.0, similarity)
    np.maximum(distance, 0.0, out=distance)
    positive = labels[:, np.newaxis] == ref_labels[np.newaxis, :]
    negative = ~positive
    if remove_diagonal:
        np.fill_diagonal(positive, False)  # eye(N, M), also when M != N
    positive_weight = np.maximum(distance + margin, 0.0)
    negative_weight = np.maximum((1.0 + margin) - distance, 0.0)
    positive_logits = np.where(positive, -gamma * positive_weight * (margin - distance), -np.inf)
    negative_logits = np.where(
        negative, gamma * negative_weight * ((1.0 - margin) - distance), -np.inf
    )
    positive_lse = _masked_logsumexp(positive_logits)
    negative_lse = _masked_logsumexp(negative_logits)
    return _CirclePairs(
        similarity=similarity,
        distance=distance,
        positive=positive,
        negative=negative,
        positive_weight=positive_weight,
        negative_weight=negative_weight,
        positive_logits=positive_logits,
        negative_logits=negative_logits,
        positive_lse=positive_lse,
        negative_lse=negative_lse,
        total=positive_lse + negative_lse,
    )


def _masked_logsumexp(logits: FloatArray) -> FloatArray:
    r"""Row log-sum-exp of logits that are :math:`-\infty` outside a mask; :math:`-\infty` for a
    row that is all :math:`-\infty`.

    Shifting by the row maximum :math:`m` keeps every exponent at most 0; a row without a finite
    entry is shifted by 0 instead, and its sum of zeros gives :math:`-\infty` (without a divide
    warning).
    """
    top = logits.max(axis=1)
    empty = ~np.isfinite(top)
    top[empty] = 0.0
    sums = np.exp(logits - _last_axis(top)).sum(axis=1)
    out = np.full_like(top, -np.inf)
    np.log(sums, out=out, where=~empty)
    out += top
    return out
