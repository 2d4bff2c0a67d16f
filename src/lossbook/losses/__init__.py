r"""NumPy reference implementations of Keras's functional losses, and of six that Keras lacks.

Every function of ``keras.losses`` (22 in Keras 3.15) is here with its Keras name, options and
per-sample semantics; so are ``pinball``, ``bpr``, ``info_nce``, ``triplet_margin``,
``distillation`` and ``dpo``. :data:`LOSSES` maps each name to its function. The functions live
in submodules named for the kind of loss (:mod:`~lossbook.losses.regression`,
:mod:`~lossbook.losses.binary`, :mod:`~lossbook.losses.categorical`,
:mod:`~lossbook.losses.overlap`, :mod:`~lossbook.losses.ranking`,
:mod:`~lossbook.losses.sequence`) and are all importable from here.

Each function returns one loss per sample. Most take ``y_true`` and ``y_pred`` of shape
``(..., K)`` and reduce the last axis (by a mean for element-wise losses, by a sum for the
distribution losses, exactly as Keras does), giving ``y_pred.shape[:-1]``; a 1-D input is a
single sample and gives a 0-d array. The exceptions say so in their docstrings: ``dice`` and
``tversky`` reduce ``axis`` (all axes by default, as in Keras), ``ctc``, ``circle`` and
``info_nce`` take batches of sequences or embeddings, and ``dpo`` reduces nothing. Options are
keyword-only.

The values agree with ``keras.losses.<name>`` on the TensorFlow backend, including Keras's
clipping of probabilities to :math:`[\epsilon, 1 - \epsilon]` with :math:`\epsilon = 10^{-7}`
(:data:`lossbook.validation.EPSILON`). Where Keras is not exact (focal losses from logits, CTC in
float32, MSLE of tiny values), lossbook is, and the tests document where the two agree. Unlike
Keras, every function checks its inputs (see :mod:`lossbook.validation`): shapes must match
exactly (nothing broadcasts), NaN and infinity are refused, probabilities must lie in [0, 1],
and so on.

Float16 inputs are computed and returned in float32; float32 stays float32, float64 stays
float64, and integer predictions are computed in float64.

The from-logits paths are numerically stable for logits of any finite size (tested up to
:math:`\pm 10^4`). Each stability trick carries a comment with the identity it uses.

Each loss's arithmetic is a kernel over a block of samples; inputs of more than
:data:`~lossbook.losses._threads.PARALLEL_MIN_ELEMENTS` elements are split over a few threads
(NumPy releases the GIL), with results identical to the last bit (:mod:`lossbook.losses._threads`).
"""

from __future__ import annotations

from collections.abc import Callable

from lossbook.losses.binary import (
    binary_crossentropy,
    binary_focal_crossentropy,
    hinge,
    squared_hinge,
)
from lossbook.losses.categorical import (
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    categorical_hinge,
    kl_divergence,
    sparse_categorical_crossentropy,
)
from lossbook.losses.overlap import dice, tversky
from lossbook.losses.ranking import bpr, circle, info_nce, triplet_margin
from lossbook.losses.regression import (
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
from lossbook.losses.sequence import ctc, distillation, dpo
from lossbook.validation import FloatArray

__all__ = [
    "KERAS_NAMES",
    "LOSSES",
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "bpr",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy",
    "categorical_hinge",
    "circle",
    "cosine_similarity",
    "ctc",
    "dice",
    "distillation",
    "dpo",
    "hinge",
    "huber",
    "info_nce",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "pinball",
    "poisson",
    "sparse_categorical_crossentropy",
    "squared_hinge",
    "triplet_margin",
    "tversky",
]

LOSSES: dict[str, Callable[..., FloatArray]] = {
    name: globals()[name] for name in __all__ if name not in ("KERAS_NAMES", "LOSSES")
}
"""Every loss by its name, sorted, e.g. ``LOSSES["huber"] is huber``."""

#: The names in :data:`LOSSES` that are also functions of ``keras.losses``, sorted.
KERAS_NAMES: tuple[str, ...] = tuple(
    name
    for name in LOSSES
    if name not in ("bpr", "distillation", "dpo", "info_nce", "pinball", "triplet_margin")
)
