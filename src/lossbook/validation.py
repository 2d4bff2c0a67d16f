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
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "EPSILON",
    "FloatArray",
    "bool_option",
    "check_finite_result",
    "checked_late",
    "check_row_sums",
    "hinge_inputs",
    "kl_inputs",
    "overflow_is_error",
    "poisson_inputs",
    "probability_inputs",
    "real_option",
    "regression_inputs",
    "sparse_inputs",
    "to_array",
]

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
) -> float:
    """Return ``value`` as a float after checking that it is a real number in its range.

    The range is ``[low, high]``, or ``(low, high]`` with ``low_open=True``. A bool is refused
    with TypeError although Python counts it as an int: ``delta=True`` is a mistake.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{where}: {name} must be a real number, got {value!r} ({type(value).__name__})"
        )
    number = float(value)
    above_low = number > low if low_open else number >= low
    if not (math.isfinite(number) and above_low and number <= high):
        left = "(" if low_open else "["
        right = ")" if math.isinf(high) else "]"
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
    classes = pred.shape[-1]
    _check_range(
        where,
        "y_true",
        true,
        0,
        classes - 1,
        f"class indices in [0, {classes - 1}] ({classes} classes)",
    )
    if from_logits:
        _check_finite(where, "y_pred", pred)
    else:
        _check_range(where, "y_pred", pred, 0.0, 1.0, "probabilities in [0, 1]", _LOGITS_HINT)
    return true.astype(np.intp, copy=False), _cast(where, "y_pred", pred, _compute_dtype(pred))


def kl_inputs(where: str, y_true: ArrayLike, y_pred: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Two arrays of probabilities in [0, 1] of one shape."""
    true, pred = _pair(where, y_true, y_pred)
    _check_range(where, "y_true", true, 0.0, 1.0, "probabilities in [0, 1]")
    _check_range(
        where,
        "y_pred",
        pred,
        0.0,
        1.0,
        "probabilities in [0, 1]",
        "; if y_pred holds logits, apply a softmax first",
    )
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
    true, pred = _pair(where, y_true, y_pred)
    _check_finite(where, "y_pred", pred)
    dtype = _compute_dtype(pred)
    pred = _cast(where, "y_pred", pred, dtype)
    # min and max first (cheap, and NaN fails both tests below); integer labels in [0, 1] or
    # [-1, 1] need no further look, float labels one comparison pass.
    lo, hi = float(true.min()), float(true.max())
    whole = true.dtype.kind in "biu"
    if lo >= 0 and hi <= 1 and (whole or ((true == 0) | (true == 1)).all()):
        signs = np.multiply(true, 2.0, dtype=dtype)  # {0, 1} -> {-1, 1}, in a new array
        signs -= 1.0
        return signs, pred
    if lo >= -1 and hi <= 1:
        if whole:  # integers in [-1, 1] are signs unless one of them is 0
            signs_only = np.count_nonzero(true) == true.size
        else:
            signs_only = bool((np.abs(true) == 1).all())
        if signs_only:
            return _cast(where, "y_true", true, dtype), pred
    _check_finite(where, "y_true", true)
    strange = true[(true != 0) & (np.abs(true) != 1)]
    found = f"the value {strange.flat[0]}" if strange.size else "a mix of 0 and -1"
    raise ValueError(
        f"{where}: y_true must hold labels in {{-1, 1}}, or all in {{0, 1}} (mapped to -1 and "
        f"1), got {found}"
    )


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
