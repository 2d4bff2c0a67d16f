r"""Losses over K classes: cross-entropies, their focal and generalised forms, the categorical
hinge and the KL divergence.

Each reduces the last axis (the classes) and returns one value per sample, of shape
``y_pred.shape[:-1]``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from lossbook import validation
from lossbook.losses._numerics import (
    _last_axis,
    _log_softmax,
    _max_last,
    _smooth_categorical,
    _softmax_complements,
    _sum_last,
)
from lossbook.losses._threads import by_rows
from lossbook.validation import EPSILON, FloatArray


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
        loss = by_rows(
            _categorical_crossentropy_rows,
            y_true,
            y_pred,
            samples=y_pred.shape[:-1],
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            where=where,
        )
    return validation.check_finite_result(where, loss)


def _categorical_crossentropy_rows(
    y_true: FloatArray, y_pred: FloatArray, *, from_logits: bool, label_smoothing: float, where: str
) -> FloatArray:
    """The losses of :func:`categorical_crossentropy` for a block of samples (see
    :func:`~lossbook.losses._threads.by_rows`)."""
    y_true = _smooth_categorical(y_true, label_smoothing)
    if from_logits:
        log_probs = _log_softmax(y_pred)
    else:
        log_probs, _ = _renormalised(where, y_pred)
        np.clip(log_probs, EPSILON, 1.0 - EPSILON, out=log_probs)
        np.log(log_probs, out=log_probs)
    log_probs *= y_true
    loss = -_sum_last(log_probs)
    return loss


def categorical_focal_crossentropy(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    alpha: float | ArrayLike = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
) -> FloatArray:
    r"""Categorical focal cross-entropy of each sample over its K classes.

    .. math:: \ell = -\sum_{k=1}^{K} \alpha_k (1 - o_k)^\gamma \, t_k \log o_k

    From probabilities, :math:`o` is Keras's :math:`\mathrm{clip}(p / \sum_j p_j, \epsilon,
    1 - \epsilon)`, in the focal factor too. From logits, :math:`o = \mathrm{softmax}(z)`
    exactly, with :math:`\log o` and :math:`1 - o` each to full relative precision (see
    :func:`lossbook.losses._numerics._softmax_complements`). Keras takes the softmax and then
    clips it as probabilities, so from logits the two agree while every probability lies in
    :math:`[\epsilon, 1 - \epsilon]` (logit gaps up to about 16) and Keras's loss saturates
    beyond (at most :math:`-\log\epsilon = 16.1` per class); see ``tests/test_extremes.py``.
    Label smoothing replaces :math:`t` with :math:`t (1 - s) + s / K`.

    Args:
      y_true: target distributions (one-hot or soft), values in [0, 1], shape ``(..., K)``.
      y_pred: probabilities in [0, 1] with a positive sum in every row, or logits if
        ``from_logits``; same shape as ``y_true``.
      alpha: the class weight :math:`\alpha \ge 0`, one number or one per class (length K).
      gamma: focusing parameter :math:`\gamma \ge 0`; 0 gives :math:`\alpha` times the
        categorical cross-entropy.
      from_logits: whether ``y_pred`` holds logits.
      label_smoothing: :math:`s \in [0, 1]`.

    Returns:
      Losses of shape ``y_pred.shape[:-1]``.

    References:
      ``keras.losses.categorical_focal_crossentropy``; T.-Y. Lin, P. Goyal, R. Girshick, K. He
      and P. Dollár, "Focal Loss for Dense Object Detection", ICCV 2017.
    """
    where = "losses.categorical_focal_crossentropy"
    gamma = validation.real_option(where, "gamma", gamma, low=0.0)
    from_logits = validation.bool_option(where, "from_logits", from_logits)
    label_smoothing = validation.real_option(
        where, "label_smoothing", label_smoothing, low=0.0, high=1.0
    )
    y_true, y_pred = validation.probability_inputs(where, y_true, y_pred, from_logits=from_logits)
    alpha = validation.class_weights_option(where, "alpha", alpha, y_pred.shape[-1])
    with validation.overflow_is_error(where):
        loss = by_rows(
            _categorical_focal_crossentropy_rows,
            y_true,
            y_pred,
            samples=y_pred.shape[:-1],
            alpha=alpha,
            gamma=gamma,
            from_logits=from_logits,
            label_smoothing=label_smoothing,
            where=where,
        )
    return validation.check_finite_result(where, loss)


def _categorical_focal_crossentropy_rows(
    y_true: FloatArray,
    y_pred: FloatArray,
    *,
    alpha: float | FloatArray,
    gamma: float,
    from_logits: bool,
    label_smoothing: float,
    where: str,
) -> FloatArray:
    """The losses of :func:`categorical_focal_crossentropy` for a block of samples (see
    :func:`~lossbook.losses._threads.by_rows`)."""
    y_true = _smooth_categorical(y_true, label_smoothing)
    log_probs, complements = _focal_pieces(where, y_pred, from_logits)
    log_probs *= y_true
    log_probs *= np.power(complements, gamma, out=complements)
    log_probs *= np.asarray(alpha, dtype=y_pred.dtype)
    loss = -_sum_last(log_probs)
    return loss


def _focal_pieces(
    where: str, y_pred: FloatArray, from_logits: bool
) -> tuple[FloatArray, FloatArray]:
    r""":math:`\log o` and :math:`1 - o` of categorical focal cross-entropy, as new arrays.

    From logits exactly; from probabilities as Keras, renormalised and then clipped.
    """
    if from_logits:
        return _softmax_complements(y_pred)
    clipped, _ = _renormalised(where, y_pred)
    np.clip(clipped, EPSILON, 1.0 - EPSILON, out=clipped)
    return np.log(clipped), np.subtract(1.0, clipped)


def _renormalised(where: str, y_pred: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Each row of probabilities divided by its sum, as Keras does, and the sums (with the
    reduced axis restored); a row that sums to 0 is an error."""
    sums = _sum_last(y_pred)
    validation.check_row_sums(where, sums)
    sums = _last_axis(sums)
    return y_pred / sums, sums


def categorical_generalized_cross_entropy(
    y_true: ArrayLike, y_pred: ArrayLike, *, q: float
) -> FloatArray:
    r"""Generalised cross-entropy of each sample, with integer class labels.

    For class :math:`c` with probability :math:`p_c`,

    .. math:: \ell = \frac{1 - p_c^{\,q}}{q} = -\frac{\mathrm{expm1}(q \log p_c)}{q},

    cross-entropy in the limit :math:`q \to 0` and :math:`1 - p_c` (MAE on the probabilities,
    robust to label noise) at :math:`q = 1`. ``expm1`` keeps the relative precision where
    :math:`p_c^{\,q}` is close to 1 and :math:`1 - p_c^{\,q}` would cancel. As in Keras, the
    probabilities are used as they are (not clipped, not renormalised), and
    :math:`p_c = 0` gives :math:`1/q`.

    Args:
      y_true: class indices in ``[0, K)``, shape ``y_pred.shape[:-1]`` (a trailing axis of
        length 1 is allowed).
      y_pred: probabilities in [0, 1], shape ``(..., K)``.
      q: :math:`q \in (0, 1)`, required as in ``keras.losses``' function (its class defaults
        to 0.5).

    Returns:
      Losses in :math:`[0, 1/q]` of shape ``y_pred.shape[:-1]``.

    References:
      ``keras.losses.categorical_generalized_cross_entropy``; Z. Zhang and M. R. Sabuncu,
      "Generalized Cross Entropy Loss for Training Deep Neural Networks with Noisy Labels",
      NeurIPS 2018.
    """
    where = "losses.categorical_generalized_cross_entropy"
    q = validation.real_option(where, "q", q, low=0.0, high=1.0, low_open=True, high_open=True)
    labels, y_pred, _ = validation.masked_sparse_inputs(
        where, y_true, y_pred, from_logits=False, ignore_class=None, hint=validation.SOFTMAX_HINT
    )
    with validation.overflow_is_error(where):
        loss = by_rows(
            _categorical_generalized_cross_entropy_rows,
            labels,
            y_pred,
            samples=y_pred.shape[:-1],
            q=q,
        )
    return validation.check_finite_result(where, loss)


def _categorical_generalized_cross_entropy_rows(
    labels: np.ndarray, y_pred: FloatArray, *, q: float
) -> FloatArray:
    """The losses of :func:`categorical_generalized_cross_entropy` for a block of samples (see
    :func:`~lossbook.losses._threads.by_rows`)."""
    loss = np.take_along_axis(y_pred, labels[..., np.newaxis], axis=-1)[..., 0]  # p_c
    loss = _log_or_minus_inf(loss)
    loss *= q
    np.expm1(loss, out=loss)
    loss *= -1.0 / q
    return loss


def _log_or_minus_inf(p: FloatArray) -> FloatArray:
    """``log(p)`` for ``p >= 0`` in a new array, ``-inf`` at 0 without a divide warning."""
    out = np.full_like(p, -np.inf)
    np.log(p, out=out, where=p > 0)
    return out


def categorical_hinge(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Categorical (multi-class, Crammer-Singer) hinge loss of each sample.

    .. math::
        \ell = \max\big(\max_k (1 - t_k)\,\hat y_k - \sum_k t_k \hat y_k + 1,\; 0\big)

    For a one-hot target of class :math:`c`: one minus the margin by which the true score
    beats the best wrong one (counting a 0 for the true class), floored at 0.

    Args:
      y_true: one-hot (or soft) targets with values in [0, 1], shape ``(..., K)``. Keras also
        mentions {-1, 1} targets but uses them as they are, which is not a hinge over classes;
        lossbook refuses them.
      y_pred: scores, the same shape as ``y_true``.

    Returns:
      Losses of shape ``y_pred.shape[:-1]``.

    References:
      ``keras.losses.categorical_hinge``; K. Crammer and Y. Singer, "On the Algorithmic
      Implementation of Multiclass Kernel-based Vector Machines", JMLR 2, 2001.
    """
    where = "losses.categorical_hinge"
    y_true, y_pred = validation.probability_inputs(where, y_true, y_pred, from_logits=True)
    with validation.overflow_is_error(where):
        loss = by_rows(_categorical_hinge_rows, y_true, y_pred, samples=y_pred.shape[:-1])
    return validation.check_finite_result(where, loss)


def _categorical_hinge_rows(y_true: FloatArray, y_pred: FloatArray) -> FloatArray:
    """The losses of :func:`categorical_hinge` for a block of samples (see :func:`by_rows`)."""
    loss = _categorical_hinge_margin(y_true, y_pred)
    np.maximum(loss, 0.0, out=loss)
    return loss


def _categorical_hinge_margin(y_true: FloatArray, y_pred: FloatArray) -> FloatArray:
    r""":math:`\max_k (1 - t_k)\hat y_k - \sum_k t_k \hat y_k + 1` for each sample."""
    wrong = np.subtract(1.0, y_true)
    wrong *= y_pred
    margin = _max_last(wrong)
    margin -= _sum_last(np.multiply(y_true, y_pred, out=wrong))
    margin += 1.0
    return margin


def sparse_categorical_crossentropy(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    from_logits: bool = False,
    ignore_class: int | None = None,
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
      ignore_class: a label (often -1 or 255, "void") whose samples get a loss of 0, as in
        Keras; ``None`` to use every sample. The mean over a batch then still divides by all
        samples; Keras's loss classes divide by the valid ones (chapter 11).

    Returns:
      Losses of shape ``y_pred.shape[:-1]``.

    References:
      ``keras.losses.sparse_categorical_crossentropy``;
      ``tf.nn.sparse_softmax_cross_entropy_with_logits``.
    """
    where = "losses.sparse_categorical_crossentropy"
    from_logits = validation.bool_option(where, "from_logits", from_logits)
    if ignore_class is not None:
        ignore_class = validation.int_option(where, "ignore_class", ignore_class)
    labels, y_pred, ignored = validation.masked_sparse_inputs(
        where, y_true, y_pred, from_logits=from_logits, ignore_class=ignore_class
    )
    with validation.overflow_is_error(where):
        loss = by_rows(
            _sparse_categorical_crossentropy_rows,
            labels,
            y_pred,
            samples=y_pred.shape[:-1],
            from_logits=from_logits,
        )
    if ignored is not None:
        loss[ignored] = 0.0
    return validation.check_finite_result(where, loss)


def _sparse_categorical_crossentropy_rows(
    labels: np.ndarray, y_pred: FloatArray, *, from_logits: bool
) -> FloatArray:
    """The losses of :func:`sparse_categorical_crossentropy` for a block of samples (see
    :func:`~lossbook.losses._threads.by_rows`)."""
    index = labels[..., np.newaxis]
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
    return loss


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
        loss = by_rows(_kl_divergence_rows, y_true, y_pred, samples=y_pred.shape[:-1])
    return validation.check_finite_result(where, loss)


def _kl_divergence_rows(y_true: FloatArray, y_pred: FloatArray) -> FloatArray:
    """The losses of :func:`kl_divergence` for a block of samples (see :func:`by_rows`)."""
    true = np.clip(y_true, EPSILON, 1.0)
    ratio = np.clip(y_pred, EPSILON, 1.0)
    np.divide(true, ratio, out=ratio)
    np.log(ratio, out=ratio)
    ratio *= true
    loss = _sum_last(ratio)
    return loss

