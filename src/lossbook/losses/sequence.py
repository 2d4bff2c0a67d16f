r"""Losses of sequence and language models: CTC, knowledge distillation and DPO.

``ctc`` returns one loss per sequence of a batch, ``distillation`` one per sample (it reduces the
last axis, the vocabulary), and ``dpo`` one per preference pair (its inputs are already one
log-probability per response, so it reduces nothing).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from lossbook import validation
from lossbook.losses._numerics import _log_softmax, _softplus, _sum_last
from lossbook.losses._threads import by_rows
from lossbook.validation import FloatArray


def ctc(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Connectionist temporal classification loss of each sequence, as ``keras.losses.ctc``.

    For a label sequence :math:`l` and per-frame class probabilities
    :math:`y_t = \mathrm{softmax}(z_t)` over :math:`T` frames,

    .. math:: \ell = -\log \sum_{\pi \in \mathcal{B}^{-1}(l)} \prod_{t=1}^{T} y_{t, \pi_t},

    where :math:`\mathcal{B}` removes repeated classes and then blanks (class 0), so the sum
    runs over every frame-level path that reads as :math:`l`. It is computed by the forward
    algorithm over the extended sequence :math:`l'` (a blank before, between and after the
    labels), in log space: each step adds logarithms with ``np.logaddexp``
    (:math:`\log(e^a + e^b) = \max(a, b) + \log(1 + e^{-|a - b|})`), which neither overflows nor
    underflows however long the sequence.

    As in Keras, every sequence uses all :math:`T` frames, class 0 is the blank, and the labels
    of a row are its non-zero entries; lossbook requires them to come first, followed only by
    the zero padding. Keras computes in float32 even for float64 input (TensorFlow's kernel has
    no float64), so the two agree to float32 precision for moderate logits (measured: 3e-7
    relative for logits of size 10), and Keras drifts for large ones (2% at logits of 1e4,
    where lossbook still matches a brute-force sum over paths); see
    ``tests/test_extremes.py``.

    Args:
      y_true: label sequences padded with 0, integers in ``[0, K)``, shape ``(B, L)``.
      y_pred: logits (not probabilities), shape ``(B, T, K)``.

    Returns:
      Losses of shape ``(B,)``.

    References:
      ``keras.losses.ctc``; A. Graves, S. Fernández, F. Gomez and J. Schmidhuber,
      "Connectionist Temporal Classification: Labelling Unsegmented Sequence Data with
      Recurrent Neural Networks", ICML 2006.
    """
    where = "losses.ctc"
    labels, lengths, logits = validation.ctc_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        lattice = _ctc_lattice(labels, lengths, logits)
        alpha = lattice.start
        for t in range(1, logits.shape[1]):
            alpha = _ctc_forward_step(alpha, lattice, t)
        loss = -_ctc_end(alpha, lengths)
    return validation.check_finite_result(where, loss)


class _CTCLattice(NamedTuple):
    """The extended label sequences of a batch and their log-probabilities frame by frame."""

    log_probs: FloatArray  #: log-softmax of the logits, (B, T, K)
    extended: np.ndarray  #: l', (B, 2L + 1): blanks at even positions, labels at odd ones
    emissions: FloatArray  #: log y_{t, l'_s}, (B, T, 2L + 1)
    skip: np.ndarray  #: (B, 2L + 1): whether s may be reached from s - 2 (l'_s != blank, l'_{s-2})
    start: FloatArray  #: the forward variables at t = 0


def _ctc_lattice(labels: np.ndarray, lengths: np.ndarray, logits: FloatArray) -> _CTCLattice:
    batch, width = labels.shape
    log_probs = _log_softmax(logits)
    extended = np.zeros((batch, 2 * width + 1), dtype=np.intp)
    extended[:, 1::2] = labels
    index = np.broadcast_to(extended[:, np.newaxis, :], (batch, logits.shape[1], extended.shape[1]))
    emissions = np.take_along_axis(log_probs, index, axis=2)
    skip = np.zeros(extended.shape, dtype=bool)
    skip[:, 2:] = (extended[:, 2:] != 0) & (extended[:, 2:] != extended[:, :-2])
    start = np.full(extended.shape, -np.inf, dtype=logits.dtype)
    start[:, 0] = emissions[:, 0, 0]
    start[:, 1] = np.where(lengths > 0, emissions[:, 0, 1], -np.inf)
    return _CTCLattice(log_probs, extended, emissions, skip, start)


def _ctc_forward_step(alpha: FloatArray, lattice: _CTCLattice, t: int) -> FloatArray:
    r""":math:`\alpha_t(s) = \log y_{t,l'_s} + \log(e^{\alpha_{t-1}(s)} + e^{\alpha_{t-1}(s-1)}
    [+ e^{\alpha_{t-1}(s-2)}])`, the last term where ``skip``."""
    out = alpha.copy()
    np.logaddexp(out[:, 1:], alpha[:, :-1], out=out[:, 1:])
    np.logaddexp(out[:, 2:], alpha[:, :-2], out=out[:, 2:], where=lattice.skip[:, 2:])
    out += lattice.emissions[:, t]
    return out


def _ctc_end(alpha: FloatArray, lengths: np.ndarray) -> FloatArray:
    r"""The log-likelihood: :math:`\alpha_T` at the last blank :math:`2L` or the last label
    :math:`2L - 1` (only the blank for an empty label sequence)."""
    rows = np.arange(alpha.shape[0])
    last_blank = alpha[rows, 2 * lengths]
    last_label = np.where(lengths > 0, alpha[rows, np.maximum(2 * lengths - 1, 0)], -np.inf)
    return np.logaddexp(last_blank, last_label)


def distillation(
    teacher_logits: ArrayLike, student_logits: ArrayLike, *, temperature: float
) -> FloatArray:
    r"""Knowledge-distillation loss at temperature :math:`T`: the teacher's softened distribution
    against the student's, scaled by :math:`T^2`.

    With :math:`p = \mathrm{softmax}(t / T)` and :math:`q = \mathrm{softmax}(s / T)`,

    .. math:: \ell = T^2\, D_{KL}(p \,\|\, q) = T^2 \sum_{k=1}^{K} p_k (\log p_k - \log q_k).

    The :math:`T^2` keeps the gradient's scale independent of :math:`T` (it is
    :math:`T (q - p)` per logit). Both log-probabilities come from a shifted log-softmax, so
    they are exact for any finite logits; a class whose :math:`p_k` underflows to 0 adds 0.
    Unlike ``keras.losses.kl_divergence`` on the two softmaxes, nothing is clipped at
    :math:`10^{-7}`.

    Args:
      teacher_logits: the teacher's logits :math:`t`, shape ``(..., K)``.
      student_logits: the student's logits :math:`s`, the same shape.
      temperature: :math:`T > 0`.

    Returns:
      Losses of shape ``student_logits.shape[:-1]``.

    References:
      G. Hinton, O. Vinyals and J. Dean, "Distilling the Knowledge in a Neural Network",
      arXiv:1503.02531, 2015.
    """
    where = "losses.distillation"
    temperature = validation.real_option(where, "temperature", temperature, low=0.0, low_open=True)
    teacher, student = validation.same_shape_inputs(
        where, teacher_logits=teacher_logits, student_logits=student_logits
    )
    with validation.overflow_is_error(where):
        loss = by_rows(
            _distillation_rows,
            teacher,
            student,
            samples=student.shape[:-1],
            temperature=temperature,
        )
    return validation.check_finite_result(where, loss)


def _distillation_rows(
    teacher: FloatArray, student: FloatArray, *, temperature: float
) -> FloatArray:
    """The losses of :func:`distillation` for a block of samples (see :func:`by_rows`)."""
    log_p = _log_softmax(teacher / temperature)
    log_q = _log_softmax(student / temperature)
    log_q -= log_p
    log_q *= np.exp(log_p)  # p (log q - log p)
    loss = _sum_last(log_q)
    loss *= -(temperature**2)
    return loss


def dpo(
    policy_chosen_logps: ArrayLike,
    policy_rejected_logps: ArrayLike,
    reference_chosen_logps: ArrayLike,
    reference_rejected_logps: ArrayLike,
    *,
    beta: float = 0.1,
) -> FloatArray:
    r"""Direct preference optimisation loss of each preference pair.

    With the log-probabilities :math:`\log\pi(y_w)`, :math:`\log\pi(y_l)` of the chosen and the
    rejected response under the policy and the same under the frozen reference model,

    .. math::
        \ell = -\log\sigma(z), \qquad
        z = \beta\big[(\log\pi(y_w) - \log\pi_{ref}(y_w))
                     - (\log\pi(y_l) - \log\pi_{ref}(y_l))\big],

    the Bradley-Terry negative log-likelihood of the preference with the implicit reward
    :math:`\beta \log(\pi / \pi_{ref})`. Computed as :math:`\mathrm{softplus}(-z) =
    \max(-z, 0) + \log(1 + e^{-|z|})`, which never overflows.

    Args:
      policy_chosen_logps: :math:`\log\pi(y_w)`, one summed log-probability per pair, any
        shape; every value :math:`\le 0`.
      policy_rejected_logps: :math:`\log\pi(y_l)`, the same shape.
      reference_chosen_logps: :math:`\log\pi_{ref}(y_w)`, the same shape.
      reference_rejected_logps: :math:`\log\pi_{ref}(y_l)`, the same shape.
      beta: :math:`\beta > 0`, the strength of the pull towards the reference.

    Returns:
      Losses of the inputs' shape, one per pair (nothing is reduced).

    References:
      R. Rafailov, A. Sharma, E. Mitchell, S. Ermon, C. D. Manning and C. Finn, "Direct
      Preference Optimization: Your Language Model is Secretly a Reward Model", NeurIPS 2023;
      R. A. Bradley and M. E. Terry, "Rank Analysis of Incomplete Block Designs", Biometrika
      39, 1952.
    """
    where = "losses.dpo"
    beta = validation.real_option(where, "beta", beta, low=0.0, low_open=True)
    arrays = _dpo_inputs(
        where,
        policy_chosen_logps,
        policy_rejected_logps,
        reference_chosen_logps,
        reference_rejected_logps,
    )
    with validation.overflow_is_error(where):
        loss = by_rows(_dpo_rows, *arrays, samples=arrays[0].shape, beta=beta)
    return validation.check_finite_result(where, loss)


def _dpo_rows(*arrays: FloatArray, beta: float) -> FloatArray:
    """The losses of :func:`dpo` for a block of pairs (see :func:`by_rows`)."""
    margin = _dpo_margin(*arrays, beta)
    return _softplus(np.negative(margin, out=margin))


def _dpo_inputs(
    where: str,
    policy_chosen_logps: ArrayLike,
    policy_rejected_logps: ArrayLike,
    reference_chosen_logps: ArrayLike,
    reference_rejected_logps: ArrayLike,
) -> list[FloatArray]:
    """The four log-probabilities, checked: one shape, finite and at most 0."""
    arrays = {
        "policy_chosen_logps": policy_chosen_logps,
        "policy_rejected_logps": policy_rejected_logps,
        "reference_chosen_logps": reference_chosen_logps,
        "reference_rejected_logps": reference_rejected_logps,
    }
    checked = validation.same_shape_inputs(where, check_finite=False, **arrays)
    # the range check finds NaN and infinity too, and names them
    validation.check_log_probabilities(where, **dict(zip(arrays, checked)))
    return checked


def _dpo_margin(
    chosen: FloatArray,
    rejected: FloatArray,
    reference_chosen: FloatArray,
    reference_rejected: FloatArray,
    beta: float,
) -> FloatArray:
    r""":math:`z = \beta[(\log\pi_w - \log\pi_{ref,w}) - (\log\pi_l - \log\pi_{ref,l})]`."""
    margin = chosen - reference_chosen
    margin -= rejected
    margin += reference_rejected
    margin *= beta
    return margin
