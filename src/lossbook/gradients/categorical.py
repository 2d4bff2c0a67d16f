"""Gradients of the losses over K classes of :mod:`lossbook.losses.categorical`."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from lossbook import validation
from lossbook.gradients._common import (
    _inside_clip,
    _max_share,
    _samples,
    _through_renormalisation,
)
from lossbook.losses._numerics import (
    _last_axis,
    _smooth_categorical,
    _softmax,
    _softmax_complements,
    _sum_last,
)
from lossbook.losses.categorical import _categorical_hinge_margin, _renormalised
from lossbook.validation import EPSILON, FloatArray


def categorical_crossentropy(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
) -> FloatArray:
    r"""Gradient of the batch-mean categorical cross-entropy.

    From logits: :math:`\frac{1}{N}\big[(\textstyle\sum_k t_k)\,\mathrm{softmax}(z) - t\big]`.

    From probabilities, with :math:`S = \sum_j p_j`, :math:`o = p / S` and
    :math:`g_k = -t_k / c_k` where :math:`\epsilon \le o_k \le 1 - \epsilon` (0 where clipped):

    .. math:: \frac{\partial}{\partial p_j} = \frac{1}{NS}\Big(g_j - \sum_k g_k o_k\Big),

    the chain rule through the renormalisation,
    :math:`\partial o_k / \partial p_j = (\delta_{kj} - o_k)/S`.

    Arguments as for :func:`lossbook.losses.categorical_crossentropy`; the result has
    ``y_pred``'s shape.
    """
    where = "gradients.categorical_crossentropy"
    from_logits = validation.bool_option(where, "from_logits", from_logits)
    label_smoothing = validation.real_option(
        where, "label_smoothing", label_smoothing, low=0.0, high=1.0
    )
    y_true, y_pred = validation.probability_inputs(where, y_true, y_pred, from_logits=from_logits)
    with validation.overflow_is_error(where):
        y_true = _smooth_categorical(y_true, label_smoothing)
        if from_logits:
            grad = _softmax(y_pred)
            grad *= _last_axis(_sum_last(y_true))
            grad -= y_true
        else:
            normalised, sums = _renormalised(where, y_pred)
            grad = np.clip(normalised, EPSILON, 1.0 - EPSILON)
            np.divide(y_true, grad, out=grad)
            np.negative(grad, out=grad)
            grad *= _inside_clip(normalised, EPSILON, 1.0 - EPSILON)
            grad = _through_renormalisation(grad, normalised, sums)
        grad *= 1.0 / _samples(y_pred)
    return validation.check_finite_result(where, grad)



def categorical_focal_crossentropy(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    alpha: float | ArrayLike = 0.25,
    gamma: float = 2.0,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
) -> FloatArray:
    r"""Gradient of the batch-mean categorical focal cross-entropy.

    The element loss is :math:`f_k = \alpha_k t_k u_k^\gamma \ell_k` with :math:`o` the
    probabilities, :math:`u = 1 - o` and :math:`\ell = -\log o`.

    From logits, :math:`\partial \ell_k / \partial z_j = -(\delta_{kj} - o_j)` and
    :math:`\partial u_k / \partial z_j = -o_k (\delta_{kj} - o_j)`, so

    .. math:: \frac{\partial}{\partial z_j} = \frac{1}{N}\Big(w_j - o_j \sum_k w_k\Big),
              \qquad w_k = -\alpha_k t_k u_k^\gamma \big(\gamma\, o_k \ell_k / u_k + 1\big).

    :math:`\ell_k / u_k = -\log(o_k) / (1 - o_k)` tends to 1 where :math:`u_k \to 0`, and is
    taken as 1 where :math:`u_k` is exactly 0, so this is finite for every finite logit.

    From probabilities (Keras's clipped :math:`c = \mathrm{clip}(p / S, \epsilon, 1 -
    \epsilon)`), the slope in :math:`c`,
    :math:`\alpha_k t_k [\gamma (1 - c_k)^{\gamma - 1} \log c_k - (1 - c_k)^\gamma / c_k]`
    (finite, as :math:`1 - c \ge \epsilon`), is 0 where the clip is active and goes back
    through the renormalisation as for :func:`categorical_crossentropy`.

    Arguments as for :func:`lossbook.losses.categorical_focal_crossentropy`; the result has
    ``y_pred``'s shape.
    """
    where = "gradients.categorical_focal_crossentropy"
    gamma = validation.real_option(where, "gamma", gamma, low=0.0)
    from_logits = validation.bool_option(where, "from_logits", from_logits)
    label_smoothing = validation.real_option(
        where, "label_smoothing", label_smoothing, low=0.0, high=1.0
    )
    y_true, y_pred = validation.probability_inputs(where, y_true, y_pred, from_logits=from_logits)
    alpha = validation.class_weights_option(where, "alpha", alpha, y_pred.shape[-1])
    with validation.overflow_is_error(where):
        weights = _smooth_categorical(y_true, label_smoothing) * np.asarray(alpha, y_pred.dtype)
        if from_logits:
            grad = _focal_logit_slope(y_pred, weights, gamma)
        else:
            normalised, sums = _renormalised(where, y_pred)
            clipped = np.clip(normalised, EPSILON, 1.0 - EPSILON)
            grad = _focal_probability_slope(clipped, weights, gamma)
            grad *= _inside_clip(normalised, EPSILON, 1.0 - EPSILON)
            grad = _through_renormalisation(grad, normalised, sums)
        grad *= 1.0 / _samples(y_pred)
    return validation.check_finite_result(where, grad)


def _focal_logit_slope(logits: FloatArray, weights: FloatArray, gamma: float) -> FloatArray:
    r""":math:`w_j - o_j \sum_k w_k` per sample, with ``weights`` :math:`\alpha_k t_k`."""
    log_probs, complements = _softmax_complements(logits)
    probs = np.exp(log_probs)
    # gamma o l / u, with l / u = -log(o) / (1 - o) -> 1 where u = 0 (o = 1 exactly)
    ratio = np.ones_like(log_probs)
    np.divide(log_probs, complements, out=ratio, where=complements > 0)
    np.negative(ratio, out=ratio, where=complements > 0)
    ratio *= probs
    ratio *= gamma
    ratio += 1.0
    ratio *= np.power(complements, gamma, out=complements)
    ratio *= weights
    np.negative(ratio, out=ratio)  # w
    probs *= _last_axis(_sum_last(ratio))
    ratio -= probs
    return ratio


def _focal_probability_slope(clipped: FloatArray, weights: FloatArray, gamma: float) -> FloatArray:
    r""":math:`\alpha_k t_k [\gamma (1 - c_k)^{\gamma - 1} \log c_k - (1 - c_k)^\gamma / c_k]`."""
    complements = np.subtract(1.0, clipped)
    slope = np.power(complements, gamma) / clipped
    if gamma:
        # (1 - c)**(gamma - 1) is finite: 1 - c >= epsilon
        focal = np.power(complements, gamma - 1.0, out=complements)
        focal *= np.log(clipped)
        focal *= gamma
        focal -= slope
        slope = focal
    else:
        np.negative(slope, out=slope)
    slope *= weights
    return slope


def categorical_generalized_cross_entropy(
    y_true: ArrayLike, y_pred: ArrayLike, *, q: float
) -> FloatArray:
    r"""Gradient of the batch-mean generalised cross-entropy: :math:`-\frac{1}{N} p_c^{\,q-1}` at
    the probability :math:`p_c` of the true class, 0 at the others.

    It is infinite where :math:`p_c = 0` (for every :math:`q < 1`), and a ValueError says so;
    TensorFlow returns an infinity there.

    Arguments as for :func:`lossbook.losses.categorical_generalized_cross_entropy`; the result
    has ``y_pred``'s shape.
    """
    where = "gradients.categorical_generalized_cross_entropy"
    q = validation.real_option(where, "q", q, low=0.0, high=1.0, low_open=True, high_open=True)
    labels, y_pred, _ = validation.masked_sparse_inputs(
        where, y_true, y_pred, from_logits=False, ignore_class=None, hint=validation.SOFTMAX_HINT
    )
    index = labels[..., np.newaxis]
    with validation.overflow_is_error(where):
        picked = np.take_along_axis(y_pred, index, axis=-1)
        if not (picked > 0).all():
            raise ValueError(
                f"{where}: the gradient is infinite where the probability of the true class is "
                f"exactly 0 (p**q has an infinite slope there for q < 1); keep y_pred inside "
                f"(0, 1]"
            )
        slope = np.power(picked, q - 1.0)
        slope *= -1.0 / _samples(y_pred)
        grad = np.zeros_like(y_pred)
        np.put_along_axis(grad, index, slope, axis=-1)
    return validation.check_finite_result(where, grad)


def categorical_hinge(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Gradient of the batch-mean categorical hinge loss.

    Where the margin term :math:`\max_k (1 - t_k)\hat y_k - \sum_k t_k \hat y_k + 1` is
    :math:`\ge 0` (TensorFlow's ``maximum`` passes the gradient at 0):
    :math:`\frac{1}{N}\big((1 - t_j)\,m_j - t_j\big)`, with :math:`m_j` TensorFlow's share of
    the maximum (1 at the largest :math:`(1 - t_j)\hat y_j`, split equally between ties);
    0 elsewhere.

    Arguments as for :func:`lossbook.losses.categorical_hinge`; the result has ``y_pred``'s
    shape.
    """
    where = "gradients.categorical_hinge"
    y_true, y_pred = validation.probability_inputs(where, y_true, y_pred, from_logits=True)
    with validation.overflow_is_error(where):
        wrong = np.subtract(1.0, y_true)
        grad = _max_share(wrong * y_pred)
        grad *= wrong
        grad -= y_true
        grad *= _last_axis(_categorical_hinge_margin(y_true, y_pred) >= 0)
        grad *= 1.0 / _samples(y_pred)
    return validation.check_finite_result(where, grad)


def sparse_categorical_crossentropy(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    from_logits: bool = False,
    ignore_class: int | None = None,
) -> FloatArray:
    r"""Gradient of the batch-mean sparse categorical cross-entropy.

    From logits: :math:`\frac{1}{N}(\mathrm{softmax}(z) - \mathrm{onehot}(c))`. From
    probabilities, with :math:`q = \mathrm{clip}(p, \epsilon, 1 - \epsilon)` and the loss
    :math:`\log\sum_j q_j - \log q_c`:
    :math:`\frac{1}{N}\big(1/\sum_j q_j - \delta_{jc}/q_c\big)` where :math:`p_j` is inside the
    clip range, 0 elsewhere. The rows of samples whose label is ``ignore_class`` are 0.

    Arguments as for :func:`lossbook.losses.sparse_categorical_crossentropy`; the result has
    ``y_pred``'s shape.
    """
    where = "gradients.sparse_categorical_crossentropy"
    from_logits = validation.bool_option(where, "from_logits", from_logits)
    if ignore_class is not None:
        ignore_class = validation.int_option(where, "ignore_class", ignore_class)
    labels, y_pred, ignored = validation.masked_sparse_inputs(
        where, y_true, y_pred, from_logits=from_logits, ignore_class=ignore_class
    )
    index = labels[..., np.newaxis]
    with validation.overflow_is_error(where):
        if from_logits:
            grad = _softmax(y_pred)
            picked = np.take_along_axis(grad, index, axis=-1)
            np.put_along_axis(grad, index, picked - 1.0, axis=-1)
        else:
            clipped = np.clip(y_pred, EPSILON, 1.0 - EPSILON)
            inside = _inside_clip(y_pred, EPSILON, 1.0 - EPSILON)
            grad = inside / _last_axis(_sum_last(clipped))
            picked = np.take_along_axis(grad, index, axis=-1)
            picked -= np.take_along_axis(inside, index, axis=-1) / np.take_along_axis(
                clipped, index, axis=-1
            )
            np.put_along_axis(grad, index, picked, axis=-1)
        if ignored is not None:
            grad[ignored] = 0.0
        grad *= 1.0 / _samples(y_pred)
    return validation.check_finite_result(where, grad)


def kl_divergence(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Gradient of the batch-mean KL divergence: :math:`-\frac{1}{N}\,\bar t / \bar p` where
    :math:`p \ge \epsilon`, 0 where Keras clips :math:`p` up to :math:`\epsilon`.

    Arguments as for :func:`lossbook.losses.kl_divergence`; the result has ``y_pred``'s shape.
    """
    where = "gradients.kl_divergence"
    y_true, y_pred = validation.kl_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        grad = np.clip(y_pred, EPSILON, 1.0)
        np.divide(np.clip(y_true, EPSILON, 1.0), grad, out=grad)
        grad *= y_pred >= EPSILON
        grad *= -1.0 / _samples(y_pred)
    return validation.check_finite_result(where, grad)
