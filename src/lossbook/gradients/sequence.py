r"""Gradients of the sequence and language-model losses of :mod:`lossbook.losses.sequence`.

``ctc`` gives the gradient with respect to the logits ``y_pred``; ``distillation`` with respect
to the student's logits (the teacher is fixed); ``dpo`` with respect to the policy's two
log-probabilities, as the tuple ``(d/d policy_chosen_logps, d/d policy_rejected_logps)`` (the
reference model is frozen; its gradients are the negatives of these).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from lossbook import validation
from lossbook.losses._numerics import _sigmoid_pair, _softmax
from lossbook.losses.sequence import (
    _ctc_end,
    _ctc_forward_step,
    _ctc_lattice,
    _CTCLattice,
    _dpo_inputs,
    _dpo_margin,
)
from lossbook.validation import FloatArray


def ctc(y_true: ArrayLike, y_pred: ArrayLike) -> FloatArray:
    r"""Gradient of the batch-mean CTC loss with respect to the logits, by forward-backward.

    With the forward variables :math:`\alpha_t(s)` (paths up to frame :math:`t`, ending at
    position :math:`s` of the extended labels and including its emission), the backward ones
    :math:`\beta_t(s)` (the rest of the path after frame :math:`t`) and the likelihood
    :math:`P`, the occupation probability is
    :math:`\gamma_t(s) = e^{\alpha_t(s) + \beta_t(s) - \log P}` and

    .. math:: \frac{\partial \ell}{\partial z_{t,k}} = y_{t,k} - \sum_{s:\, l'_s = k}
              \gamma_t(s),

    divided by the batch size :math:`B`. Everything is in log space, as for the loss.

    Arguments as for :func:`lossbook.losses.ctc`; the result has ``y_pred``'s shape.
    """
    where = "gradients.ctc"
    labels, lengths, logits = validation.ctc_inputs(where, y_true, y_pred)
    with validation.overflow_is_error(where):
        lattice = _ctc_lattice(labels, lengths, logits)
        frames = logits.shape[1]
        alphas = [lattice.start]
        for t in range(1, frames):
            alphas.append(_ctc_forward_step(alphas[-1], lattice, t))
        log_likelihood = _ctc_end(alphas[-1], lengths)
        occupancy = np.stack(alphas, axis=1)  # (B, T, S), alpha + beta - log P below
        beta = _ctc_final_beta(lattice, lengths)
        for t in range(frames - 1, -1, -1):
            occupancy[:, t] += beta
            if t:
                beta = _ctc_backward_step(beta, lattice, t)
        occupancy -= log_likelihood[:, np.newaxis, np.newaxis]
        np.exp(occupancy, out=occupancy)
        classes = np.arange(logits.shape[2])
        onehot = (lattice.extended[:, :, np.newaxis] == classes).astype(logits.dtype)
        grad = np.exp(lattice.log_probs)
        grad -= occupancy @ onehot  # sums the occupancy of the positions of each class
        grad *= 1.0 / logits.shape[0]
    return validation.check_finite_result(where, grad)


def _ctc_final_beta(lattice: _CTCLattice, lengths: np.ndarray) -> FloatArray:
    r""":math:`\beta_{T}(s)`: 0 (a probability of 1) at the last blank and the last label."""
    beta = np.full(lattice.extended.shape, -np.inf, dtype=lattice.start.dtype)
    rows = np.arange(beta.shape[0])
    beta[rows, 2 * lengths] = 0.0
    has_labels = lengths > 0
    beta[rows[has_labels], 2 * lengths[has_labels] - 1] = 0.0
    return beta


def _ctc_backward_step(beta: FloatArray, lattice: _CTCLattice, t: int) -> FloatArray:
    r""":math:`\beta_{t-1}(s) = \log\sum_{s'} e^{\beta_t(s') + \log y_{t, l'_{s'}}}` over
    :math:`s' \in \{s, s + 1, s + 2\}` (the last where :math:`s + 2` may be reached from
    :math:`s`)."""
    ahead = beta + lattice.emissions[:, t]
    out = ahead.copy()
    np.logaddexp(out[:, :-1], ahead[:, 1:], out=out[:, :-1])
    np.logaddexp(out[:, :-2], ahead[:, 2:], out=out[:, :-2], where=lattice.skip[:, 2:])
    return out


def distillation(
    teacher_logits: ArrayLike, student_logits: ArrayLike, *, temperature: float
) -> FloatArray:
    r"""Gradient of the batch-mean distillation loss with respect to the student's logits:
    :math:`\frac{T}{N}\big(\mathrm{softmax}(s/T) - \mathrm{softmax}(t/T)\big)`.

    (:math:`T^2` times the softmax cross-entropy slope :math:`q - p`, times :math:`1/T` for the
    division of the logits.)

    Arguments as for :func:`lossbook.losses.distillation`; the result has ``student_logits``'s
    shape.
    """
    where = "gradients.distillation"
    temperature = validation.real_option(where, "temperature", temperature, low=0.0, low_open=True)
    teacher, student = validation.same_shape_inputs(
        where, teacher_logits=teacher_logits, student_logits=student_logits
    )
    with validation.overflow_is_error(where):
        grad = _softmax(student / temperature)
        grad -= _softmax(teacher / temperature)
        grad *= temperature / (student.size // student.shape[-1])
    return validation.check_finite_result(where, grad)


def dpo(
    policy_chosen_logps: ArrayLike,
    policy_rejected_logps: ArrayLike,
    reference_chosen_logps: ArrayLike,
    reference_rejected_logps: ArrayLike,
    *,
    beta: float = 0.1,
) -> tuple[FloatArray, FloatArray]:
    r"""Gradient of the batch-mean DPO loss with respect to the policy's log-probabilities.

    :math:`\partial\,\mathrm{softplus}(-z) / \partial z = -\sigma(-z)`, so the gradient is
    :math:`-\beta\sigma(-z)/N` for the chosen and :math:`+\beta\sigma(-z)/N` for the rejected
    responses, with :math:`N` the number of pairs.

    Arguments as for :func:`lossbook.losses.dpo`. Returns ``(d/d policy_chosen_logps,
    d/d policy_rejected_logps)``, each of their shape.
    """
    where = "gradients.dpo"
    beta = validation.real_option(where, "beta", beta, low=0.0, low_open=True)
    arrays = _dpo_inputs(
        where,
        policy_chosen_logps,
        policy_rejected_logps,
        reference_chosen_logps,
        reference_rejected_logps,
    )
    with validation.overflow_is_error(where):
        margin = _dpo_margin(*arrays, beta)
        _, wrong = _sigmoid_pair(margin)  # sigma(-z), to full relative precision
        wrong *= beta / margin.size
    validation.check_finite_result(where, wrong)
    return -wrong, wrong
