"""Input checks shared by :mod:`lossbook.losses` and :mod:`lossbook.gradients`.

Every public loss (and its gradient) starts by calling one of the ``*_inputs`` functions below.
They turn the arguments into NumPy arrays of one floating dtype and refuse anything that would
otherwise broadcast silently or give a NaN:

* a wrong type (``None``, strings, object or complex arrays, a bool where a number is expected)
  raises :class:`TypeError`;
* a bad value (shapes that differ, NaN or infinity, probabilities outside [0, 1], class indices
  out of range, empty or 0-d arrays, out-of-range options) raises :class:`ValueError`.

Every message starts with the function that refused the input (``losses.huber``,
``gradients.huber``), then names the argument and what was wrong with it.

The checks are cheap: one pass per array for finiteness (``np.isfinite(a).all()``), or a ``min``
and a ``max`` where a range is needed anyway (both propagate NaN, so they check finiteness too).
Arrays that already have the right dtype are not copied.

The computing dtype is ``np.result_type(y_pred.dtype, np.float32)``: float16 is computed and
returned in float32, float32 stays float32, float64 stays float64, and integer or bool
predictions become float64. ``y_true`` is cast to that dtype, as Keras casts it to ``y_pred``'s.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import sys
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "EPSILON",
    "FloatArray",
    "SOFTMAX_HINT",
    "axis_option",
    "bool_option",
    "check_finite_result",
    "check_row_sums",
    "check_log_probabilities",
    "checked_late",
    "circle_inputs",
    "class_weights_option",
    "ctc_inputs",
    "hinge_inputs",
    "hinge_labels",
    "hinge_signs",
    "int_option",
    "kl_inputs",
    "masked_sparse_inputs",
    "overflow_is_error",
    "overlap_inputs",
    "poisson_inputs",
    "probability_inputs",
    "real_option",
    "regression_inputs",
    "same_shape_inputs",
    "sparse_inputs",
    "to_array",
]

#: What to say after probabilities out of range where the loss has no ``from_logits``.
SOFTMAX_HINT = "; if y_pred holds logits, apply a softmax first"

#: Keras's fuzz factor, ``keras.config.epsilon()``: probabilities are clipped to
#: ``[EPSILON, 1 - EPSILON]`` before a logarithm is taken.
EPSILON = 1e-7

FloatArray = NDArray[np.floating[Any]]

_FLOAT_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))
_LOGITS_HINT = "; if y_pred holds logits (unnormalised scores), pass from_logits=True"


# --------------------------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------------------------


def bool_option(where: str, name: str, value: object) -> bool:
    """Return ``value`` if it is a bool; raise TypeError otherwise (``1`` and ``"yes"`` too)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"{where}: {name} must be True or False, got {value!r} ({type(value).__name__})"
        )
    return bool(value)


def real_option(
    where: str,
    name: str,
    value: object,
    *,
    low: float,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a float after checking that it is a real number in its range.

    The range is ``[low, high]``; ``low_open=True`` and ``high_open=True`` leave out either end.
    A bool is refused with TypeError although Python counts it as an int: ``delta=True`` is a
    mistake.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{where}: {name} must be a real number, got {value!r} ({type(value).__name__})"
        )
    number = float(value)
    above_low = number > low if low_open else number >= low
    below_high = number < high if high_open else number <= high
    if not (math.isfinite(number) and above_low and below_high):
        left = "(" if low_open else "["
        right = ")" if math.isinf(high) or high_open else "]"
        raise ValueError(
            f"{where}: {name} must be a finite number in {left}{low:g}, {high:g}{right}, "
            f"got {name}={value!r}"
        )
    return number


# --------------------------------------------------------------------------------------------
# Arrays
# --------------------------------------------------------------------------------------------


def to_array(where: str, name: str, value: ArrayLike, *, min_ndim: int = 1) -> NDArray[Any]:
    """Convert ``value`` with ``np.asarray`` (lists are fine) and check type, rank and size."""
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{where}: {name} must be an array of numbers, got {type(value).__name__}")
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as err:  # ragged nested lists, for example
        raise ValueError(f"{where}: {name} cannot be converted to an array ({err})") from None
    kind = array.dtype.kind
    if kind not in "biuf" or (kind == "f" and array.dtype not in _FLOAT_DTYPES):
        raise TypeError(
            f"{where}: {name} must hold bool, integer or float16/32/64 numbers, "
            f"got dtype {array.dtype}"
        )
    if array.ndim < min_ndim:
        raise ValueError(
            f"{where}: {name} must have at least {min_ndim} dimension (the loss reduces over the "
            f"last axis), got a 0-d value {array!r}; wrap a single sample as [x]"
        )
    if array.size == 0:
        raise ValueError(f"{where}: {name} is empty (shape {array.shape})")
    return array


def _compute_dtype(y_pred: NDArray[Any]) -> np.dtype[Any]:
    """float64 for bool or integer predictions; otherwise at least float32."""
    if y_pred.dtype.kind in "biu":
        return np.dtype(np.float64)
    return np.result_type(y_pred.dtype, np.float32)


def _cast(where: str, name: str, array: NDArray[Any], dtype: np.dtype[Any]) -> FloatArray:
    """``array`` in ``dtype``, copied only if the dtype differs; overflow is a ValueError."""
    if array.dtype == dtype:
        return array
    try:
        with np.errstate(over="raise"):
            return array.astype(dtype)
    except FloatingPointError:
        raise ValueError(
            f"{where}: {name} has values too large for {dtype} (the dtype of the computation, "
            f"set by y_pred); pass y_pred as float64"
        ) from None


def _check_same_shape(where: str, y_true: NDArray[Any], y_pred: NDArray[Any]) -> None:
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{where}: y_true and y_pred must have the same shape (lossbook never broadcasts), "
            f"got y_true.shape={y_true.shape} and y_pred.shape={y_pred.shape}"
        )


def _check_finite(where: str, name: str, array: NDArray[Any]) -> None:
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = array[~np.isfinite(array)]
        raise ValueError(
            f"{where}: {name} contains NaN or infinity ({bad.size} of {array.size} values, "
            f"first {bad.flat[0]})"
        )


def _check_range(
    where: str, name: str, array: NDArray[Any], low: float, high: float, what: str, hint: str = ""
) -> None:
    """Check ``low <= array <= high`` with one ``min`` and one ``max``; NaN fails too."""
    # Compared as Python floats: a float32 minimum compared with the float64 bound would first
    # cast the bound to float32 (and overflow for sys.float_info.max).
    lo, hi = float(array.min()), float(array.max())
    if not (lo >= low and hi <= high):
        _check_finite(where, name, array)  # NaN and infinity get their own message
        raise ValueError(
            f"{where}: {name} must hold {what}, but its values range from {lo} to {hi}{hint}"
        )


def _pair(where: str, y_true: ArrayLike, y_pred: ArrayLike) -> tuple[NDArray[Any], NDArray[Any]]:
    true = to_array(where, "y_true", y_true)
    pred = to_array(where, "y_pred", y_pred)
    _check_same_shape(where, true, pred)
    return true, pred


def regression_inputs(
    where: str, y_true: ArrayLike, y_pred: ArrayLike, *, check_finite: bool = True
) -> tuple[FloatArray, FloatArray]:
    """Two arrays of one shape, cast to the computing dtype, and checked to be finite.

    ``check_finite=False`` leaves the finiteness check to :func:`checked_late`.
    """
    true, pred = _pair(where, y_true, y_pred)
    if check_finite:
        _check_finite(where, "y_true", true)
        _check_finite(where, "y_pred", pred)
    dtype = _compute_dtype(pred)
    return _cast(where, "y_true", true, dtype), _cast(where, "y_pred", pred, dtype)


def probability_inputs(
    where: str, y_true: ArrayLike, y_pred: ArrayLike, *, from_logits: bool
) -> tuple[FloatArray, FloatArray]:
    """Targets in [0, 1]; predictions in [0, 1], or any finite logits when ``from_logits``."""
    true, pred = _pair(where, y_true, y_pred)
    _check_range(where, "y_true", true, 0.0, 1.0, "targets (probabilities) in [0, 1]")
    if from_logits:
        _check_finite(where, "y_pred", pred)
    else:
        _check_range(where, "y_pred", pred, 0.0, 1.0, "probabilities in [0, 1]", _LOGITS_HINT)
    dtype = _compute_dtype(pred)
    return _cast(where, "y_true", true, dtype), _cast(where, "y_pred", pred, dtype)


def check_row_sums(where: str, row_sums: FloatArray) -> None:
    """Refuse rows of probabilities ``y_pred`` that sum to zero.

    Keras divides each row by its sum, so a row of zeros would give 0/0. The losses call this
    with the sums that they compute anyway.
    """
    if not (row_sums > 0).all():
        index = tuple(int(i) for i in np.unravel_index(np.argmin(row_sums), np.shape(row_sums)))
        row = f"row {index}" if index else "the only row"
        raise ValueError(
            f"{where}: every row of y_pred must have a positive sum (each row is divided by its "
            f"sum to make it a distribution), but {row} sums to 0{_LOGITS_HINT}"
        )


def sparse_inputs(
    where: str, y_true: ArrayLike, y_pred: ArrayLike, *, from_logits: bool
) -> tuple[NDArray[np.intp], FloatArray]:
    """Integer class indices of shape ``y_pred.shape[:-1]`` (a trailing 1 allowed) and ``y_pred``.

    Float labels are accepted if they are whole numbers; bools count as 0 and 1.
    """
    labels, pred, _ = masked_sparse_inputs(
        where, y_true, y_pred, from_logits=from_logits, ignore_class=None
    )
    return labels, pred


def masked_sparse_inputs(
    where: str,
    y_true: ArrayLike,
    y_pred: ArrayLike,
    *,
    from_logits: bool,
    ignore_class: int | None,
    hint: str = _LOGITS_HINT,
) -> tuple[NDArray[np.intp], FloatArray, NDArray[np.bool_] | None]:
    """As :func:`sparse_inputs`, with labels equal to ``ignore_class`` set aside.

    Returns ``(labels, y_pred, ignored)``: ``ignored`` is None without an ``ignore_class``, and
    otherwise marks the samples whose label is ``ignore_class`` (which may lie outside
    ``[0, K)``, like -1 or 255); their labels are replaced by 0 and only the others are checked.
    ``hint`` ends the message about probabilities out of range.
    """
    pred = to_array(where, "y_pred", y_pred)
    true = to_array(where, "y_true", y_true, min_ndim=0)
    samples = pred.shape[:-1]
    if true.shape == samples + (1,):
        true = true.reshape(samples)
    elif true.shape != samples:
        raise ValueError(
            f"{where}: y_true must hold one class index per sample, of shape y_pred.shape[:-1]="
            f"{samples} (or {samples + (1,)}), got y_true.shape={true.shape} and "
            f"y_pred.shape={pred.shape}"
        )
    if true.dtype.kind == "f":
        _check_finite(where, "y_true", true)
        fractional = true != np.trunc(true)
        if fractional.any():
            raise ValueError(
                f"{where}: y_true must hold integer class indices, got {true[fractional].flat[0]}"
            )
    ignored = None
    if ignore_class is not None:
        ignored = true == ignore_class
        true = np.where(ignored, 0, true)
    classes = pred.shape[-1]
    _check_range(
        where,
        "y_true",
        true,
        0,
        classes - 1,
        f"class indices in [0, {classes - 1}] ({classes} classes)"
        + ("" if ignore_class is None else f" or the ignored class {ignore_class}"),
    )
    if from_logits:
        _check_finite(where, "y_pred", pred)
    else:
        _check_range(where, "y_pred", pred, 0.0, 1.0, "probabilities in [0, 1]", hint)
    labels = true.astype(np.intp, copy=False)
    return labels, _cast(where, "y_pred", pred, _compute_dtype(pred)), ignored


def kl_inputs(where: str, y_true: ArrayLike, y_pred: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Two arrays of probabilities in [0, 1] of one shape."""
    return _unit_interval_pair(where, y_true, y_pred, "probabilities in [0, 1]", SOFTMAX_HINT)


def _unit_interval_pair(
    where: str, y_true: ArrayLike, y_pred: ArrayLike, true_values: str, pred_hint: str
) -> tuple[FloatArray, FloatArray]:
    """Two arrays of one shape with values in [0, 1], described as ``true_values`` and
    probabilities; ``pred_hint`` ends the message about ``y_pred``."""
    true, pred = _pair(where, y_true, y_pred)
    _check_range(where, "y_true", true, 0.0, 1.0, true_values)
    _check_range(where, "y_pred", pred, 0.0, 1.0, "probabilities in [0, 1]", pred_hint)
    dtype = _compute_dtype(pred)
    return _cast(where, "y_true", true, dtype), _cast(where, "y_pred", pred, dtype)


def poisson_inputs(
    where: str, y_true: ArrayLike, y_pred: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Non-negative finite counts ``y_true`` and rates ``y_pred`` of one shape."""
    true, pred = _pair(where, y_true, y_pred)
    # The upper bound is the largest float64, so that an infinity fails the range check.
    _check_range(where, "y_true", true, 0.0, sys.float_info.max, "non-negative counts")
    _check_range(
        where,
        "y_pred",
        pred,
        0.0,
        sys.float_info.max,
        "non-negative rates",
        "; if y_pred holds log-rates, apply exp first",
    )
    dtype = _compute_dtype(pred)
    return _cast(where, "y_true", true, dtype), _cast(where, "y_pred", pred, dtype)


def hinge_inputs(where: str, y_true: ArrayLike, y_pred: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Labels as signs in {-1, 1} (in the computing dtype) and finite scores ``y_pred``.

    Like Keras, labels that are all 0 or 1 are mapped to -1 and 1. Unlike Keras, any other
    label (a 0.5, or a 0 mixed with -1) is an error instead of being used as it is.
    """
    true, pred, binary = hinge_labels(where, y_true, y_pred)
    return hinge_signs(where, true, binary, pred.dtype), pred


def hinge_labels(
    where: str, y_true: ArrayLike, y_pred: ArrayLike
) -> tuple[NDArray[Any], FloatArray, bool]:
    """The first half of :func:`hinge_inputs`: shapes, finite scores, and which labels these are.

    Returns ``(y_true, y_pred, binary)``: ``binary`` when every label lies in [0, 1] (they
    must then all be 0 or 1), and otherwise the labels must be signs. One ``min`` and one
    ``max`` decide; :func:`hinge_signs` then checks every label, block by block if need be.
    """
    true, pred = _pair(where, y_true, y_pred)
    _check_finite(where, "y_pred", pred)
    dtype = _compute_dtype(pred)
    pred = _cast(where, "y_pred", pred, dtype)
    # NaN fails both tests, and is named by hinge_signs
    lo, hi = float(true.min()), float(true.max())
    binary = lo >= 0 and hi <= 1
    if not (binary or (lo >= -1 and hi <= 1)):
        _refuse_hinge_labels(where, true)
    return true, pred, binary


def hinge_signs(
    where: str, y_true: NDArray[Any], binary: bool, dtype: np.dtype[Any]
) -> FloatArray:
    """Labels checked and turned into signs in {-1, 1} of ``dtype``: 0 and 1 mapped to -1 and 1
    if ``binary``, kept if they are all -1 or 1 otherwise."""
    whole = y_true.dtype.kind in "biu"
    if binary:
        if whole or ((y_true == 0) | (y_true == 1)).all():
            signs = np.multiply(y_true, 2.0, dtype=dtype)  # {0, 1} -> {-1, 1}, in a new array
            signs -= 1.0
            return signs
    elif whole:  # integers in [-1, 1] are signs unless one of them is 0
        if np.count_nonzero(y_true) == y_true.size:
            return _cast(where, "y_true", y_true, dtype)
    else:
        inside = y_true > -1  # signs leave nothing strictly between -1 and 1
        inside &= y_true < 1
        if not inside.any():
            return _cast(where, "y_true", y_true, dtype)
    _refuse_hinge_labels(where, y_true)


def _refuse_hinge_labels(where: str, y_true: NDArray[Any]) -> NoReturn:
    _check_finite(where, "y_true", y_true)
    strange = y_true[(y_true != 0) & (np.abs(y_true) != 1)]
    found = f"the value {strange.flat[0]}" if strange.size else "a mix of 0 and -1"
    raise ValueError(
        f"{where}: y_true must hold labels in {{-1, 1}}, or all in {{0, 1}} (mapped to -1 and "
        f"1), got {found}"
    )


def int_option(where: str, name: str, value: object) -> int:
    """Return ``value`` as an int; a bool, a float or anything else is a TypeError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{where}: {name} must be an integer, got {value!r} ({type(value).__name__})"
        )
    return int(value)


def axis_option(where: str, axis: object, ndim: int) -> tuple[int, ...]:
    """The axes named by ``axis`` (``None``: all of them, an int, or a tuple of ints), as a sorted
    tuple of non-negative indices; repeated or out-of-range axes are a ValueError."""
    if axis is None:
        return tuple(range(ndim))
    items = axis if isinstance(axis, (tuple, list)) else (axis,)
    axes = []
    for item in items:
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, numbers.Integral):
            raise TypeError(
                f"{where}: axis must be None, an integer or a tuple of integers, got {axis!r}"
            )
        if not -ndim <= int(item) < ndim:
            raise ValueError(
                f"{where}: axis {int(item)} is out of range for y_pred with {ndim} dimensions, "
                f"got axis={axis!r}"
            )
        axes.append(int(item) % ndim)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{where}: axis names an axis twice, got axis={axis!r}")
    if not axes:
        raise ValueError(f"{where}: axis must name at least one axis, got axis={axis!r}")
    return tuple(sorted(axes))


def class_weights_option(where: str, name: str, value: object, classes: int) -> Any:
    """A non-negative finite float, or a sequence of ``classes`` of them (as a float64 array)."""
    if isinstance(value, (numbers.Real, np.floating, np.integer)) and not isinstance(
        value, (bool, np.bool_)
    ):
        return real_option(where, name, value, low=0.0)
    if not isinstance(value, (list, tuple, np.ndarray)):
        raise TypeError(
            f"{where}: {name} must be a real number or a sequence of one per class, got "
            f"{value!r} ({type(value).__name__})"
        )
    weights = to_array(where, name, value)  # type: ignore[arg-type]
    if weights.dtype.kind == "b":
        raise TypeError(f"{where}: {name} must hold real numbers, got bools")
    if weights.shape != (classes,):
        raise ValueError(
            f"{where}: {name} must be a number or hold one weight per class, shape ({classes},), "
            f"got {name} of shape {weights.shape}"
        )
    _check_range(where, name, weights, 0.0, sys.float_info.max, "non-negative finite weights")
    return weights.astype(np.float64)


def _common_dtype(arrays: list[NDArray[Any]]) -> np.dtype[Any]:
    """The computing dtype of several arrays: their float dtypes promoted with float32, float64
    if all of them hold integers or bools."""
    floats = [a.dtype for a in arrays if a.dtype.kind == "f"]
    if not floats:
        return np.dtype(np.float64)
    return np.result_type(*floats, np.float32)


def same_shape_inputs(
    where: str, *, ndim: int | None = None, check_finite: bool = True, **arrays: ArrayLike
) -> list[FloatArray]:
    """Finite arrays of one shape (rank ``ndim`` if given), cast to their common computing dtype.

    The keywords name the arguments, in order, for the messages. ``check_finite=False`` leaves
    NaN and infinity to a range check that the caller makes anyway.
    """
    converted = {name: to_array(where, name, value) for name, value in arrays.items()}
    (first, reference), *others = converted.items()
    if ndim is not None and reference.ndim != ndim:
        raise ValueError(
            f"{where}: {first} must have {ndim} dimensions, got {first}.shape={reference.shape}"
        )
    for name, array in others:
        if array.shape != reference.shape:
            raise ValueError(
                f"{where}: {first} and {name} must have the same shape (lossbook never "
                f"broadcasts), got {first}.shape={reference.shape} and {name}.shape={array.shape}"
            )
    if check_finite:
        for name, array in converted.items():
            _check_finite(where, name, array)
    dtype = _common_dtype(list(converted.values()))
    return [_cast(where, name, array, dtype) for name, array in converted.items()]


def check_log_probabilities(where: str, **arrays: FloatArray) -> None:
    """Refuse log-probabilities above 0 (a probability above 1), naming the argument."""
    for name, array in arrays.items():
        _check_range(
            where,
            name,
            array,
            -sys.float_info.max,
            0.0,
            "log-probabilities (values <= 0)",
            "; pass each response's summed token log-probabilities, not logits",
        )


def overlap_inputs(
    where: str, y_true: ArrayLike, y_pred: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Two arrays of one shape with values in [0, 1]: masks, or probabilities of the foreground."""
    return _unit_interval_pair(
        where,
        y_true,
        y_pred,
        "mask values (probabilities) in [0, 1]",
        "; if y_pred holds logits, apply a sigmoid first",
    )


def _integer_labels(where: str, name: str, labels: NDArray[Any]) -> NDArray[np.intp]:
    """Whole-number labels (ints, bools or whole floats) as ``intp``."""
    if labels.dtype.kind == "f":
        _check_finite(where, name, labels)
        fractional = labels != np.trunc(labels)
        if fractional.any():
            raise ValueError(
                f"{where}: {name} must hold integer labels, got {labels[fractional].flat[0]}"
            )
        if np.abs(labels).max() > 2**52:
            raise ValueError(f"{where}: {name} holds labels too large to be exact integers")
    return labels.astype(np.intp, copy=False)


def circle_inputs(
    where: str,
    y_true: ArrayLike,
    y_pred: ArrayLike,
    ref_labels: ArrayLike | None,
    ref_embeddings: ArrayLike | None,
) -> tuple[NDArray[np.intp], FloatArray, NDArray[np.intp], FloatArray]:
    """Integer labels ``(N,)`` (or ``(N, 1)``) with embeddings ``(N, D)``, and the reference
    labels and embeddings ``(M,)`` and ``(M, D)``, which default to the first two."""
    pred = to_array(where, "y_pred", y_pred)
    true = to_array(where, "y_true", y_true)
    if pred.ndim != 2:
        raise ValueError(
            f"{where}: y_pred must hold one embedding per row, shape (N, D), got "
            f"y_pred.shape={pred.shape}"
        )
    refs = pred if ref_embeddings is None else to_array(where, "ref_embeddings", ref_embeddings)
    ref_true = true if ref_labels is None else to_array(where, "ref_labels", ref_labels)
    for name, labels, embeddings in (("y_true", true, pred), ("ref_labels", ref_true, refs)):
        rows = embeddings.shape[0]
        if labels.shape not in ((rows,), (rows, 1)):
            other = "y_pred" if name == "y_true" else "ref_embeddings"
            raise ValueError(
                f"{where}: {name} must hold one integer label per row of {other}, shape "
                f"({rows},) or ({rows}, 1), got {name}.shape={labels.shape} and "
                f"{other}.shape={embeddings.shape}"
            )
    if refs.ndim != 2 or refs.shape[1] != pred.shape[1]:
        raise ValueError(
            f"{where}: ref_embeddings must have the shape (M, D) with the D of y_pred, got "
            f"ref_embeddings.shape={refs.shape} and y_pred.shape={pred.shape}"
        )
    _check_finite(where, "y_pred", pred)
    _check_finite(where, "ref_embeddings", refs)
    dtype = _common_dtype([pred, refs])
    return (
        _integer_labels(where, "y_true", true).reshape(-1),
        _cast(where, "y_pred", pred, dtype),
        _integer_labels(where, "ref_labels", ref_true).reshape(-1),
        _cast(where, "ref_embeddings", refs, dtype),
    )


def ctc_inputs(
    where: str, y_true: ArrayLike, y_pred: ArrayLike
) -> tuple[NDArray[np.intp], NDArray[np.intp], FloatArray]:
    """Padded label sequences ``(B, L)`` and logits ``(B, T, K)`` for CTC with blank 0.

    Returns ``(labels, lengths, logits)``. Each row of labels holds classes in ``[1, K)``
    followed by zeros (the padding; 0 is also the blank): a zero before a label would be read by
    TensorFlow as a label, so it is refused. Each label sequence must fit in the ``T`` frames:
    it needs one frame per label plus one blank between each pair of equal neighbours.
    """
    pred = to_array(where, "y_pred", y_pred)
    true = to_array(where, "y_true", y_true)
    if pred.ndim != 3:
        raise ValueError(
            f"{where}: y_pred must hold logits of shape (batch, frames, classes), got "
            f"y_pred.shape={pred.shape}"
        )
    if true.ndim != 2 or true.shape[0] != pred.shape[0]:
        raise ValueError(
            f"{where}: y_true must hold padded label sequences of shape (batch, max_length) "
            f"with the batch of y_pred, got y_true.shape={true.shape} and y_pred.shape={pred.shape}"
        )
    batch, frames, classes = pred.shape
    if classes < 2:
        raise ValueError(
            f"{where}: y_pred needs at least 2 classes (class 0 is the blank), got "
            f"y_pred.shape={pred.shape}"
        )
    labels = _integer_labels(where, "y_true", true)
    _check_range(
        where,
        "y_true",
        labels,
        0,
        classes - 1,
        f"labels in [1, {classes - 1}] and the padding 0 ({classes} classes, 0 is the blank)",
    )
    present = labels != 0
    lengths = present.sum(axis=1)
    padded_inside = present[:, 1:] & ~present[:, :-1]
    if padded_inside.any():
        row = int(np.nonzero(padded_inside.any(axis=1))[0][0])
        raise ValueError(
            f"{where}: y_true row {row} has a 0 (the blank, used as padding) before a label, "
            f"{labels[row].tolist()}; padding may only follow the labels"
        )
    repeats = (present[:, 1:] & (labels[:, 1:] == labels[:, :-1])).sum(axis=1)
    needed = lengths + repeats
    if (needed > frames).any():
        row = int(np.argmax(needed > frames))
        raise ValueError(
            f"{where}: the labels of row {row} need at least {int(needed[row])} frames (one per "
            f"label and a blank between equal neighbours), but y_pred has {frames}; no alignment "
            f"exists and the loss would be infinite"
        )
    _check_finite(where, "y_pred", pred)
    return labels, lengths, _cast(where, "y_pred", pred, _compute_dtype(pred))


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def overflow_is_error(where: str) -> Iterator[None]:
    """Turn a floating-point overflow inside the block into a ValueError naming ``where``.

    Inputs are finite when the computation starts, and the formulas never overflow on their own
    (every exponential is of a non-positive number), so an overflow means that the true result
    or an intermediate product does not fit in the dtype: squaring 1e20 in float32, or a
    gradient with respect to probabilities of 1e-310 that are divided by their sum.
    """
    try:
        with np.errstate(over="raise"):
            yield
    except FloatingPointError as err:
        raise ValueError(_overflow_message(where, err)) from None


@contextlib.contextmanager
def checked_late(where: str, **inputs: FloatArray) -> Iterator[Callable[[FloatArray], FloatArray]]:
    """Check ``inputs`` for NaN and infinity after the computation instead of before it.

    For the element-wise regression losses every NaN or infinity in an input reaches the
    per-sample result (``inf - x``, ``|inf|``, ``inf**2`` and ``log(1 + e^{-inf})`` all keep it),
    so a finite result proves finite inputs. Checking the small result instead of the inputs
    saves two full passes over the data; the inputs are scanned only when something is wrong,
    so that the error still names the argument at fault. Use it as::

        with validation.checked_late(where, y_true=y_true, y_pred=y_pred) as finish:
            loss = ...
        return finish(loss)
    """

    def finish(result: FloatArray) -> FloatArray:
        result = np.asarray(result)
        if not np.isfinite(result).all():
            for name, array in inputs.items():
                _check_finite(where, name, array)
        return check_finite_result(where, result)

    try:
        # inf - inf is NaN by design here, and caught by ``finish``: no warning for it.
        with np.errstate(over="raise", invalid="ignore"):
            yield finish
    except FloatingPointError as err:
        for name, array in inputs.items():
            _check_finite(where, name, array)
        raise ValueError(_overflow_message(where, err)) from None


def _overflow_message(where: str, err: FloatingPointError) -> str:
    return (
        f"{where}: the computation overflowed ({err}): the result, or a value on the way to "
        f"it, does not fit in the dtype; rescale the inputs or use float64"
    )


def check_finite_result(where: str, result: FloatArray) -> FloatArray:
    """Return ``result`` as an array, or raise ValueError if it holds an infinity.

    ``np.einsum`` does not report overflow through ``np.errstate``, so the (small) reduced
    result is checked once more.
    """
    result = np.asarray(result)
    if not np.isfinite(result).all():
        raise ValueError(
            f"{where}: the result overflowed {result.dtype}: it does not fit in the dtype; "
            f"rescale the inputs or use float64"
        )
    return result
