"""Gradients of the regression losses of :mod:`lossbook.losses.regression`."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from lossbook import validation
from lossbook.gradients._common import _samples
from lossbook.losses._numerics import _dot_last, _last_axis
from lossbook.losses.regression import _log_error
from lossbook.validation import EPSILON, FloatArray


def mean_squared_error(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Gradient of the batch-mean squared error: :math:`\frac{2}{NK} (\hat y - y)`.

    Arguments as for :func:`lossbook.losses.mean_squared_error`; the result has ``y_pred``'s shape.
    """
    where = "gradients.mean_squared_error"
    y_true, y_pred = validation.regression_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        grad = np.subtract(y_pred, y_true)
        grad *= 2.0 / y_pred.size
    return validation.check_finite_result(where, grad)


def mean_absolute_error(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Gradient of the batch-mean absolute error: :math:`\frac{1}{NK}\,\mathrm{sign}(\hat y - y)`.

    It is 0 where :math:`\hat y = y`, as TensorFlow's gradient of ``abs``.

    Arguments as for :func:`lossbook.losses.mean_absolute_error`; the result has ``y_pred``'s shape.
    """
    where = "gradients.mean_absolute_error"
    y_true, y_pred = validation.regression_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        grad = np.subtract(y_pred, y_true)
        np.sign(grad, out=grad)
        grad *= 1.0 / y_pred.size
    return validation.check_finite_result(where, grad)



def mean_absolute_percentage_error(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Gradient of the batch-mean absolute percentage error:
    :math:`\frac{100}{NK}\,\mathrm{sign}(\hat y - y) / \max(|y|, \epsilon)`, 0 where
    :math:`\hat y = y`.

    Arguments as for :func:`lossbook.losses.mean_absolute_percentage_error`; the result has
    ``y_pred``'s shape.
    """
    where = "gradients.mean_absolute_percentage_error"
    y_true, y_pred = validation.regression_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        scale = np.abs(y_true)
        np.maximum(scale, EPSILON, out=scale)
        grad = np.subtract(y_pred, y_true)
        np.sign(grad, out=grad)
        grad /= scale
        grad *= 100.0 / y_pred.size
    return validation.check_finite_result(where, grad)


def mean_squared_logarithmic_error(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Gradient of the batch-mean squared logarithmic error.

    :math:`\frac{2}{NK}\,\frac{\log(1 + \hat y) - \log(1 + \max(y, \epsilon))}{1 + \hat y}`
    where :math:`\hat y \ge \epsilon`, and 0 below, where Keras holds :math:`\hat y` at
    :math:`\epsilon`.

    Arguments as for :func:`lossbook.losses.mean_squared_logarithmic_error`; the result has
    ``y_pred``'s shape.
    """
    where = "gradients.mean_squared_logarithmic_error"
    y_true, y_pred = validation.regression_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        grad = _log_error(y_true, y_pred)
        grad /= np.maximum(y_pred, EPSILON) + 1.0
        grad *= y_pred >= EPSILON
        grad *= 2.0 / y_pred.size
    return validation.check_finite_result(where, grad)


def pinball(y_true: ArrayLike, y_pred: ArrayLike, *, quantile: float) -> FloatArray:
    r"""Gradient of the batch-mean pinball loss: :math:`\frac{1}{NK}(\mathbb{1}[\hat y > y] -
    \tau)`.

    At :math:`\hat y = y` it is :math:`-\tau / (NK)`, the usual subgradient
    :math:`-\psi_\tau(0)` of quantile regression, and what TensorFlow's ``maximum`` gives for
    :math:`\max(\tau u, (\tau - 1) u)`.

    Arguments as for :func:`lossbook.losses.pinball`; the result has ``y_pred``'s shape.
    """
    where = "gradients.pinball"
    quantile = validation.real_option(where, "quantile", quantile, low=0.0, high=1.0)
    y_true, y_pred = validation.regression_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        grad = np.greater(y_pred, y_true).astype(y_pred.dtype)
        grad -= quantile
        grad *= 1.0 / y_pred.size
    return validation.check_finite_result(where, grad)


def huber(y_true: ArrayLike, y_pred: ArrayLike, *, delta: float = 1.0) -> FloatArray:
    r"""Gradient of the batch-mean Huber loss.

    :math:`\frac{1}{NK}\,\mathrm{clip}(\hat y - y, -\delta, \delta)`.

    Arguments as for :func:`lossbook.losses.huber`; the result has ``y_pred``'s shape.
    """
    where = "gradients.huber"
    delta = validation.real_option(where, "delta", delta, low=0.0, low_open=True)
    y_true, y_pred = validation.regression_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        grad = np.subtract(y_pred, y_true)
        np.clip(grad, -delta, delta, out=grad)
        grad *= 1.0 / y_pred.size
    return validation.check_finite_result(where, grad)


def log_cosh(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Gradient of the batch-mean log-cosh loss: :math:`\frac{1}{NK} \tanh(\hat y - y)`.

    Arguments as for :func:`lossbook.losses.log_cosh`; the result has ``y_pred``'s shape.
    """
    where = "gradients.log_cosh"
    y_true, y_pred = validation.regression_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        grad = np.subtract(y_pred, y_true)
        np.tanh(grad, out=grad)
        grad *= 1.0 / y_pred.size
    return validation.check_finite_result(where, grad)


def poisson(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Gradient of the batch-mean Poisson loss.

    :math:`\frac{1}{NK}\big(1 - t / (\lambda + \epsilon)\big)`.

    Arguments as for :func:`lossbook.losses.poisson`; the result has ``y_pred``'s shape.
    """
    where = "gradients.poisson"
    y_true, y_pred = validation.poisson_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        grad = np.add(y_pred, EPSILON)
        np.divide(y_true, grad, out=grad)
        np.subtract(1.0, grad, out=grad)
        grad *= 1.0 / y_pred.size
    return validation.check_finite_result(where, grad)


def cosine_similarity(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Gradient of the batch-mean negative cosine similarity.

    With :math:`a = t / \max(\|t\|, \epsilon)`, :math:`\cos = a \cdot p / \max(\|p\|, \epsilon)`:

    .. math:: \frac{\partial}{\partial p} = \frac{1}{N}\Big(\frac{\cos}{\|p\|^2}\,p
              - \frac{a}{\|p\|}\Big) \text{ if } \|p\| \ge \epsilon, \qquad
              -\frac{1}{N}\frac{a}{\epsilon} \text{ otherwise}

    (below :math:`\epsilon` the norm is a constant, so only the numerator varies).

    Arguments as for :func:`lossbook.losses.cosine_similarity`; the result has ``y_pred``'s shape.
    """
    where = "gradients.cosine_similarity"
    y_true, y_pred = validation.regression_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        true_norm = np.sqrt(validation.check_finite_result(where, _dot_last(y_true, y_true)))
        pred_norm = np.sqrt(validation.check_finite_result(where, _dot_last(y_pred, y_pred)))
        inv_true = 1.0 / np.maximum(true_norm, EPSILON)
        inv_pred = 1.0 / np.maximum(pred_norm, EPSILON)
        cosine = _dot_last(y_true, y_pred) * inv_true * inv_pred
        # d/dp of 1/||p|| is -p/||p||^3, and 0 where the norm is clamped to epsilon
        pred_coef = np.where(pred_norm >= EPSILON, cosine * inv_pred * inv_pred, 0.0)
        grad = y_pred * _last_axis(pred_coef)
        grad -= y_true * _last_axis(inv_true * inv_pred)
        grad *= 1.0 / _samples(y_pred)
    return validation.check_finite_result(where, grad)
