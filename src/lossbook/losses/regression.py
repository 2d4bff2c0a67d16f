r"""Regression losses: errors between real-valued targets and predictions, element by element.

Each loss reduces the last axis by a mean and returns one value per sample, of shape
``y_pred.shape[:-1]`` (``cosine_similarity`` reduces it by a sum of normalised products).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from lossbook import validation
from lossbook.losses._numerics import _LOG_2, _dot_last, _mean_last
from lossbook.losses._threads import by_rows
from lossbook.validation import EPSILON, FloatArray


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
        loss = by_rows(_mean_squared_error_rows, y_true, y_pred, samples=y_pred.shape[:-1])
    return finish(loss)


def _mean_squared_error_rows(y_true: FloatArray, y_pred: FloatArray) -> FloatArray:
    """The losses of :func:`mean_squared_error` for a block of samples (see :func:`by_rows`)."""
    error = np.subtract(y_pred, y_true)
    loss = _mean_last(np.square(error, out=error))
    return loss


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
        loss = by_rows(_mean_absolute_error_rows, y_true, y_pred, samples=y_pred.shape[:-1])
    return finish(loss)


def _mean_absolute_error_rows(y_true: FloatArray, y_pred: FloatArray) -> FloatArray:
    """The losses of :func:`mean_absolute_error` for a block of samples (see :func:`by_rows`)."""
    error = np.subtract(y_pred, y_true)
    loss = _mean_last(np.abs(error, out=error))
    return loss


def mean_absolute_percentage_error(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Mean absolute percentage error of each sample.

    .. math::
        \ell(y, \hat y) = \frac{100}{K} \sum_{k=1}^{K}
            \frac{|y_k - \hat y_k|}{\max(|y_k|, \epsilon)}

    As in Keras, the denominator is at least :math:`\epsilon = 10^{-7}`, so a zero target gives
    a huge but finite loss (:math:`10^9` per unit of error) instead of a division by zero.

    Args:
      y_true: targets, shape ``(..., K)``.
      y_pred: predictions, the same shape as ``y_true``.

    Returns:
      Losses in per cent, of shape ``y_pred.shape[:-1]``.

    References:
      ``keras.losses.mean_absolute_percentage_error``; Hyndman and Koehler, "Another look at
      measures of forecast accuracy", International Journal of Forecasting 22(4), 2006.
    """
    where = "losses.mean_absolute_percentage_error"
    y_true, y_pred = validation.regression_inputs(where, y_true, y_pred, check_finite=False)
    # NaN and infinity propagate to the result here (inf/inf and inf - inf are NaN), so they
    # are looked for there.
    with validation.checked_late(where, y_true=y_true, y_pred=y_pred) as finish:
        loss = by_rows(
            _mean_absolute_percentage_error_rows, y_true, y_pred, samples=y_pred.shape[:-1]
        )
    return finish(loss)


def _mean_absolute_percentage_error_rows(y_true: FloatArray, y_pred: FloatArray) -> FloatArray:
    """The losses of :func:`mean_absolute_percentage_error` for a block of samples (see
    :func:`~lossbook.losses._threads.by_rows`)."""
    loss = _mean_last(_relative_error(y_true, y_pred))
    loss *= 100.0
    return loss


def _relative_error(y_true: FloatArray, y_pred: FloatArray) -> FloatArray:
    """Element-wise ``|y - y_pred| / max(|y|, eps)``, in a new array."""
    scale = np.abs(y_true)
    np.maximum(scale, EPSILON, out=scale)
    error = np.subtract(y_true, y_pred)
    np.abs(error, out=error)
    error /= scale
    return error


def mean_squared_logarithmic_error(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Mean squared logarithmic error of each sample.

    .. math::
        \ell(y, \hat y) = \frac{1}{K} \sum_{k=1}^{K}
            \big[\log(1 + \max(\hat y_k, \epsilon)) - \log(1 + \max(y_k, \epsilon))\big]^2

    As in Keras, values below :math:`\epsilon` (zero and negative ones) count as
    :math:`\epsilon`. The logarithms are taken with ``log1p``, exact for small values; Keras's
    ``log(x + 1)`` rounds :math:`1 + x` first, which costs it a few parts in :math:`10^7` of
    the loss at the smallest values it sees (measured: :math:`3 \cdot 10^{-7}` at
    :math:`x = 10^{-5}`), inside the 1e-6 agreement.

    Args:
      y_true: targets, shape ``(..., K)``; meant to be non-negative.
      y_pred: predictions, the same shape as ``y_true``.

    Returns:
      Losses of shape ``y_pred.shape[:-1]``.

    References:
      ``keras.losses.mean_squared_logarithmic_error``.
    """
    where = "losses.mean_squared_logarithmic_error"
    y_true, y_pred = validation.regression_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        loss = by_rows(
            _mean_squared_logarithmic_error_rows, y_true, y_pred, samples=y_pred.shape[:-1]
        )
    return validation.check_finite_result(where, loss)


def _mean_squared_logarithmic_error_rows(y_true: FloatArray, y_pred: FloatArray) -> FloatArray:
    """The losses of :func:`mean_squared_logarithmic_error` for a block of samples (see
    :func:`~lossbook.losses._threads.by_rows`)."""
    error = _log_error(y_true, y_pred)
    loss = _mean_last(np.square(error, out=error))
    return loss


def _log_error(y_true: FloatArray, y_pred: FloatArray) -> FloatArray:
    """Element-wise ``log1p(max(y_pred, eps)) - log1p(max(y_true, eps))``, in a new array."""
    error = np.maximum(y_pred, EPSILON)
    np.log1p(error, out=error)
    true = np.maximum(y_true, EPSILON)
    error -= np.log1p(true, out=true)
    return error


def pinball(y_true: ArrayLike, y_pred: ArrayLike, *, quantile: float) -> FloatArray:
    r"""Pinball (quantile) loss of each sample, minimised by the ``quantile`` of the targets.

    With the error :math:`u = y - \hat y` and :math:`\tau` the quantile,

    .. math::
        \ell(y, \hat y) = \frac{1}{K} \sum_{k=1}^{K} \rho_\tau(u_k), \qquad
        \rho_\tau(u) = \max(\tau u, (\tau - 1) u)

    computed as :math:`\rho_\tau(u) = \max(e, 0) - \tau e` with :math:`e = -u = \hat y - y`
    (the same function without a branch). :math:`\tau = 1/2` gives half the absolute error.

    Args:
      y_true: targets, shape ``(..., K)``.
      y_pred: predicted quantiles, the same shape as ``y_true``.
      quantile: :math:`\tau \in [0, 1]`.

    Returns:
      Losses of shape ``y_pred.shape[:-1]``; their mean over samples is
      ``sklearn.metrics.mean_pinball_loss(..., alpha=quantile)``.

    References:
      R. Koenker and G. Bassett, "Regression Quantiles", Econometrica 46(1), 1978.
    """
    where = "losses.pinball"
    quantile = validation.real_option(where, "quantile", quantile, low=0.0, high=1.0)
    y_true, y_pred = validation.regression_inputs(where, y_true, y_pred, check_finite=False)
    # NaN and infinity propagate to the result here (max(inf, 0) - tau * inf is NaN or inf),
    # so they are looked for there.
    with validation.checked_late(where, y_true=y_true, y_pred=y_pred) as finish:
        loss = by_rows(_pinball_rows, y_true, y_pred, samples=y_pred.shape[:-1], quantile=quantile)
    return finish(loss)


def _pinball_rows(y_true: FloatArray, y_pred: FloatArray, *, quantile: float) -> FloatArray:
    """The losses of :func:`pinball` for a block of samples (see :func:`by_rows`)."""
    error = np.subtract(y_pred, y_true)
    out = np.maximum(error, 0.0)
    error *= quantile
    out -= error
    loss = _mean_last(out)
    return loss


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
        loss = by_rows(_huber_rows, y_true, y_pred, samples=y_pred.shape[:-1], delta=delta)
    return finish(loss)


def _huber_rows(y_true: FloatArray, y_pred: FloatArray, *, delta: float) -> FloatArray:
    """The losses of :func:`huber` for a block of samples (see :func:`by_rows`)."""
    abs_error = np.subtract(y_pred, y_true)
    np.abs(abs_error, out=abs_error)
    quadratic = np.minimum(abs_error, delta)
    abs_error -= quadratic  # the linear part, |e| - m
    abs_error *= delta
    np.square(quadratic, out=quadratic)
    quadratic *= 0.5
    quadratic += abs_error
    loss = _mean_last(quadratic)
    return loss


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
        loss = by_rows(_log_cosh_rows, y_true, y_pred, samples=y_pred.shape[:-1])
    return finish(loss)


def _log_cosh_rows(y_true: FloatArray, y_pred: FloatArray) -> FloatArray:
    """The losses of :func:`log_cosh` for a block of samples (see :func:`by_rows`)."""
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
    return loss


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
        loss = by_rows(_poisson_rows, y_true, y_pred, samples=y_pred.shape[:-1])
    return validation.check_finite_result(where, loss)


def _poisson_rows(y_true: FloatArray, y_pred: FloatArray) -> FloatArray:
    """The losses of :func:`poisson` for a block of samples (see :func:`by_rows`)."""
    out = np.add(y_pred, EPSILON)
    np.log(out, out=out)
    out *= y_true
    np.subtract(y_pred, out, out=out)
    loss = _mean_last(out)
    return loss


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
        loss = by_rows(
            _cosine_similarity_rows, y_true, y_pred, samples=y_pred.shape[:-1], where=where
        )
    return validation.check_finite_result(where, loss)


def _cosine_similarity_rows(y_true: FloatArray, y_pred: FloatArray, *, where: str) -> FloatArray:
    """The losses of :func:`cosine_similarity` for a block of samples (see :func:`by_rows`)."""
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
    return loss

