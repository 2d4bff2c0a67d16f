r"""Binary classification losses: cross-entropy, focal cross-entropy and the hinges.

Each treats every element as its own binary decision, averages over the last axis and returns
one value per sample, of shape ``y_pred.shape[:-1]``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from lossbook import validation
from lossbook.losses._numerics import (
    _bce_from_logits,
    _bce_from_probabilities,
    _class_weight,
    _focal_terms,
    _mean_last,
    _smooth_binary,
)
from lossbook.losses._threads import by_rows
from lossbook.validation import FloatArray


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
        loss = by_rows(
            _binary_crossentropy_rows,
            y_true,
            y_pred,
            samples=y_pred.shape[:-1],
            from_logits=from_logits,
            label_smoothing=label_smoothing,
        )
    return validation.check_finite_result(where, loss)


def _binary_crossentropy_rows(
    y_true: FloatArray, y_pred: FloatArray, *, from_logits: bool, label_smoothing: float
) -> FloatArray:
    """The losses of :func:`binary_crossentropy` for a block of samples (see :func:`by_rows`)."""
    y_true = _smooth_binary(y_true, label_smoothing)
    if from_logits:
        elementwise = _bce_from_logits(y_true, y_pred)
    else:
        elementwise = _bce_from_probabilities(y_true, y_pred)
    loss = _mean_last(elementwise)
    return loss


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
      label_smoothing: :math:`s \in [0, 1]`; the targets become :math:`t (1 - s) + s / 2`
        (in the focal factor and the class weight too, as in Keras).

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
    label_smoothing = validation.real_option(
        where, "label_smoothing", label_smoothing, low=0.0, high=1.0
    )
    y_true, y_pred = validation.probability_inputs(where, y_true, y_pred, from_logits=from_logits)
    with validation.overflow_is_error(where):
        loss = by_rows(
            _binary_focal_crossentropy_rows,
            y_true,
            y_pred,
            samples=y_pred.shape[:-1],
            gamma=gamma,
            from_logits=from_logits,
            apply_class_balancing=apply_class_balancing,
            alpha=alpha,
            label_smoothing=label_smoothing,
        )
    return validation.check_finite_result(where, loss)


def _binary_focal_crossentropy_rows(
    y_true: FloatArray,
    y_pred: FloatArray,
    *,
    gamma: float,
    from_logits: bool,
    apply_class_balancing: bool,
    alpha: float,
    label_smoothing: float,
) -> FloatArray:
    """The losses of :func:`binary_focal_crossentropy` for a block of samples (see
    :func:`~lossbook.losses._threads.by_rows`)."""
    y_true = _smooth_binary(y_true, label_smoothing)
    _, _, u, focal = _focal_terms(y_true, y_pred, from_logits)
    focal *= np.power(u, gamma, out=u)
    if apply_class_balancing:
        focal *= _class_weight(y_true, alpha)
    loss = _mean_last(focal)
    return loss


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
    labels, y_pred, binary = validation.hinge_labels(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        loss = by_rows(
            _hinge_rows, labels, y_pred, samples=y_pred.shape[:-1], binary=binary, where=where
        )
    return validation.check_finite_result(where, loss)


def _hinge_rows(
    labels: np.ndarray, y_pred: FloatArray, *, binary: bool, where: str
) -> FloatArray:
    """The losses of :func:`hinge` for a block of samples (see :func:`by_rows`); the labels
    are checked here, so that the check runs in the block's thread too."""
    signs = validation.hinge_signs(where, labels, binary, y_pred.dtype)
    margin = np.multiply(signs, y_pred)
    np.subtract(1.0, margin, out=margin)
    loss = _mean_last(np.maximum(margin, 0.0, out=margin))
    return loss


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
    labels, y_pred, binary = validation.hinge_labels(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        loss = by_rows(
            _squared_hinge_rows,
            labels,
            y_pred,
            samples=y_pred.shape[:-1],
            binary=binary,
            where=where,
        )
    return validation.check_finite_result(where, loss)


def _squared_hinge_rows(
    labels: np.ndarray, y_pred: FloatArray, *, binary: bool, where: str
) -> FloatArray:
    """The losses of :func:`squared_hinge` for a block of samples (see :func:`by_rows`); the
    labels are checked here, so that the check runs in the block's thread too."""
    signs = validation.hinge_signs(where, labels, binary, y_pred.dtype)
    margin = np.multiply(signs, y_pred)
    np.subtract(1.0, margin, out=margin)
    np.maximum(margin, 0.0, out=margin)
    loss = _mean_last(np.square(margin, out=margin))
    return loss

