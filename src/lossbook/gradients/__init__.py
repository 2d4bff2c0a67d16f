r"""Analytic gradients of the losses in :mod:`lossbook.losses`, in submodules of the same names.

Each function has the name and the arguments of its loss and returns

.. math:: \frac{\partial}{\partial \hat y} \; \frac{1}{N} \sum_{n=1}^{N} \ell(y_n, \hat y_n),

the gradient of the **batch mean** of the per-sample losses with respect to ``y_pred`` (with
respect to the logits when ``from_logits=True``), with ``y_pred``'s shape. :math:`N` is the
number of samples, ``y_pred.size // y_pred.shape[-1]`` (1 for a 1-D input). This is what
``tf.GradientTape`` gives for ``tf.reduce_mean(keras.losses.<name>(y_true, y_pred))``.

The formulas are derived by hand, not by automatic differentiation. Where the loss is not
differentiable, the gradient follows TensorFlow's conventions, so that it matches
``tf.GradientTape``:

* ``clip_by_value(x, lo, hi)`` passes the gradient for ``lo <= x <= hi`` and gives 0 outside, so
  where Keras clips a probability to :math:`[\epsilon, 1 - \epsilon]` the gradient is 0;
* ``abs`` has gradient ``sign(x)``, 0 at 0 (mean absolute error);
* ``maximum(x, 0)`` passes the gradient where ``x >= 0`` (hinge losses at a margin of exactly 1);
* Huber's ``where(|e| <= delta, ...)`` takes the quadratic branch at ``|e| == delta``
  (both branches have the same slope there).

One case departs from TensorFlow on purpose: TensorFlow's gradient of categorical
cross-entropy from logits is :math:`\mathrm{softmax}(z) - t`, which is correct only when each
row of :math:`t` sums to 1. Here it is :math:`(\sum_k t_k)\,\mathrm{softmax}(z) - t`, the true
gradient for any targets (checked against finite differences).

Losses with several inputs (:mod:`~lossbook.gradients.ranking`,
:mod:`~lossbook.gradients.sequence`) take the gradient with respect to what a model produces
and say so: a tuple with one array per such argument, in the order of the arguments, for
``bpr``, ``info_nce``, ``triplet_margin`` and ``dpo``; one array for ``circle`` (``y_pred``),
``ctc`` (the logits) and ``distillation`` (the student's logits). For ``dice`` and ``tversky``,
:math:`N` is the number of losses that ``axis`` leaves, and for ``dpo`` the number of pairs.

Where a loss is not differentiable and TensorFlow's gradient is NaN (the norm at 0 in
``triplet_margin``), lossbook gives a finite subgradient and the docstring says which.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lossbook.gradients.binary import (
    binary_crossentropy,
    binary_focal_crossentropy,
    hinge,
    squared_hinge,
)
from lossbook.gradients.categorical import (
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    categorical_hinge,
    kl_divergence,
    sparse_categorical_crossentropy,
)
from lossbook.gradients.overlap import dice, tversky
from lossbook.gradients.ranking import bpr, circle, info_nce, triplet_margin
from lossbook.gradients.regression import (
    cosine_similarity,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    pinball,
    poisson,
)
from lossbook.gradients.sequence import ctc, distillation, dpo
from lossbook.losses import LOSSES as _LOSSES

__all__ = ["GRADIENTS", *_LOSSES]

GRADIENTS: dict[str, Callable[..., Any]] = {name: globals()[name] for name in _LOSSES}
"""Every gradient by the name of its loss, e.g. ``GRADIENTS["huber"] is huber``."""
